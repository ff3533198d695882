package window

import "github.com/otelcol-sre/otelcol-sre/internal/stats"

// supports reports whether c's error ratio exceeds threshold with the spec's confidence: the
// lower bound of its Wilson score interval must be above it. Without a confidence the point
// estimate decides, as the burn-rate comparison already did.
func (s *Spec) supports(c Counts, threshold float64) bool {
	if s.Confidence <= 0 {
		return true
	}
	return stats.WilsonLower(c.Bad, c.Valid(), stats.ZScore(s.Confidence)) > threshold
}

// ZScore is the z of the spec's confidence (0 without one).
func (s *Spec) ZScore() float64 { return stats.ZScore(s.Confidence) }

package window

import "math"

// supports reports whether c's error ratio exceeds threshold with the spec's confidence: the
// lower bound of its Wilson score interval must be above it. Without a confidence the point
// estimate decides, as the burn-rate comparison already did.
func (s *Spec) supports(c Counts, threshold float64) bool {
	if s.Confidence <= 0 {
		return true
	}
	return WilsonLower(c.Bad, c.Valid(), ZScore(s.Confidence)) > threshold
}

// ZScore is the standard normal quantile of a two-sided interval at confidence c:
// 1.96 for 0.95.
func ZScore(c float64) float64 { return math.Sqrt2 * math.Erfinv(c) }

// WilsonLower is the lower bound of the Wilson score interval of bad ÷ valid at z (Wilson
// 1927): (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) ÷ (1 + z²/n). Unlike the normal
// approximation it stays in [0, 1] and is meaningful for few events and for p near 0 or 1:
// 3 bad of 227 (1.3 %) has a lower bound of 0.45 %, n of n bad has n ÷ (n + z²). It is 0
// without valid events.
func WilsonLower(bad, valid, z float64) float64 {
	if !(valid > 0) || math.IsInf(valid, 0) {
		return 0
	}
	p := min(max(bad/valid, 0), 1)
	z2 := z * z
	centre := p + z2/(2*valid)
	spread := z * math.Sqrt(p*(1-p)/valid+z2/(4*valid*valid))
	lower := (centre - spread) / (1 + z2/valid)
	if !(lower > 0) {
		return 0
	}
	return lower
}

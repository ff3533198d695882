package srestate

import "time"

// SamplingStats is what a tail sampler decided since it started: the spans of decided traces
// and the spans of those it kept. Readers judge the keep ratio from the sampler's decisions,
// not from a stream they may see before the sampler.
type SamplingStats struct {
	DecidedSpans, KeptSpans float64
	Since, Updated          time.Time
}

// maxSamplers bounds the sampler sources (component IDs, from the configuration).
const maxSamplers = 64

// PublishSampling replaces what source published before.
func (b *Board) PublishSampling(source string, s SamplingStats) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.sampling[source]; !ok && len(b.sampling) >= maxSamplers {
		return
	}
	b.sampling[source] = s
}

// Sampling sums what every sampler published; ok is false when none did.
func (b *Board) Sampling() (SamplingStats, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out SamplingStats
	for _, s := range b.sampling {
		out.DecidedSpans += s.DecidedSpans
		out.KeptSpans += s.KeptSpans
		if out.Since.IsZero() || s.Since.Before(out.Since) {
			out.Since = s.Since
		}
		if s.Updated.After(out.Updated) {
			out.Updated = s.Updated
		}
	}
	return out, len(b.sampling) > 0
}

package sresamplingprocessor

import (
	"errors"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/memo"
)

// thresholdPrecision is the number of hex digits of a written threshold, as contrib's
// probabilistic_sampler uses by default, so both write identical `th` values.
const thresholdPrecision = 4

// neverThreshold is above every randomness: a span composed to it is never kept.
var neverThreshold = sampling.NeverSampleThreshold.Unsigned()

// spanSampling is what a span's tracestate and trace id say about sampling.
type spanSampling struct {
	randomness   uint64
	arriving     uint64 // the arriving threshold, 0 when none
	hasThreshold bool   // a consistent arriving th
	malformed    bool   // tracestate does not parse: it is passed through unchanged
	inconsistent bool   // arriving th > randomness: OTEP 235 says to erase it
}

type parsedState struct {
	malformed bool
	rv        sampling.Randomness
	hasRV     bool
	th        sampling.Threshold
	hasTh     bool
}

type composeKey struct {
	arriving uint64
	ratio    float64
}

type outputKey struct {
	raw       string
	threshold uint64
	erase     bool
}

// tracestates parses, composes and writes OTEP 235 tracestates through pkg/sampling, caching by
// the raw string: most spans of a batch share one tracestate (usually the empty one). Each
// batch scratch has its own, so no lock is needed; every cache is bounded.
type tracestates struct {
	parsed   *memo.Map[string, parsedState]
	composed *memo.Map[composeKey, uint64]
	written  *memo.Map[outputKey, string]
}

func newTracestates() *tracestates {
	return &tracestates{
		parsed:   memo.New[string, parsedState](4096),
		composed: memo.New[composeKey, uint64](1024),
		written:  memo.New[outputKey, string](4096),
	}
}

func (ts *tracestates) parse(raw string) parsedState { return ts.parsed.Get(raw, parseTracestate) }

func parseTracestate(raw string) parsedState {
	var ps parsedState
	if raw != "" {
		w3c, err := sampling.NewW3CTraceState(raw)
		if err != nil {
			ps.malformed = true
		} else {
			otts := w3c.OTelValue()
			ps.rv, ps.hasRV = otts.RValueRandomness()
			ps.th, ps.hasTh = otts.TValueThreshold()
		}
	}
	return ps
}

// span reads a span's sampling state. Randomness comes from `rv` when present, otherwise from
// the trace id's 56 least-significant bits.
func (ts *tracestates) span(span ptrace.Span) spanSampling {
	ps := ts.parse(span.TraceState().AsRaw())
	out := spanSampling{malformed: ps.malformed}
	r := sampling.TraceIDToRandomness(span.TraceID())
	if ps.hasRV {
		r = ps.rv
	}
	out.randomness = r.Unsigned()
	if ps.hasTh {
		if ps.th.ShouldSample(r) {
			out.arriving, out.hasThreshold = ps.th.Unsigned(), true
		} else {
			out.inconsistent = true
		}
	}
	return out
}

// compose multiplies the arriving probability by the ratio, as probabilistic_sampler's
// proportional mode does: a 50 % head sample and a 10 % ratio make a 5 % threshold. A ratio of
// 1 leaves the arriving threshold as it is.
func (ts *tracestates) compose(arriving uint64, ratio float64) uint64 {
	if ratio >= 1 {
		return arriving
	}
	return ts.composed.Get(composeKey{arriving, ratio}, func(k composeKey) uint64 { return composeThreshold(k.arriving, k.ratio) })
}

func composeThreshold(arriving uint64, ratio float64) uint64 {
	if ratio >= 1 {
		return arriving
	}
	in, err := sampling.UnsignedToThreshold(arriving)
	if err != nil {
		return neverThreshold
	}
	th, err := sampling.ProbabilityToThresholdWithPrecision(in.Probability()*ratio, thresholdPrecision)
	if errors.Is(err, sampling.ErrProbabilityRange) || err != nil {
		return neverThreshold
	}
	return th.Unsigned()
}

// keep decides one span under a ratio: its randomness must pass its own composed threshold.
// An inconsistent span is kept only when keepInconsistent (evidence), with its th erased.
// It returns the threshold to write.
func (ts *tracestates) keep(s spanSampling, ratio float64, keepInconsistent bool) (threshold uint64, kept bool) {
	if s.inconsistent {
		return 0, keepInconsistent
	}
	t := ts.compose(s.arriving, ratio)
	return t, t <= s.randomness
}

// write returns the tracestate a kept span leaves with: threshold written (th:0 for an
// evidence span that arrived without one), an inconsistent th erased and nothing written in
// its place, `rv` and every other key preserved. A malformed tracestate is returned unchanged.
func (ts *tracestates) write(raw string, s spanSampling, threshold uint64) string {
	if s.malformed || (s.hasThreshold && threshold == s.arriving) {
		return raw
	}
	return ts.written.Get(outputKey{raw: raw, threshold: threshold, erase: s.inconsistent}, writeTracestate)
}

func writeTracestate(key outputKey) string {
	raw, threshold := key.raw, key.threshold
	out := raw
	if w3c, err := sampling.NewW3CTraceState(raw); err == nil {
		otts := w3c.OTelValue()
		var werr error
		if key.erase {
			otts.ClearTValue()
		} else if th, err := sampling.UnsignedToThreshold(threshold); err == nil {
			werr = otts.UpdateTValueWithSampling(th)
		}
		var sb strings.Builder
		if werr == nil && w3c.Serialize(&sb) == nil {
			out = sb.String()
		}
	}
	return out
}

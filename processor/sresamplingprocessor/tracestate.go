package sresamplingprocessor

import (
	"errors"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/ptrace"
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
	parsed   map[string]parsedState
	composed map[composeKey]uint64
	written  map[outputKey]string
}

func newTracestates() *tracestates {
	return &tracestates{parsed: map[string]parsedState{}, composed: map[composeKey]uint64{}, written: map[outputKey]string{}}
}

func (ts *tracestates) parse(raw string) parsedState {
	if ps, ok := ts.parsed[raw]; ok {
		return ps
	}
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
	if len(ts.parsed) >= 4096 {
		clear(ts.parsed)
	}
	ts.parsed[raw] = ps
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
	key := composeKey{arriving, ratio}
	if t, ok := ts.composed[key]; ok {
		return t
	}
	t := composeThreshold(arriving, ratio)
	if len(ts.composed) >= 1024 {
		clear(ts.composed)
	}
	ts.composed[key] = t
	return t
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
	key := outputKey{raw: raw, threshold: threshold, erase: s.inconsistent}
	if out, ok := ts.written[key]; ok {
		return out
	}
	out := raw
	if w3c, err := sampling.NewW3CTraceState(raw); err == nil {
		otts := w3c.OTelValue()
		var werr error
		if s.inconsistent {
			otts.ClearTValue()
		} else if th, err := sampling.UnsignedToThreshold(threshold); err == nil {
			werr = otts.UpdateTValueWithSampling(th)
		}
		var sb strings.Builder
		if werr == nil && w3c.Serialize(&sb) == nil {
			out = sb.String()
		}
	}
	if len(ts.written) >= 4096 {
		clear(ts.written)
	}
	ts.written[key] = out
	return out
}

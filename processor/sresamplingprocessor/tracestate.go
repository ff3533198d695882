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

// spanSampling is what a span's tracestate and trace id say about sampling.
type spanSampling struct {
	randomness   sampling.Randomness
	ratio        sampling.Threshold // the arriving threshold composed with the configured ratio
	ratioOK      bool               // false: the ratio can never keep this span
	malformed    bool               // tracestate does not parse: it is passed through unchanged
	inconsistent bool               // arriving th > randomness: OTEP 235 says to clear it
	hasThreshold bool               // a consistent arriving th
}

type parsedState struct {
	malformed bool
	rv        sampling.Randomness
	hasRV     bool
	th        sampling.Threshold
	hasTh     bool
}

type outputKey struct {
	raw       string
	threshold uint64
	clear     bool
}

// tracestates parses, composes and writes OTEP 235 tracestates through pkg/sampling, caching by
// the raw string: most spans of a batch share one tracestate (usually the empty one).
type tracestates struct {
	ratio    float64
	parsed   map[string]parsedState
	composed map[uint64]composed
	written  map[outputKey]string
}

type composed struct {
	threshold sampling.Threshold
	ok        bool
}

func newTracestates(ratio float64) *tracestates {
	return &tracestates{ratio: ratio, parsed: map[string]parsedState{}, composed: map[uint64]composed{}, written: map[outputKey]string{}}
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

// compose multiplies the arriving probability by the ratio, as probabilistic_sampler's
// proportional mode does: a 50 % head sample and a 10 % ratio make a 5 % threshold.
func (ts *tracestates) compose(arriving sampling.Threshold) composed {
	key := arriving.Unsigned()
	if c, ok := ts.composed[key]; ok {
		return c
	}
	th, err := sampling.ProbabilityToThresholdWithPrecision(arriving.Probability()*ts.ratio, thresholdPrecision)
	c := composed{threshold: th, ok: err == nil}
	if errors.Is(err, sampling.ErrProbabilityRange) {
		c = composed{threshold: sampling.NeverSampleThreshold}
	}
	if len(ts.composed) >= 1024 {
		clear(ts.composed)
	}
	ts.composed[key] = c
	return c
}

// span reads a span's sampling state. Randomness comes from `rv` when present, otherwise from
// the trace id's 56 least-significant bits.
func (ts *tracestates) span(span ptrace.Span) spanSampling {
	ps := ts.parse(span.TraceState().AsRaw())
	out := spanSampling{malformed: ps.malformed}
	if ps.hasRV {
		out.randomness = ps.rv
	} else {
		out.randomness = sampling.TraceIDToRandomness(span.TraceID())
	}
	arriving := sampling.AlwaysSampleThreshold
	if ps.hasTh {
		if ps.th.ShouldSample(out.randomness) {
			arriving, out.hasThreshold = ps.th, true
		} else {
			// Like probabilistic_sampler (fail closed), a ratio decision cannot trust it.
			out.inconsistent = true
			return out
		}
	}
	c := ts.compose(arriving)
	out.ratio, out.ratioOK = c.threshold, c.ok && c.threshold != sampling.NeverSampleThreshold
	return out
}

// write returns the tracestate a kept span leaves with. Ratio keeps carry the trace's
// threshold; error, slow and rule keeps carry their arriving threshold, or th:0 (adjusted
// count 1) when they had none. A threshold is never lowered, and a malformed tracestate is
// returned unchanged.
func (ts *tracestates) write(raw string, s spanSampling, ratioKeep bool, threshold sampling.Threshold) string {
	if s.malformed || (!ratioKeep && s.hasThreshold) {
		return raw
	}
	if !ratioKeep {
		threshold = sampling.AlwaysSampleThreshold
	}
	key := outputKey{raw: raw, threshold: threshold.Unsigned(), clear: s.inconsistent}
	if out, ok := ts.written[key]; ok {
		return out
	}
	out := raw
	if w3c, err := sampling.NewW3CTraceState(raw); err == nil {
		otts := w3c.OTelValue()
		if s.inconsistent {
			otts.ClearTValue()
		}
		if err := otts.UpdateTValueWithSampling(threshold); err == nil {
			var sb strings.Builder
			if w3c.Serialize(&sb) == nil {
				out = sb.String()
			}
		}
	}
	if len(ts.written) >= 4096 {
		clear(ts.written)
	}
	ts.written[key] = out
	return out
}

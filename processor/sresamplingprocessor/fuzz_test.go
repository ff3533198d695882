package sresamplingprocessor

import (
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Any tracestate must be read and written without a panic; a malformed one leaves unchanged,
// and a written threshold must be consistent with the span's randomness and never lower than
// the one that arrived.
func FuzzTracestate(f *testing.F) {
	for _, seed := range []string{"", "ot=th:8", "ot=th:0;rv:ffffffffffffff", "ot=rv:00000000000001,v=x", "ot=th:zz", "ot=th:e666;x:y",
		"a=b,ot=th:c", "ot=th:10000000000000000", "ot=;;", "=", "ot=th:8,ot=th:4", "ot=rv:abc"} {
		f.Add(seed, uint64(0x0123456789abcdef), true)
	}
	ts := newTracestates(0.1)
	f.Fuzz(func(t *testing.T, raw string, idBits uint64, ratioKeep bool) {
		span := ptrace.NewSpan()
		var id pcommon.TraceID
		for i := 0; i < 8; i++ {
			id[8+i] = byte(idBits >> (8 * i))
		}
		span.SetTraceID(id)
		span.TraceState().FromRaw(raw)
		info := ts.span(span)
		ratioKeep = ratioKeep && info.ratioOK && info.ratio.ShouldSample(info.randomness) // as the engine decides
		out := ts.write(raw, info, ratioKeep, info.ratio)
		if info.malformed {
			if out != raw {
				t.Fatalf("malformed %q rewritten as %q", raw, out)
			}
			return
		}
		w3c, err := sampling.NewW3CTraceState(out)
		if err != nil {
			t.Fatalf("wrote unparseable %q from %q: %v", out, raw, err)
		}
		th, has := w3c.OTelValue().TValueThreshold()
		if !has {
			t.Fatalf("no threshold written in %q (from %q)", out, raw)
		}
		if info.hasThreshold {
			in, _ := sampling.NewW3CTraceState(raw)
			inTh, _ := in.OTelValue().TValueThreshold()
			if sampling.ThresholdLessThan(th, inTh) {
				t.Fatalf("threshold lowered from %s to %s", inTh.TValue(), th.TValue())
			}
		}
		if !th.ShouldSample(info.randomness) {
			t.Fatalf("kept span written with th %s inconsistent with its randomness (from %q)", th.TValue(), raw)
		}
	})
}

func FuzzThresholdParse(f *testing.F) {
	for _, seed := range []string{"0", "8", "e666", "fd70a", "ffffffffffffff", "", "g", "00000000000000001"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tv string) {
		th, err := sampling.TValueToThreshold(tv)
		if err != nil {
			return
		}
		if p := th.Probability(); !(p > 0 && p <= 1) {
			t.Fatalf("th %q gives probability %v", tv, p)
		}
		back, err := sampling.TValueToThreshold(th.TValue())
		if err != nil || back != th {
			t.Fatalf("th %q does not round-trip: %v %v", tv, back.TValue(), err)
		}
	})
}

package sresamplingprocessor

import (
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Any tracestate must be read and written without a panic. A malformed one leaves unchanged;
// an inconsistent th is erased and nothing written in its place; otherwise a kept span's
// threshold is consistent with its randomness, never lower than the one that arrived, and `rv`
// survives.
func FuzzTracestate(f *testing.F) {
	for _, seed := range []string{"", "ot=th:8", "ot=th:0;rv:ffffffffffffff", "ot=rv:00000000000001,v=x", "ot=th:zz", "ot=th:e666;x:y",
		"a=b,ot=th:c", "ot=th:10000000000000000", "ot=;;", "=", "ot=th:8,ot=th:4", "ot=rv:abc", "ot=th:f;rv:00000000000001"} {
		f.Add(seed, uint64(0x0123456789abcdef), uint8(3), true)
	}
	ts := newTracestates()
	ratios := []float64{1, 0.5, 0.1, 0.01, 1e-6}
	f.Fuzz(func(t *testing.T, raw string, idBits uint64, ratioIdx uint8, evidence bool) {
		span := ptrace.NewSpan()
		var id pcommon.TraceID
		for i := 0; i < 8; i++ {
			id[8+i] = byte(idBits >> (8 * i))
		}
		span.SetTraceID(id)
		span.TraceState().FromRaw(raw)
		info := ts.span(span)
		threshold, kept := ts.keep(info, ratios[int(ratioIdx)%len(ratios)], evidence)
		if !kept {
			if evidence && ratios[int(ratioIdx)%len(ratios)] == 1 {
				t.Fatalf("evidence at ratio 1 not kept (from %q)", raw)
			}
			return
		}
		out := ts.write(raw, info, threshold)
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
		otts := w3c.OTelValue()
		in, _ := sampling.NewW3CTraceState(raw)
		if inRV, ok := in.OTelValue().RValueRandomness(); ok {
			if outRV, ok := otts.RValueRandomness(); !ok || outRV != inRV {
				t.Fatalf("rv lost: %q → %q", raw, out)
			}
		}
		th, has := otts.TValueThreshold()
		if info.inconsistent {
			if has {
				t.Fatalf("inconsistent th in %q written as %q, want it erased", raw, out)
			}
			return
		}
		if !has {
			t.Fatalf("no threshold written in %q (from %q)", out, raw)
		}
		if info.hasThreshold {
			inTh, _ := in.OTelValue().TValueThreshold()
			if sampling.ThresholdLessThan(th, inTh) {
				t.Fatalf("threshold lowered from %s to %s", inTh.TValue(), th.TValue())
			}
		}
		if th.Unsigned() > info.randomness {
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

package decide

import (
	"runtime"
	"testing"
)

// linear composes like pkg/sampling without rounding: the threshold of (1-a)·p, on a 1000
// scale so the numbers below are easy to check by hand.
func linear(arriving uint64, ratio float64) uint64 {
	if ratio >= 1 {
		return arriving
	}
	return 1000 - uint64(float64(1000-arriving)*ratio+0.5)
}

func rangeOf(spans ...[3]uint64) SpanRange { // {arriving, randomness, consistent(1/0)}
	var r SpanRange
	for _, s := range spans {
		r.Add(s[0], s[1], s[2] == 1)
	}
	return r
}

func TestSpanRangeAddAndMerge(t *testing.T) {
	a := rangeOf([3]uint64{100, 950, 1}, [3]uint64{0, 910, 1}, [3]uint64{900, 10, 0})
	if a != (SpanRange{MinA: 0, MaxA: 100, MinR: 910, MaxR: 950, Consistent: 2, Inconsistent: 1}) {
		t.Fatalf("add: %+v", a)
	}
	b := rangeOf([3]uint64{500, 990, 1})
	a.Merge(b)
	if a != (SpanRange{MinA: 0, MaxA: 500, MinR: 910, MaxR: 990, Consistent: 3, Inconsistent: 1}) {
		t.Fatalf("merge: %+v", a)
	}
	var empty SpanRange
	empty.Merge(b)
	if empty != b {
		t.Fatalf("merge into empty: %+v", empty)
	}
	b.Merge(SpanRange{Inconsistent: 2})
	if b != (SpanRange{MinA: 500, MaxA: 500, MinR: 990, MaxR: 990, Consistent: 1, Inconsistent: 2}) {
		t.Fatalf("merge of inconsistent only: %+v", b)
	}
}

func TestCoverage(t *testing.T) {
	ratio := func(p float64) Verdict { return Verdict{Mode: ModeRatio, Ratio: p} }
	all := func(p float64) Verdict { return Verdict{Mode: ModeAll, Ratio: p} }
	for _, c := range []struct {
		name string
		v    Verdict
		r    SpanRange
		want Coverage
	}{
		{"drop", Verdict{Mode: ModeDrop}, rangeOf([3]uint64{0, 999, 1}), KeepNone},
		{"undecided", Verdict{}, rangeOf([3]uint64{0, 999, 1}), KeepNone},
		// p = 0.1 → threshold 900: R 900 passes (T ≤ R), 899 does not.
		{"ratio keeps at T = R", ratio(0.1), rangeOf([3]uint64{0, 900, 1}, [3]uint64{0, 950, 1}), KeepAll},
		{"ratio drops below T", ratio(0.1), rangeOf([3]uint64{0, 899, 1}, [3]uint64{0, 100, 1}), KeepNone},
		{"ratio straddles", ratio(0.1), rangeOf([3]uint64{0, 899, 1}, [3]uint64{0, 950, 1}), KeepSome},
		// Mixed arriving thresholds: 500 (50 %) composes to 950, 0 to 900; R 920 passes one.
		{"mixed arriving", ratio(0.1), rangeOf([3]uint64{0, 920, 1}, [3]uint64{500, 920, 1}), KeepSome},
		{"mixed arriving all pass", ratio(0.1), rangeOf([3]uint64{0, 960, 1}, [3]uint64{500, 960, 1}), KeepAll},
		{"ratio fails inconsistent closed", ratio(0.1), rangeOf([3]uint64{0, 990, 1}, [3]uint64{900, 10, 0}), KeepSome},
		{"ratio with only inconsistent", ratio(0.1), rangeOf([3]uint64{900, 10, 0}), KeepNone},
		{"ratio drop with inconsistent", ratio(0.1), rangeOf([3]uint64{0, 10, 1}, [3]uint64{900, 10, 0}), KeepNone},
		{"ratio 1 keeps all", ratio(1), rangeOf([3]uint64{700, 700, 1}), KeepAll},
		// At ratio 1 each span passes its own arriving threshold, even when the largest A is
		// above the smallest R of another span.
		{"ratio 1 with spread", ratio(1), rangeOf([3]uint64{700, 700, 1}, [3]uint64{0, 100, 1}), KeepAll},
		// T = 900 equals the largest R: that span is kept, the other (T 950) is not.
		{"boundary at MaxR", ratio(0.1), rangeOf([3]uint64{0, 900, 1}, [3]uint64{500, 900, 1}), KeepSome},
		{"evidence keeps all", all(1), rangeOf([3]uint64{700, 700, 1}, [3]uint64{900, 10, 0}), KeepAll},
		{"evidence keeps inconsistent only", all(0.1), rangeOf([3]uint64{900, 10, 0}), KeepAll},
		{"capped evidence keeps inconsistent", all(0.1), rangeOf([3]uint64{0, 10, 1}, [3]uint64{900, 10, 0}), KeepSome},
		{"capped evidence drops", all(0.1), rangeOf([3]uint64{0, 10, 1}), KeepNone},
		{"capped evidence keeps", all(0.1), rangeOf([3]uint64{0, 990, 1}, [3]uint64{900, 10, 0}), KeepAll},
		{"empty", all(1), SpanRange{}, KeepNone},
	} {
		if got := c.v.Coverage(c.r, linear); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDecisionKeepAndReasonNames(t *testing.T) {
	for m, want := range map[Mode]bool{ModeNone: false, ModeAll: true, ModeRatio: true, ModeDrop: false} {
		if (&Decision{Verdict: Verdict{Mode: m}}).Keep() != want {
			t.Errorf("mode %d", m)
		}
	}
	if ReasonError.String() != "error" || ReasonLatency.String() != "latency" || ReasonRule.String() != "rule" || ReasonRatio.String() != "ratio" {
		t.Error("reason names")
	}
}

func TestVerdictCache(t *testing.T) {
	c := newVerdictCache(1000)
	c.put(id(1), Verdict{Mode: ModeAll, Ratio: 1})
	c.put(id(2), Verdict{Mode: ModeRatio, Ratio: 0.1})
	c.put(id(1), Verdict{Mode: ModeAll, Ratio: 0.5})
	if v, ok := c.get(id(1)); !ok || v != (Verdict{Mode: ModeAll, Ratio: 0.5}) {
		t.Fatalf("updated entry: %+v %v", v, ok)
	}
	if v, ok := c.get(id(2)); !ok || v != (Verdict{Mode: ModeRatio, Ratio: 0.1}) {
		t.Errorf("entry 2: %+v %v", v, ok)
	}
	if _, ok := c.get(id(3)); ok {
		t.Error("unknown id found")
	}
	c.put(id(3), Verdict{}) // ModeNone is not a verdict
	if _, ok := c.get(id(3)); ok {
		t.Error("ModeNone stored")
	}
	// Nine ids in one bucket: the oldest is pushed out, the eight newer stay.
	var same []TraceID
	first := c.bucket(lowBits(id(1)) & tagMask)
	for n := 0; len(same) < 9; n++ {
		x := TraceID{8: byte(n >> 16), 9: byte(n >> 8), 15: byte(n)}
		if &c.bucket(lowBits(x) & tagMask)[0] == &first[0] && x != id(1) {
			same = append(same, x)
		}
	}
	for _, x := range same {
		c.put(x, Verdict{Mode: ModeDrop})
	}
	if _, ok := c.get(same[0]); ok {
		t.Error("the oldest of nine ids in a bucket of eight survived")
	}
	for _, x := range same[1:] {
		if _, ok := c.get(x); !ok {
			t.Errorf("a newer id of the bucket was lost")
		}
	}
	if _, ok := c.get(id(1)); ok {
		t.Error("id 1, older than the nine, survived")
	}
	// Updating an id in place takes no new slot: eight updates of one id keep its neighbour.
	for i := 0; i < 8; i++ {
		c.put(same[8], Verdict{Mode: ModeAll, Ratio: 1})
	}
	if _, ok := c.get(same[1]); !ok {
		t.Error("updates of one id pushed another out of the bucket")
	}
	c.put(TraceID{8: 0xAA, 15: 7}, Verdict{Mode: ModeDrop})
	if _, ok := c.get(TraceID{9: 0xBB, 15: 7}); ok {
		t.Error("a different id matched")
	}
	if CacheBytes(9) != 16*16 || len(newVerdictCache(9).slots) != 16 {
		t.Error("capacity is rounded up to whole buckets of 8")
	}
	zero := newVerdictCache(0)
	zero.put(id(1), Verdict{Mode: ModeAll})
	if _, ok := zero.get(id(1)); ok {
		t.Error("a zero cache remembers")
	}
}

// Retention is close to first-in first-out: after 2 000 decisions in 10 000 slots every one
// is still there; after 4 000, an early entry is lost only if its bucket took 8 of about 3
// newer ones on average (Poisson: under 2 %); after 30 000 almost none of the first are left.
func TestVerdictCacheRetention(t *testing.T) {
	c := newVerdictCache(10_000)
	tid := func(n int) TraceID {
		var x TraceID
		for b := 0; b < 8; b++ {
			x[8+b] = byte(uint64(n*2654435761+12345) >> (8 * b))
		}
		return x
	}
	survivors := func(from, to int) int {
		found := 0
		for n := from; n < to; n++ {
			if _, ok := c.get(tid(n)); ok {
				found++
			}
		}
		return found
	}
	for n := 0; n < 2000; n++ {
		c.put(tid(n), Verdict{Mode: ModeDrop})
	}
	if got := survivors(0, 2000); got != 2000 {
		t.Errorf("%d of 2000 verdicts in 10000 slots survive, want all", got)
	}
	for n := 2000; n < 4000; n++ {
		c.put(tid(n), Verdict{Mode: ModeDrop})
	}
	if got := survivors(0, 1000); got < 960 {
		t.Errorf("%d of the first 1000 survive 4000 decisions in 10000 slots, want at least 960", got)
	}
	for n := 4000; n < 30_000; n++ {
		c.put(tid(n), Verdict{Mode: ModeDrop})
	}
	if got := survivors(0, 1000); got > 50 {
		t.Errorf("%d of the first 1000 survive 30000 decisions in 10000 slots", got)
	}
}

// CacheBytes must be an upper bound of what a full cache holds on the heap, since the caches
// are charged to memory_limit_mib.
func TestCacheBytesIsAnUpperBound(t *testing.T) {
	const n = 200_000
	churn := 3
	if testing.Short() {
		churn = 1
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c := newVerdictCache(n)
	for i := 0; i < churn*n; i++ {
		var tid TraceID
		for b := 0; b < 8; b++ {
			tid[8+b] = byte(uint64(i*2654435761) >> (8 * b))
		}
		c.put(tid, Verdict{Mode: ModeRatio, Ratio: 0.1})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	used := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d-entry cache: %d B, %.1f B per entry; charged %d", n, used, float64(used)/n, CacheBytes(n))
	if used > CacheBytes(n)+16<<10 { // what else the runtime allocated meanwhile
		t.Errorf("cache holds %d B, more than the %d charged", used, CacheBytes(n))
	}
	runtime.KeepAlive(c)
}

package policy

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestDropIsFinal(t *testing.T) {
	if !(Rules{{Action: Drop}, {Action: Drop}}).DropIsFinal(1) {
		t.Error("a drop after a drop is final")
	}
	rs := Rules{{Action: Drop}, {Action: Keep, Ratio: 0.1}, {Action: Drop}}
	if !rs.DropIsFinal(0) || rs.DropIsFinal(1) || rs.DropIsFinal(2) || rs.DropIsFinal(3) {
		t.Error("a drop is final only when no keep rule comes before it")
	}
	if !(Rule{Action: Keep}).KeepsAll() || !(Rule{Action: Keep, Ratio: 1}).KeepsAll() || (Rule{Action: Keep, Ratio: 0.5}).KeepsAll() || (Rule{Action: Drop}).KeepsAll() {
		t.Error("KeepsAll")
	}
}

// Hand-computed max-min fair shares: 100 spans/s to split among keys at 10, 50 and 1000
// spans/s. Fair share 33.3: the 10 key keeps all (10), leaving 90 for two: 45 each. The 50 key
// is above 45, so both hot keys keep 45: ratios 45/50 = 0.9 and 45/1000 = 0.045.
func TestWaterFilling(t *testing.T) {
	c := NewController(Config{Ratio: 0.1, TargetSpansPerSecond: 100, MaxKeys: 10})
	rare, mid, hot := c.Key("rare"), c.Key("mid"), c.Key("hot")
	if rare == mid || mid == hot || rare == OtherKey {
		t.Fatalf("keys %d %d %d", rare, mid, hot)
	}
	if c.Ratio(rare) != 0.1 {
		t.Errorf("before any adjustment a key has the static ratio, got %v", c.Ratio(rare))
	}
	c.Adjust(10) // nothing decided yet: no change
	if c.Ratio(rare) != 0.1 || c.Ratio(hot) != 0.1 {
		t.Errorf("an adjustment without counts changed the ratios: %v %v", c.Ratio(rare), c.Ratio(hot))
	}
	c.CountOrdinary(rare, 100) // over 10 s
	c.CountOrdinary(mid, 500)
	c.CountOrdinary(hot, 10_000)
	c.Adjust(10)
	if !near(c.Ratio(rare), 1) || !near(c.Ratio(mid), 0.9) || !near(c.Ratio(hot), 0.045) {
		t.Errorf("ratios rare %v mid %v hot %v, want 1, 0.9, 0.045", c.Ratio(rare), c.Ratio(mid), c.Ratio(hot))
	}
	if c.Ratio(OtherKey) != 1 || !near(c.EvidenceRatio(), 1) {
		t.Errorf("idle key %v, evidence %v", c.Ratio(OtherKey), c.EvidenceRatio())
	}
	if fresh := c.Key("fresh"); c.Ratio(fresh) != 1 {
		t.Errorf("a key first seen after an adjustment keeps all until counted: %v", c.Ratio(fresh))
	}
	// Smoothing: the next interval halves the hot key's rate; the average is 750/s.
	c.CountOrdinary(rare, 100)
	c.CountOrdinary(mid, 500)
	c.CountOrdinary(hot, 5_000)
	c.Adjust(10)
	if !near(c.Ratio(hot), 45.0/750) {
		t.Errorf("smoothed hot ratio %v, want %v", c.Ratio(hot), 45.0/750)
	}
	if !c.Dynamic() || c.Keys() != 5 || c.KeyName(hot) != "hot" || c.KeyName(99) != "" || c.KeyName(5) != "" {
		t.Errorf("keys %d name %q", c.Keys(), c.KeyName(hot))
	}
}

func TestKeysAreBounded(t *testing.T) {
	c := NewController(Config{Ratio: 0.5, TargetSpansPerSecond: 10, MaxKeys: 3})
	a, b := c.Key("a"), c.Key("b")
	if c.Key("c") != OtherKey || c.Key("d") != OtherKey || c.Key("a") != a || a == b {
		t.Error("keys beyond max_keys must share OtherKey")
	}
	if c.Keys() != 3 || c.Bytes() != 3*24 {
		t.Errorf("%d keys", c.Keys())
	}
	c.CountOrdinary(99, 10) // out of range counts as other
	c.CountOrdinary(3, 10)  // the first index past the table, too
	c.Adjust(1)
	if c.Ratio(99) != c.Ratio(OtherKey) || c.Ratio(3) != c.Ratio(OtherKey) {
		t.Error("out-of-range key")
	}
	// other: 20/s, a, b idle → a and b keep all, other shares 10/s → 0.5.
	if !near(c.Ratio(OtherKey), 0.5) || c.Ratio(a) != 1 {
		t.Errorf("other %v, a %v", c.Ratio(OtherKey), c.Ratio(a))
	}
	c.CountOrdinary(a, 10)
	c.Adjust(0) // no time passed: ignored, the counts wait for the next adjustment
	if !near(c.Ratio(OtherKey), 0.5) {
		t.Errorf("Adjust(0) changed the ratios: %v", c.Ratio(OtherKey))
	}
	if NewController(Config{MaxKeys: 0}).Key("x") != OtherKey {
		t.Error("MaxKeys 0 is one key")
	}
}

// The cap: 1 000 evidence spans/s against max 200 → evidence ratio 0.2 (above the 0.1 floor),
// and nothing left for ordinary traces but the floor ratio.
func TestCapHoldsEvidenceAboveTheFloor(t *testing.T) {
	c := NewController(Config{Ratio: 0.5, MaxSpansPerSecond: 200, MinErrorRatio: 0.1, MaxKeys: 1, MinRatio: 1e-4})
	c.CountEvidence(10_000)
	c.CountOrdinary(OtherKey, 10_000)
	c.Adjust(10)
	if !near(c.EvidenceRatio(), 0.2) || !near(c.Ratio(OtherKey), 1e-4) {
		t.Errorf("evidence %v ordinary %v", c.EvidenceRatio(), c.Ratio(OtherKey))
	}
	// A storm five times larger hits the floor: 0.1, not 0.04.
	c2 := NewController(Config{Ratio: 0.5, MaxSpansPerSecond: 200, MinErrorRatio: 0.1, MaxKeys: 1})
	c2.CountEvidence(50_000)
	c2.Adjust(10)
	if !near(c2.EvidenceRatio(), 0.1) {
		t.Errorf("evidence ratio %v, want the 0.1 floor", c2.EvidenceRatio())
	}
	// Below the cap nothing changes; ordinary traffic is scaled to the room left: 200 - 50 =
	// 150 spans/s for 1 000 spans/s at 0.5 → 0.15.
	c3 := NewController(Config{Ratio: 0.5, MaxSpansPerSecond: 200, MinErrorRatio: 0.1, MaxKeys: 1})
	c3.CountEvidence(500)
	c3.CountOrdinary(OtherKey, 10_000)
	c3.Adjust(10)
	if !near(c3.EvidenceRatio(), 1) || !near(c3.Ratio(OtherKey), 0.15) {
		t.Errorf("evidence %v ordinary %v, want 1 and 0.15", c3.EvidenceRatio(), c3.Ratio(OtherKey))
	}
	// Fixed-ratio rules use room too: 100 spans/s at 0.5 = 50 more → 100/1000 = 0.1.
	c4 := NewController(Config{Ratio: 0.5, MaxSpansPerSecond: 200, MinErrorRatio: 0.1, MaxKeys: 1})
	c4.CountEvidence(500)
	c4.CountFixed(1000, 0.5)
	c4.CountOrdinary(OtherKey, 10_000)
	c4.Adjust(10)
	if !near(c4.Ratio(OtherKey), 0.1) {
		t.Errorf("with fixed-ratio output: %v, want 0.1", c4.Ratio(OtherKey))
	}
}

func TestStaticWithoutCapOrTarget(t *testing.T) {
	c := NewController(Config{Ratio: 0.25, MaxKeys: 1})
	c.CountOrdinary(OtherKey, 1e9)
	c.CountEvidence(1e9)
	c.Adjust(1)
	c.Adjust(0) // ignored
	if c.Ratio(OtherKey) != 0.25 || c.EvidenceRatio() != 1 || c.Dynamic() {
		t.Errorf("static: %v %v", c.Ratio(OtherKey), c.EvidenceRatio())
	}
	if c.clamp(math.NaN()) != 1e-6 || c.clamp(2) != 1 {
		t.Error("clamp")
	}
}

func TestTargetAndCapTogether(t *testing.T) {
	// Target 500 but the cap leaves 300 after evidence: keys share 300.
	c := NewController(Config{Ratio: 0.1, TargetSpansPerSecond: 500, MaxSpansPerSecond: 400, MinErrorRatio: 0.5, MaxKeys: 4})
	a, b := c.Key("a"), c.Key("b")
	c.CountEvidence(100)
	c.CountOrdinary(a, 1000)
	c.CountOrdinary(b, 1000)
	c.Adjust(1)
	if !near(c.Ratio(a), 0.15) || !near(c.Ratio(b), 0.15) {
		t.Errorf("ratios %v %v, want 0.15", c.Ratio(a), c.Ratio(b))
	}
}

package trend

import (
	"math"
	"testing"
	"time"
	"unsafe"
)

var t0 = time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)

func layout() Layout {
	return Layout{{Step: time.Minute, Points: 3}, {Step: time.Hour, Points: 2}}
}

func sample(good, bad, budget float64) Sample {
	return Sample{Good: good, Bad: bad, Budget: budget, SLI: good / (good + bad), Burn: []float64{1, 2}}
}

// Two emits in one step add their events and keep the later evaluation.
func TestRecordAddsEventsAndKeepsTheLatestGauge(t *testing.T) {
	h := New(layout())
	h.Record(t0.Add(10*time.Second), sample(10, 1, 0.9))
	h.Record(t0.Add(50*time.Second), sample(5, 2, 0.8))
	pts, step := h.Since(t0, t0.Add(time.Minute))
	if step != time.Minute || len(pts) != 1 {
		t.Fatalf("step %v, %d points", step, len(pts))
	}
	p := pts[0]
	if p.At != t0.UnixNano() || p.Good != 15 || p.Bad != 3 || p.Budget != float32(0.8) || p.Burn[1] != 2 {
		t.Errorf("point %+v", p)
	}
	if !math.IsNaN(float64(p.Burn[2])) {
		t.Errorf("window 2 had no burn rate, got %v", p.Burn[2])
	}
}

// A full ring keeps its newest points, oldest first; a sample from a step already passed (a
// clock that went back) lands in the newest step, so no event is lost and no past changes.
func TestRingKeepsTheNewestAndIgnoresThePast(t *testing.T) {
	h := New(layout())
	for i := range 5 {
		h.Record(t0.Add(time.Duration(i)*time.Minute), sample(float64(i+1), 0, 1))
	}
	h.Record(t0.Add(time.Minute), sample(100, 100, 0))
	pts, _ := h.Since(t0, t0.Add(3*time.Minute))
	if len(pts) != 3 {
		t.Fatalf("%d points, want the ring's 3", len(pts))
	}
	for i, p := range pts {
		want := Point{Good: float64(i + 3)}
		if i == 2 {
			want = Point{Good: 105, Bad: 100}
		}
		if p.Good != want.Good || p.Bad != want.Bad {
			t.Errorf("point %d: good %v bad %v, want %v and %v", i, p.Good, p.Bad, want.Good, want.Bad)
		}
	}
	oldest, ok := h.Oldest()
	if !ok || !oldest.Equal(t0) { // the hour tier still holds t0's hour
		t.Errorf("oldest %v %v", oldest, ok)
	}
	if hour := h.Tiers[1].Points; len(hour) != 1 || hour[0].Good != 115 || hour[0].Bad != 100 {
		t.Errorf("hour tier %+v: every sample of the hour adds up", hour)
	}
}

// Since reads the finest tier that reaches back far enough, else the coarsest, and only the
// steps that end after since.
func TestSinceChoosesTheFinestTierThatCovers(t *testing.T) {
	h := New(layout())
	for i := range 130 {
		h.Record(t0.Add(time.Duration(i)*time.Minute), sample(1, 0, 1))
	}
	now := t0.Add(130 * time.Minute)
	if pts, step := h.Since(now.Add(-3*time.Minute), now); step != time.Minute || len(pts) != 3 {
		t.Errorf("3 minutes: step %v, %d points", step, len(pts))
	}
	if pts, step := h.Since(now.Add(-2*time.Hour), now); step != time.Hour || len(pts) != 2 || pts[0].Good != 60 || pts[1].Good != 10 {
		t.Errorf("2 hours: step %v, points %+v", step, pts)
	}
	if pts, step := h.Since(now.Add(-time.Minute), now); step != time.Minute || len(pts) != 1 || pts[0].At != now.Add(-time.Minute).UnixNano() {
		t.Errorf("1 minute: step %v, points %+v (only the step that ends at now)", step, pts)
	}
	if pts, step := New(nil).Since(t0, now); pts != nil || step != 0 {
		t.Errorf("no tiers: %v %v", pts, step)
	}
}

// Gauges that are absent or do not fit a float32 are NaN, never Inf.
func TestGaugesNeverHoldInf(t *testing.T) {
	h := New(layout())
	h.Record(t0, Sample{Budget: math.Inf(-1), SLI: math.NaN(), Burn: []float64{1e300, math.Inf(1), 3}})
	p := h.Tiers[0].Points[0]
	for name, v := range map[string]float32{"budget": p.Budget, "sli": p.SLI, "burn0": p.Burn[0], "burn1": p.Burn[1]} {
		if !math.IsNaN(float64(v)) {
			t.Errorf("%s = %v, want NaN", name, v)
		}
	}
	if p.Burn[2] != 3 {
		t.Errorf("burn 2 = %v", p.Burn[2])
	}
}

// Restore keeps a tier's newest points when it is now smaller, and drops a tier whose step
// changed; a damaged head does not panic.
func TestRestoreFitsTheLayoutConfiguredNow(t *testing.T) {
	old := New(Layout{{Step: time.Minute, Points: 5}, {Step: 2 * time.Hour, Points: 2}})
	for i := range 7 {
		old.Record(t0.Add(time.Duration(i)*time.Minute), sample(float64(i), 0, 1))
	}
	h := New(layout())
	h.Restore(old)
	pts, _ := h.Since(t0.Add(4*time.Minute), t0.Add(7*time.Minute))
	if len(pts) != 3 || pts[0].Good != 4 || pts[2].Good != 6 {
		t.Errorf("restored minutes %+v, want the newest 3 (4, 5, 6)", pts)
	}
	if len(h.Tiers[1].Points) != 0 {
		t.Errorf("the hour tier took points of a 2h step: %+v", h.Tiers[1].Points)
	}
	old.Tiers[0].Head = 99
	h.Restore(old)
	if len(h.Tiers[0].Points) != 3 {
		t.Errorf("damaged head: %d points", len(h.Tiers[0].Points))
	}
	after := h.Tiers[0].Points[2].At
	h.Record(time.Unix(0, after).Add(time.Minute), sample(1, 0, 1))
	if last := h.Tiers[0].last(); last.At != after+int64(time.Minute) {
		t.Errorf("recording after a restore: newest %v", time.Unix(0, last.At))
	}
}

// Bytes is bounded by the layout, whatever is recorded.
func TestBytesIsBoundedByTheLayout(t *testing.T) {
	h := New(layout())
	if h.Bytes() != 0 {
		t.Errorf("empty history takes %d bytes", h.Bytes())
	}
	for i := range 1000 {
		h.Record(t0.Add(time.Duration(i)*time.Minute), sample(1, 0, 1))
	}
	if got, bound := h.Bytes(), 5*PointBytes; got != bound {
		t.Errorf("%d bytes, want the layout's %d", got, bound)
	}
	big := New(Layout{{Step: time.Minute, Points: 1440}, {Step: time.Hour, Points: 744}})
	for i := range 3000 {
		big.Record(t0.Add(time.Duration(i)*time.Minute), sample(1, 0, 1))
	}
	// A full day of minutes; 51 hours held in a ring grown by doubling to 64.
	if got := big.Bytes(); got != (1440+64)*PointBytes {
		t.Errorf("default layout after 3000 minutes: %d bytes, want %d", got, (1440+64)*PointBytes)
	}
}

func BenchmarkRecord(b *testing.B) {
	h := New(Layout{{Step: time.Minute, Points: 1440}, {Step: time.Hour, Points: 744}})
	s := Sample{Good: 100, Bad: 1, Budget: 0.9, SLI: 0.99, Burn: make([]float64, MaxWindows)}
	for i := range b.N {
		h.Record(t0.Add(time.Duration(i)*5*time.Second), s)
	}
}

// A tier of no points or no step is no tier; an empty history has no oldest point, and the
// oldest is the oldest of any tier.
func TestEmptyTiersAndOldest(t *testing.T) {
	h := New(Layout{{Step: time.Minute, Points: 0}, {Step: 0, Points: 10}, {Step: time.Minute, Points: 1}, {Step: time.Hour, Points: 1}})
	if len(h.Tiers) != 2 {
		t.Fatalf("%d tiers, want the two with a step and points", len(h.Tiers))
	}
	if _, ok := h.Oldest(); ok {
		t.Error("an empty history has an oldest point")
	}
	h.Record(t0.Add(90*time.Minute), sample(1, 0, 1))
	if oldest, _ := h.Oldest(); !oldest.Equal(t0.Add(time.Hour)) {
		t.Errorf("oldest %v, want the hour tier's step at %v", oldest, t0.Add(time.Hour))
	}
	if PointBytes != int(unsafe.Sizeof(Point{})) {
		t.Errorf("PointBytes %d, a Point is %d bytes", PointBytes, unsafe.Sizeof(Point{}))
	}
}

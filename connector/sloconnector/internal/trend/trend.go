package trend

import (
	"math"
	"time"
)

// MaxWindows is the most burn-rate windows a point keeps (the standard seven and the period).
const MaxWindows = 8

// Sample is one emit's evaluation of a series and the events received since the last emit.
// NaN marks a gauge without a value.
type Sample struct {
	Good, Bad float64
	Budget    float64
	SLI       float64
	Burn      []float64 // by window, at most MaxWindows kept
}

// Point is one step: the events received during it and the evaluation at its last emit.
// Gauges are float32 (7 significant digits are more than a chart shows) to halve the
// footprint; NaN marks an absent one.
type Point struct {
	At        int64 // start of the step, unix nanoseconds
	Good, Bad float64
	Budget    float32
	SLI       float32
	Burn      [MaxWindows]float32
}

// PointBytes is one point's size in memory.
const PointBytes = 8 + 16 + 4 + 4 + 4*MaxWindows

// Tier is a ring of points at one step.
type Tier struct {
	Step   time.Duration
	Cap    int
	Points []Point // ring once full; Head is the oldest then
	Head   int
}

// History is one series' tiers, finest first.
type History struct {
	Tiers []Tier
}

// Layout is a history's resolutions and sizes.
type Layout []struct {
	Step   time.Duration
	Points int
}

// New returns an empty history; nothing is allocated until points arrive.
func New(l Layout) *History {
	h := &History{Tiers: make([]Tier, 0, len(l))}
	for _, t := range l {
		if t.Step > 0 && t.Points > 0 {
			h.Tiers = append(h.Tiers, Tier{Step: t.Step, Cap: t.Points})
		}
	}
	return h
}

// Record adds s at time at to the step holding it in every tier: events add up, gauges take
// the latest value. A sample older than a tier's newest step (a clock that stepped back) goes
// to that newest step: the past is never rewritten and no event is lost.
func (h *History) Record(at time.Time, s Sample) {
	for i := range h.Tiers {
		h.Tiers[i].record(at.UnixNano(), s)
	}
}

func (t *Tier) record(at int64, s Sample) {
	step := int64(t.Step)
	start := at - mod(at, step)
	if last := t.last(); last != nil && last.At >= start {
		last.Good += s.Good
		last.Bad += s.Bad
		last.set(s)
		return
	}
	p := Point{At: start, Good: s.Good, Bad: s.Bad}
	p.set(s)
	if len(t.Points) < t.Cap {
		if len(t.Points) == cap(t.Points) { // grow by doubling, never past Cap, so Bytes stays in the bound
			grown := make([]Point, len(t.Points), min(max(2*cap(t.Points), 16), t.Cap))
			copy(grown, t.Points)
			t.Points = grown
		}
		t.Points = append(t.Points, p)
		return
	}
	t.Points[t.Head] = p
	t.Head = (t.Head + 1) % len(t.Points)
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

func (p *Point) set(s Sample) {
	p.Budget, p.SLI = gauge(s.Budget), gauge(s.SLI)
	for i := range p.Burn {
		p.Burn[i] = float32(math.NaN())
		if i < len(s.Burn) {
			p.Burn[i] = gauge(s.Burn[i])
		}
	}
}

// gauge narrows v, keeping NaN for a value that is absent or does not fit.
func gauge(v float64) float32 {
	f := float32(v)
	if math.IsNaN(v) || math.IsInf(float64(f), 0) {
		return float32(math.NaN())
	}
	return f
}

func (t *Tier) last() *Point {
	if len(t.Points) == 0 {
		return nil
	}
	return &t.Points[(t.Head+len(t.Points)-1)%len(t.Points)]
}

// Oldest is the start of the oldest point held at any resolution, and false with none.
func (h *History) Oldest() (time.Time, bool) {
	var oldest int64
	found := false
	for _, t := range h.Tiers {
		if len(t.Points) > 0 {
			if at := t.Points[t.Head].At; !found || at < oldest {
				oldest, found = at, true
			}
		}
	}
	return time.Unix(0, oldest), found
}

// Since returns the points from since on, oldest first, from the finest tier whose span
// reaches back to since at now (else the coarsest), with that tier's step.
func (h *History) Since(since, now time.Time) ([]Point, time.Duration) {
	if len(h.Tiers) == 0 {
		return nil, 0
	}
	chosen := &h.Tiers[len(h.Tiers)-1]
	for i := range h.Tiers {
		if t := &h.Tiers[i]; time.Duration(t.Cap)*t.Step >= now.Sub(since) {
			chosen = t
			break
		}
	}
	from := since.UnixNano()
	out := make([]Point, 0, len(chosen.Points))
	for i := range chosen.Points {
		p := chosen.Points[(chosen.Head+i)%len(chosen.Points)]
		if p.At+int64(chosen.Step) > from {
			out = append(out, p)
		}
	}
	return out, chosen.Step
}

// Restore takes the points of a stored history into h, tier by tier where the step matches;
// a tier now smaller keeps its newest points. A tier whose step changed starts empty.
func (h *History) Restore(stored *History) {
	for i := range h.Tiers {
		t := &h.Tiers[i]
		for _, st := range stored.Tiers {
			if st.Step != t.Step {
				continue
			}
			n := len(st.Points)
			if st.Head < 0 || st.Head >= max(n, 1) {
				st.Head = 0 // a damaged record: its order is lost, its points are not
			}
			ordered := make([]Point, 0, n)
			for k := range n {
				ordered = append(ordered, st.Points[(st.Head+k)%n])
			}
			if len(ordered) > t.Cap {
				ordered = ordered[len(ordered)-t.Cap:]
			}
			t.Points, t.Head = ordered, 0
		}
	}
}

// Bytes is the memory the history's points take.
func (h *History) Bytes() int {
	n := 0
	for _, t := range h.Tiers {
		n += cap(t.Points) * PointBytes
	}
	return n
}

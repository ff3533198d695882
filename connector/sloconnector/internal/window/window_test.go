package window

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func mustSpec(t *testing.T, s Spec) *Spec {
	t.Helper()
	spec, err := NewSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return &spec
}

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// The rings must agree with a brute-force sum over the raw events, for every window, using the
// documented bucket semantics: a window of d on a ring of resolution r holds the d/r buckets
// ending with the one containing now.
func TestWindowsMatchBruteForce(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute})
	s := NewSeries(*spec)
	type event struct {
		end time.Time
		c   Counts
	}
	var events []event
	rng := rand.New(rand.NewPCG(1, 2))
	now := t0
	for i := 0; i < 20000; i++ {
		now = now.Add(time.Duration(rng.IntN(30)) * time.Second)
		end := now.Add(-time.Duration(rng.IntN(400)) * time.Second) // some beyond MaxLateness
		c := Counts{Good: rng.Float64() * 3, Bad: float64(rng.IntN(2))}
		if !s.Record(spec, now, end, c) {
			events = append(events, event{end, c})
		} else if !end.Before(now.Add(-spec.MaxLateness)) {
			t.Fatalf("event at %v flagged late at %v", end, now)
		}
	}
	for _, w := range append(spec.Windows, Window{Name: PeriodWindow, Duration: 30 * 24 * time.Hour}) {
		got := s.Window(spec, now, w.Duration)
		res := time.Minute
		switch {
		case w.Duration > 3*24*time.Hour:
			res = time.Hour
		case w.Duration > 6*time.Hour:
			res = 5 * time.Minute
		}
		nowIdx := now.UnixNano() / int64(res)
		from := nowIdx - int64(w.Duration/res) + 1
		var want Counts
		for _, e := range events {
			if idx := e.end.UnixNano() / int64(res); idx >= from && idx <= nowIdx {
				want = want.Add(e.c)
			}
		}
		if !close(got.Good, want.Good) || !close(got.Bad, want.Bad) {
			t.Errorf("window %s: got %+v, want %+v", w.Name, got, want)
		}
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestZeroTrafficHasNoRatiosAndFullBudget(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour)})
	st := NewSeries(*spec).Evaluate(spec, t0)
	for _, w := range st.Windows {
		if w.OK {
			t.Errorf("window %s reports an SLI with no traffic", w.Name)
		}
	}
	if st.BudgetRemaining != 1 || st.ExhaustionOK || st.Alerts["page"] || st.Alerts["ticket"] {
		t.Errorf("zero traffic: %+v", st)
	}
}

func TestExtremeWeightsStayFinite(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.9, Period: Rolling(24 * time.Hour), MaxLateness: time.Minute})
	for _, w := range []float64{1e-300, 1e-9, 1e15, 1e300, math.MaxFloat64} {
		s := NewSeries(*spec)
		s.Record(spec, t0, t0, Counts{Good: w, Bad: w})
		s.Record(spec, t0, t0, Counts{Good: w})
		st := s.Evaluate(spec, t0)
		for _, ws := range st.Windows {
			if ws.OK && (!finite(ws.SLI) || !finite(ws.BurnRate)) {
				t.Errorf("weight %g window %s: sli %v burn %v", w, ws.Name, ws.SLI, ws.BurnRate)
			}
		}
		if !finite(st.BudgetRemaining) {
			t.Errorf("weight %g: remaining %v", w, st.BudgetRemaining)
		}
	}
}

func TestBudgetAndExhaustionByHand(t *testing.T) {
	// 99% over 30d; 1000 valid events in the last hour, 50 bad: SLI 0.95, burn 5,
	// remaining 1 - 50/(0.01*1000) = -4 (spent). With 1000 valid and 8 bad: remaining 0.2,
	// burn 0.8, exhaustion = 0.2 * 30d / 0.8 = 7.5d.
	spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(30 * 24 * time.Hour), MaxLateness: time.Hour})
	s := NewSeries(*spec)
	s.Record(spec, t0, t0.Add(-10*time.Minute), Counts{Good: 950, Bad: 50})
	st := s.Evaluate(spec, t0)
	if w := st.Windows[2]; w.Name != "1h" || !close(w.SLI, 0.95) || !close(w.BurnRate, 5) {
		t.Fatalf("1h window: %+v", w)
	}
	if !close(st.BudgetRemaining, -4) || !st.ExhaustionOK || st.Exhaustion != 0 {
		t.Errorf("spent budget: remaining %v exhaustion %v %v", st.BudgetRemaining, st.Exhaustion, st.ExhaustionOK)
	}

	s = NewSeries(*spec)
	s.Record(spec, t0, t0.Add(-10*time.Minute), Counts{Good: 992, Bad: 8})
	st = s.Evaluate(spec, t0)
	want := 7*24*time.Hour + 12*time.Hour
	if !close(st.BudgetRemaining, 0.2) || !st.ExhaustionOK || (st.Exhaustion-want).Abs() > time.Second {
		t.Errorf("remaining 0.2 at burn 0.8: remaining %v exhaustion %v %v", st.BudgetRemaining, st.Exhaustion, st.ExhaustionOK)
	}
	s.Record(spec, t0, t0.Add(-5*time.Minute), Counts{Good: 1_000_000})
	if st = s.Evaluate(spec, t0); st.ExhaustionOK {
		t.Errorf("a nearly idle burn lasts beyond the period but exhaustion %v reported", st.Exhaustion)
	}
}

func TestBurnFactorsFollowThePeriod(t *testing.T) {
	for _, tc := range []struct {
		period time.Duration
		want   []float64
	}{
		{30 * 24 * time.Hour, []float64{14.4, 6, 3, 1}},
		{28 * 24 * time.Hour, []float64{13.44, 5.6, 2.8, 28.0 * 24 * 0.1 / 72}},
	} {
		spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(tc.period)})
		for i, tier := range spec.Tiers {
			if got := spec.BurnFactor(tier, t0); !close(got, tc.want[i]) {
				t.Errorf("period %v tier %d: factor %v, want %v", tc.period, i, got, tc.want[i])
			}
		}
	}
}

package window

import (
	"math"
	"testing"
	"time"
)

// An outage that a correction covers gives back exactly what it burned when the correction is
// aligned to the finest ring, in every window and the period; good events outside it stay.
func TestTakeBackRollingExact(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute})
	s := NewSeries(*spec)
	outageFrom := t0.Add(47 * time.Hour)
	outageTo := outageFrom.Add(40 * time.Minute)
	var good, bad float64
	now := t0
	for ; now.Before(t0.Add(48 * time.Hour)); now = now.Add(10 * time.Second) {
		c := Counts{Good: 1}
		if !now.Before(outageFrom) && now.Before(outageTo) {
			c = Counts{Bad: 1}
			bad++
		} else {
			good++
		}
		s.Record(spec, now, now, c)
	}
	if st := s.Evaluate(spec, now); st.BudgetRemaining >= 0 || !st.Alerts["page"] {
		t.Fatalf("before the correction the outage must have spent the budget and page: %+v", st.BudgetRemaining)
	}
	taken := s.TakeBack(spec, now, outageFrom, outageTo, "db upgrade")
	if taken.Bad != bad || taken.Good != 0 {
		t.Fatalf("taken back %+v, want exactly the %v bad events", taken, bad)
	}
	for _, w := range spec.Windows {
		if c := s.Window(spec, now, w.Duration); c.Bad != 0 {
			t.Errorf("window %s still holds %v bad events", w.Name, c.Bad)
		}
	}
	st := s.Evaluate(spec, now)
	if st.BudgetRemaining != 1 || st.Alerts["page"] || st.Alerts["ticket"] {
		t.Errorf("after the correction: budget %v, alerts %v; want 1 and none", st.BudgetRemaining, st.Alerts)
	}
	if p := s.Period(spec, now); p.Good != good {
		t.Errorf("period keeps %v good events, want %v", p.Good, good)
	}
	if s.Total.Bad != bad {
		t.Errorf("the cumulative counter is history and keeps %v bad, got %v", bad, s.Total.Bad)
	}
	cs := s.Corrections()
	if len(cs) != 1 || cs[0].Reason != "db upgrade" || cs[0].TakenBack != taken || cs[0].From != outageFrom.UnixNano() || cs[0].PeriodStart != 0 {
		t.Errorf("correction record %+v", cs)
	}
}

// A correction that cuts a bucket takes the whole bucket (of the finest ring holding it), and
// one older than the finest ring is exact to the 5-minute ring.
func TestTakeBackRoundsToTheHoldingRing(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute})
	s := NewSeries(*spec)
	now := t0
	for ; now.Before(t0.Add(24 * time.Hour)); now = now.Add(10 * time.Second) {
		s.Record(spec, now, now, Counts{Bad: 1}) // 6 events a minute
	}
	recent := now.Add(-time.Hour).Add(30 * time.Second) // inside the 1m ring, mid-bucket
	if got := s.TakeBack(spec, now, recent, recent.Add(2*time.Minute), "r"); got.Bad != 18 {
		t.Errorf("[hh:mm:30, +2m) touches 3 one-minute buckets: took %v, want 18", got.Bad)
	}
	old := t0.Add(10*time.Hour + 2*time.Minute) // only the 5m and 1h rings hold it
	if got := s.TakeBack(spec, now, old, old.Add(10*time.Minute), "o"); got.Bad != 90 {
		t.Errorf("[10:02, 10:12) touches 3 five-minute buckets: took %v, want 90", got.Bad)
	}
	// now is 24:00 exactly: the 6h window's 360 buckets hold 359 whole minutes of events.
	if got := s.Window(spec, now, 6*time.Hour).Bad; got != 6*359-18 {
		t.Errorf("6h window holds %v bad, want %v", got, 6*359-18)
	}
	if got := s.Period(spec, now).Bad; got != 24*360-18-90 {
		t.Errorf("the period's hour ring gives back what the finer rings took: %v, want %v", got, 24*360-18-90)
	}
	if got := s.TakeBack(spec, now, now, now, "empty"); got != (Counts{}) || len(s.Corrections()) != 2 {
		t.Errorf("an empty window takes nothing and is not recorded: %+v, %d records", got, len(s.Corrections()))
	}
	// Straddling the finest ring's horizon (18:00): its part is exact to the minute, the 5m
	// buckets before it are taken whole, and the hour ring takes what the 5m ring gave.
	edge := NewSeries(*spec)
	for at := t0; at.Before(t0.Add(24 * time.Hour)); at = at.Add(10 * time.Second) {
		edge.Record(spec, at, at, Counts{Bad: 1})
	}
	if got := edge.TakeBack(spec, now, t0.Add(17*time.Hour+53*time.Minute), t0.Add(18*time.Hour+3*time.Minute), "edge"); got.Bad != 78 {
		t.Errorf("[17:53, 18:03) across the 1m ring's horizon took %v, want 30 + 30 + 18", got.Bad)
	}
	if got := edge.Period(spec, now).Bad; got != 24*360-78 {
		t.Errorf("the period holds %v, want %v", got, 24*360-78)
	}
	fresh := NewSeries(*spec)
	if got := fresh.TakeBack(spec, now, old, now, "fresh"); got != (Counts{}) || len(fresh.Corrections()) != 0 {
		t.Errorf("a series without events gives back nothing and records nothing, got %+v", got)
	}
}

func TestTakeBackCalendarAndSnapshot(t *testing.T) {
	month, _ := Calendar("month", time.UTC)
	spec := mustSpec(t, Spec{Objective: 0.99, Period: month, MaxLateness: time.Minute})
	s := NewSeries(*spec)
	now := t0 // 1 June
	for ; now.Before(t0.Add(2 * time.Hour)); now = now.Add(time.Minute) {
		s.Record(spec, now, now, Counts{Good: 1, Bad: 1})
	}
	from := t0.Add(30 * time.Minute)
	got := s.TakeBack(spec, now, from, from.Add(30*time.Minute), "planned")
	if got != (Counts{Good: 30, Bad: 30}) {
		t.Fatalf("took %+v, want 30 good and 30 bad", got)
	}
	if p := s.Period(spec, now); p != (Counts{Good: 90, Bad: 90}) {
		t.Errorf("calendar period holds %+v, want 90/90", p)
	}
	if c := s.Corrections()[0]; c.PeriodStart != t0.UnixNano() {
		t.Errorf("correction period start %v, want June", time.Unix(0, c.PeriodStart))
	}
	if again := s.TakeBack(spec, now, from, from.Add(time.Minute), "again"); again != (Counts{}) || len(s.Corrections()) != 1 {
		t.Errorf("a second correction of the same minute finds nothing left: %+v", again)
	}
	for i := 0; i < MaxCorrections+3; i++ {
		at := t0.Add(time.Hour + time.Duration(i)*time.Minute)
		s.TakeBack(spec, now, at, at.Add(time.Minute), "again")
	}
	restored, err := RestoreSeries(*spec, s.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(restored.Corrections()); n != MaxCorrections {
		t.Errorf("restored %d corrections, want the newest %d", n, MaxCorrections)
	}
	if restored.Corrections()[0].Reason != "again" {
		t.Errorf("the oldest records leave first: %+v", restored.Corrections()[0])
	}
}

// A timeslice SLO's correction gives back the verdicts of the slices wholly inside it, and
// excluded slices leave the period's slice count.
func TestTakeBackTimeslices(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(24 * time.Hour), MaxLateness: time.Minute, Timeslice: 5 * time.Minute, SliceTarget: 0.9})
	s := NewSeries(*spec)
	now := t0
	for ; now.Before(t0.Add(3 * time.Hour)); now = now.Add(30 * time.Second) {
		c := Counts{Good: 1}
		if now.Sub(t0) >= time.Hour && now.Sub(t0) < 2*time.Hour {
			c = Counts{Bad: 1}
		}
		s.Record(spec, now, now, c)
		s.Advance(spec, now)
	}
	if p := s.Period(spec, now); p.Bad != 12 {
		t.Fatalf("12 bad slices before the correction, got %+v", p)
	}
	got := s.TakeBack(spec, now, t0.Add(time.Hour+2*time.Minute), t0.Add(2*time.Hour), "slices")
	if got.Bad != 11 || got.Good != 0 {
		t.Errorf("the slices wholly inside [01:02, 02:00) are 11 bad ones, took %+v", got)
	}
	if p := s.Period(spec, now); p.Bad != 1 {
		t.Errorf("the cut slice keeps its verdict: %+v", p)
	}
	all := s.Evaluate(spec, now).BudgetRemaining
	fewer := s.EvaluateExcluding(spec, now, 100).BudgetRemaining
	if want := 1 - 1/(0.01*(288-100)); math.Abs(fewer-want) > 1e-12 || math.Abs(all-(1-1/(0.01*288))) > 1e-12 {
		t.Errorf("budget with 100 of 288 slices excluded = %v, want %v (all slices: %v)", fewer, want, all)
	}
	if b := s.EvaluateExcluding(spec, now, 1000).BudgetRemaining; b != 1 {
		t.Errorf("with every slice excluded there is no budget to spend: %v, want 1", b)
	}
	if got := s.TakeBack(spec, now, t0.Add(time.Hour), t0.Add(time.Hour+5*time.Minute), "aligned"); got.Bad != 1 {
		t.Errorf("a window aligned to the slice [01:00, 01:05) takes its verdict: %+v", got)
	}
	if got := s.TakeBack(spec, now, t0.Add(2*time.Hour+time.Minute), t0.Add(2*time.Hour+4*time.Minute), "inside a slice"); got != (Counts{}) {
		t.Errorf("a window inside one slice covers no whole slice: %+v", got)
	}
}

package window

import (
	"testing"
	"time"
)

func TestCalendarMonthResetsAtBerlinMidnightAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	period, err := Calendar("month", berlin)
	if err != nil {
		t.Fatal(err)
	}
	spec := mustSpec(t, Spec{Objective: 0.99, Period: period, MaxLateness: 5 * time.Minute})

	// March 2026 in Berlin starts at 23:00Z on Feb 28 (CET) and ends at 22:00Z on Mar 31 (CEST):
	// 31 days less the hour lost on Mar 29.
	marchStart := time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)
	aprilStart := time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC)
	start, end := period.Bounds(marchStart.Add(time.Hour))
	if !start.Equal(marchStart) || !end.Equal(aprilStart) {
		t.Fatalf("March bounds %v – %v", start.UTC(), end.UTC())
	}
	if got := period.Length(marchStart); got != 31*24*time.Hour-time.Hour {
		t.Errorf("March length %v", got)
	}

	s := NewSeries(*spec)
	s.Record(spec, marchStart.Add(-time.Minute), marchStart.Add(-time.Minute), Counts{Good: 7}) // February
	s.Record(spec, marchStart, marchStart, Counts{Good: 10, Bad: 1})                            // first instant of March
	if got := s.Period(spec, marchStart.Add(time.Second)); got != (Counts{Good: 10, Bad: 1}) {
		t.Fatalf("first March period counts %+v", got)
	}
	last := aprilStart.Add(-time.Second)
	s.Record(spec, last, last, Counts{Good: 5})
	if got := s.Period(spec, last); got != (Counts{Good: 15, Bad: 1}) {
		t.Fatalf("end of March period counts %+v", got)
	}
	if got := s.Period(spec, aprilStart); got != (Counts{}) {
		t.Fatalf("period did not reset at Berlin midnight: %+v", got)
	}
	// A March span arriving just after the boundary counts in the totals, not in April.
	s.Record(spec, aprilStart.Add(time.Second), last, Counts{Bad: 3})
	if got := s.Period(spec, aprilStart.Add(time.Second)); got != (Counts{}) {
		t.Fatalf("late March event leaked into April: %+v", got)
	}
	if s.Total != (Counts{Good: 22, Bad: 4}) {
		t.Errorf("totals %+v", s.Total)
	}
	// October: the clocks go back on Oct 25, so the month is an hour longer.
	octStart := time.Date(2026, 9, 30, 22, 0, 0, 0, time.UTC)
	if got := period.Length(octStart.Add(time.Hour)); got != 31*24*time.Hour+time.Hour {
		t.Errorf("October length %v", got)
	}
}

func TestCalendarWeekAndQuarterBounds(t *testing.T) {
	week, _ := Calendar("week", time.UTC)
	start, end := week.Bounds(time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)) // a Thursday
	if !start.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) || end.Sub(start) != 7*24*time.Hour {
		t.Errorf("week %v – %v", start, end)
	}
	quarter, _ := Calendar("quarter", time.UTC)
	start, end = quarter.Bounds(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	if !start.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) || !end.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("quarter %v – %v", start, end)
	}
	if _, err := Calendar("fortnight", time.UTC); err == nil {
		t.Error("fortnight accepted")
	}
}

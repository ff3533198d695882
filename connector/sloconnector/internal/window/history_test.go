package window

import (
	"bytes"
	"encoding/gob"
	"testing"
	"time"
)

// A closed month keeps its final counts, late events inside max_lateness included, once no
// more can arrive; July starts from zero.
func TestClosedPeriodJoinsTheHistory(t *testing.T) {
	p, err := Calendar("month", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	spec := mustSpec(t, Spec{Objective: 0.99, Period: p, MaxLateness: 5 * time.Minute})
	s := NewSeries(*spec)
	july := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	june := july.Add(-time.Hour)
	s.Record(spec, june, june, Counts{Good: 99, Bad: 1})
	s.Advance(spec, july.Add(time.Minute))
	s.Record(spec, july.Add(2*time.Minute), july.Add(-time.Minute), Counts{Bad: 1})  // late, for June
	s.Record(spec, july.Add(2*time.Minute), july.Add(time.Minute), Counts{Good: 10}) // July
	s.Advance(spec, july.Add(5*time.Minute-time.Nanosecond))
	if h := s.History(); len(h) != 0 {
		t.Fatalf("June closed while late spans could still arrive: %+v", h)
	}
	s.Advance(spec, july.Add(5*time.Minute))
	h := s.History()
	if len(h) != 1 || h[0].Start != time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).UnixNano() || h[0].Counts != (Counts{Good: 99, Bad: 2}) ||
		h[0].Length != 30*24*time.Hour {
		t.Fatalf("history %+v", h)
	}
	if sli, ok := h[0].SLI(); !ok || !close(sli, 99.0/101) {
		t.Errorf("June SLI %v %v", sli, ok)
	}
	if r := h[0].BudgetRemaining(spec); !close(r, 1-2/(0.01*101)) {
		t.Errorf("June budget remaining %v", r)
	}
	if got := s.Period(spec, july.Add(10*time.Minute)); got != (Counts{Good: 10}) {
		t.Errorf("July %+v", got)
	}
	// Round trip through storage.
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s.Snapshot()); err != nil {
		t.Fatal(err)
	}
	var snap Snapshot
	if err := gob.NewDecoder(&buf).Decode(&snap); err != nil {
		t.Fatal(err)
	}
	r, err := RestoreSeries(*spec, snap)
	if err != nil || len(r.History()) != 1 || r.History()[0] != h[0] {
		t.Errorf("restored history %+v %v", r.History(), err)
	}
}

// The history holds the last twelve periods with traffic; a quiet month is no entry.
func TestHistoryIsBounded(t *testing.T) {
	p, err := Calendar("month", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	spec := mustSpec(t, Spec{Objective: 0.99, Period: p, MaxLateness: 5 * time.Minute})
	s := NewSeries(*spec)
	for m := 0; m < 16; m++ {
		start := time.Date(2025, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC)
		if m != 3 {
			s.Record(spec, start.Add(time.Hour), start.Add(time.Hour), Counts{Good: float64(m + 1)})
		}
		s.Advance(spec, start.Add(10*time.Minute))
	}
	h := s.History()
	if len(h) != MaxHistory {
		t.Fatalf("%d periods kept, want %d", len(h), MaxHistory)
	}
	// 15 months closed, April 2025 had no traffic: 14 entries, the two oldest dropped.
	if last := h[len(h)-1]; last.Counts.Good != 15 || h[0].Counts.Good != 3 || h[1].Counts.Good != 5 {
		t.Errorf("kept %v … %v", h[0].Counts, last.Counts)
	}
}

// With timeslices, a month's last slices become final after the month ends and still count in
// its history, and its budget is the fixed count of bad slices.
func TestTimesliceHistoryWaitsForTheLastSlice(t *testing.T) {
	p, err := Calendar("month", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	spec := mustSpec(t, Spec{Objective: 0.99, Period: p, MaxLateness: 5 * time.Minute, Timeslice: time.Minute, SliceTarget: 0.9})
	s := NewSeries(*spec)
	july := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	s.Record(spec, july.Add(-2*time.Minute), july.Add(-2*time.Minute), Counts{Good: 10})
	s.Record(spec, july.Add(-time.Minute), july.Add(-time.Minute), Counts{Bad: 10})
	for at := july.Add(-time.Minute); at.Before(july.Add(7 * time.Minute)); at = at.Add(15 * time.Second) {
		s.Advance(spec, at)
	}
	h := s.History()
	if len(h) != 1 || h[0].Counts != (Counts{Good: 1, Bad: 1}) {
		t.Fatalf("history %+v", h)
	}
	if r := h[0].BudgetRemaining(spec); !close(r, 1-1/(0.01*30*24*60)) {
		t.Errorf("budget remaining %v", r)
	}
}

package window

import (
	"bytes"
	"encoding/gob"
	"testing"
	"time"
)

func TestTimeslicesJudgeClosedSlices(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.9, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute,
		Timeslice: time.Minute, SliceTarget: 0.95})
	s := NewSeries(*spec)
	minute := func(m int) time.Time { return t0.Add(time.Duration(m)*time.Minute + 30*time.Second) }
	s.Record(spec, minute(0), minute(0), Counts{Good: 97, Bad: 3})  // 97 % ≥ 95 %: good slice
	s.Record(spec, minute(1), minute(1), Counts{Good: 90, Bad: 10}) // bad slice
	// minute 2 has no traffic and is no slice at all
	s.Record(spec, minute(3), minute(3), Counts{Bad: 50}) // still open at minute 3
	s.Advance(spec, minute(3))
	if got := s.Window(spec, minute(3), 5*time.Minute); got != (Counts{Good: 1, Bad: 1}) {
		t.Fatalf("slices in 5m: %+v", got)
	}
	st := s.Evaluate(spec, minute(3))
	if w := st.Windows[0]; !w.OK || w.SLI != 0.5 || !close(w.BurnRate, 5) {
		t.Errorf("5m slice SLI: %+v", w)
	}
	s.Advance(spec, minute(4))
	if got := s.Period(spec, minute(4)); got != (Counts{Good: 1, Bad: 2}) {
		t.Errorf("period slices after minute 3 closed: %+v", got)
	}
	if s.Total != (Counts{Good: 187, Bad: 63}) {
		t.Errorf("raw totals %+v", s.Total)
	}
}

func TestSnapshotRoundTripThroughGob(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute})
	s := NewSeries(*spec)
	for m := 0; m < 3000; m++ {
		at := t0.Add(time.Duration(m) * time.Minute)
		s.Record(spec, at, at, Counts{Good: float64(m), Bad: 1})
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(s.Snapshot()); err != nil {
		t.Fatal(err)
	}
	var snap Snapshot
	if err := gob.NewDecoder(&buf).Decode(&snap); err != nil {
		t.Fatal(err)
	}
	r, err := RestoreSeries(*spec, snap)
	if err != nil {
		t.Fatal(err)
	}
	now := t0.Add(3000 * time.Minute)
	for _, w := range spec.Windows {
		if a, b := s.Window(spec, now, w.Duration), r.Window(spec, now, w.Duration); a != b {
			t.Errorf("window %s: %+v restored as %+v", w.Name, a, b)
		}
	}
	if r.Total != s.Total || s.MemoryBytes() > 32*1024 {
		t.Errorf("totals %+v vs %+v; memory %d B", r.Total, s.Total, s.MemoryBytes())
	}
	other := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(2 * 24 * time.Hour)})
	if _, err := RestoreSeries(*other, snap); err == nil {
		t.Error("restored a 30d snapshot into a 2d layout")
	}
}

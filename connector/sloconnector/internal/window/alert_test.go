package window

import (
	"testing"
	"time"
)

// A scripted incident with a fake clock: 1000 events a minute; from minute 0 the error ratio is
// 2 % (burn 20 against a 99.9 % objective, above the 14.4 page factor). The 5m window crosses
// at once but the 1h window only when 0.02·k/60 > 0.0144, i.e. after 44 minutes of the
// incident; the page fires then, and clears as soon as the 5m window recovers.
func TestPageFiresWhenBothWindowsCrossAndClearsOnRecovery(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute, MinValidEvents: 50})
	s := NewSeries(*spec)
	start := t0.Add(24 * time.Hour) // a day of healthy traffic first
	for m := 0; m < 24*60; m++ {
		at := t0.Add(time.Duration(m)*time.Minute + 30*time.Second)
		s.Record(spec, at, at, Counts{Good: 1000})
	}
	firedAt, clearedAt := -1, -1
	for m := 0; m < 90; m++ {
		at := start.Add(time.Duration(m)*time.Minute + 30*time.Second)
		c := Counts{Good: 980, Bad: 20}
		if m >= 60 {
			c = Counts{Good: 1000}
		}
		s.Record(spec, at, at, c)
		st := s.Evaluate(spec, at)
		switch {
		case st.Alerts["page"] && firedAt < 0:
			firedAt = m
		case !st.Alerts["page"] && firedAt >= 0 && clearedAt < 0:
			clearedAt = m
			if long := st.Windows[2]; long.BurnRate <= 14.4 {
				t.Errorf("page cleared only because the 1h window recovered (burn %v)", long.BurnRate)
			}
		}
	}
	// Minute m's window of 60 buckets holds m+1 incident minutes: 0.02(m+1)/60 > 0.0144 at m = 43.
	if firedAt != 43 {
		t.Errorf("page fired at incident minute %d, want 43", firedAt)
	}
	// Recovery starts at minute 60; the 5m window holds 5 buckets, so at minute 61 it holds
	// three bad minutes (burn 12 < 14.4).
	if clearedAt != 61 {
		t.Errorf("page cleared at minute %d, want 61", clearedAt)
	}
}

func TestSteadyOneTimesBurnNeverPages(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute})
	s := NewSeries(*spec)
	for m := 0; m < 4*24*60; m++ {
		at := t0.Add(time.Duration(m)*time.Minute + 30*time.Second)
		s.Record(spec, at, at, Counts{Good: 999, Bad: 1}) // burn exactly 1
		if st := s.Evaluate(spec, at); st.Alerts["page"] || st.Alerts["ticket"] {
			t.Fatalf("1x burn alerted at minute %d: %v", m, st.Alerts)
		}
	}
}

func TestMinValidEventsGuardsLowTraffic(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute, MinValidEvents: 50})
	s := NewSeries(*spec)
	s.Record(spec, t0, t0, Counts{Bad: 10}) // 100 % errors, but only 10 events
	if st := s.Evaluate(spec, t0); st.Alerts["page"] {
		t.Fatal("paged on 10 events with min_valid_events 50")
	}
	s.Record(spec, t0, t0, Counts{Bad: 40})
	if st := s.Evaluate(spec, t0); !st.Alerts["page"] {
		t.Fatal("did not page on 50 bad events")
	}
}

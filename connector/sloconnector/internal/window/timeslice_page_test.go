package window

import (
	"strings"
	"testing"
	"time"
)

// A scripted all-errors incident on a healthy service: with 1m, 5m and 1h slices the 5m/1h page
// fires at the first emit after the first bad slice closes, as the Workbook's tier predicts:
// one bad slice in the hour is a slice error ratio of at least 1/60 > 14.4 × 0.1 %.
func TestTimeslicePageFiresAfterTheFirstBadSlice(t *testing.T) {
	const emit = 15 * time.Second
	for _, slice := range []time.Duration{time.Minute, 5 * time.Minute, time.Hour} {
		spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute,
			MinValidEvents: 100, Timeslice: slice, SliceTarget: 0.99})
		s := NewSeries(*spec)
		incident := t0.Add(24 * time.Hour) // a day of healthy traffic first
		var fired time.Time
		for now := t0; now.Before(incident.Add(2 * time.Hour)); now = now.Add(emit) {
			c := Counts{Good: 5}
			if !now.Before(incident) {
				c = Counts{Bad: 5}
			}
			s.Record(spec, now, now, c)
			s.Advance(spec, now)
			st := s.Evaluate(spec, now)
			if st.Alerts["page"] && fired.IsZero() {
				fired = now
			}
			if !st.Alerts["page"] && !fired.IsZero() {
				t.Fatalf("%v slices: page cleared at %v during the incident", slice, now)
			}
		}
		if want := incident.Add(slice); !fired.Equal(want) {
			t.Errorf("%v slices: page fired at incident +%v, want +%v (the first bad slice's close)", slice, fired.Sub(incident), want.Sub(incident))
		}
	}
}

// A span arriving within max_lateness revises its slice's verdict, before and after the slice
// is final, and the slice is counted once as it moves from provisional to final.
func TestLateSpansReviseTheirSlice(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute,
		Timeslice: time.Minute, SliceTarget: 0.95})
	s := NewSeries(*spec)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	s.Record(spec, at(30*time.Second), at(30*time.Second), Counts{Good: 100})
	// check looks at the windows that hold minute 0's end (+1m) at now.
	check := func(now time.Time, want Counts, windows ...time.Duration) {
		t.Helper()
		s.Advance(spec, now)
		for _, d := range windows {
			if got := s.Window(spec, now, d); got != want {
				t.Errorf("at +%v, %v window: %+v, want %+v", now.Sub(t0), d, got, want)
			}
		}
		if got := s.Period(spec, now); got != want {
			t.Errorf("at +%v, period: %+v, want %+v", now.Sub(t0), got, want)
		}
	}
	check(at(90*time.Second), Counts{Good: 1}, time.Minute, 5*time.Minute, time.Hour)
	// 50 bad spans of minute 0 arrive at +2m, inside max_lateness: 100/150 < 95 %.
	s.Record(spec, at(2*time.Minute), at(40*time.Second), Counts{Bad: 50})
	check(at(2*time.Minute), Counts{Bad: 1}, 5*time.Minute, time.Hour)
	check(at(5*time.Minute+59*time.Second), Counts{Bad: 1}, 5*time.Minute, time.Hour) // still provisional
	if s.slices.Total != (Counts{}) {
		t.Fatalf("slice final too early: %+v", s.slices.Total)
	}
	s.Advance(spec, at(6*time.Minute)) // minute 0 ended 5m ago: final
	if s.slices.Total != (Counts{Bad: 1}) {
		t.Fatalf("final verdicts %+v", s.slices.Total)
	}
	if got := s.Window(spec, at(6*time.Minute), time.Hour); got != (Counts{Bad: 1}) {
		t.Errorf("1h window after the slice is final: %+v (counted twice or lost)", got)
	}
	// The 5m window no longer holds a slice that ended 5m ago.
	if got := s.Window(spec, at(6*time.Minute), 5*time.Minute); got != (Counts{}) {
		t.Errorf("5m window at +6m: %+v", got)
	}
	// Later than max_lateness: totals only, the verdict stands.
	if late := s.Record(spec, at(7*time.Minute), at(50*time.Second), Counts{Good: 1000}); !late {
		t.Error("a span 6m late was not reported late")
	}
	check(at(7*time.Minute), Counts{Bad: 1}, time.Hour)
}

// OpenSLO's RatioTimeslices: a window's SLI is the average of its slices' ratios.
func TestRatioTimeslicesAverageSliceRatios(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.9, Period: Rolling(30 * 24 * time.Hour), MaxLateness: time.Minute,
		Timeslice: time.Minute, SliceRatio: true})
	s := NewSeries(*spec)
	s.Record(spec, t0, t0, Counts{Good: 90, Bad: 10})                                     // 0.9
	s.Record(spec, t0.Add(time.Minute), t0.Add(time.Minute), Counts{Good: 1})             // 1.0
	s.Record(spec, t0.Add(2*time.Minute), t0.Add(2*time.Minute), Counts{Good: 3, Bad: 1}) // 0.75
	now := t0.Add(3 * time.Minute)
	s.Advance(spec, now)
	got := s.Window(spec, now, time.Hour)
	if sli, ok := SLI(got); !ok || !close(sli, (0.9+1+0.75)/3) || !close(got.Valid(), 3) {
		t.Errorf("window %+v: SLI %v, want the mean of the slice ratios %v", got, sli, (0.9+1+0.75)/3)
	}
}

// A calendar-month timeslice budget is a fixed (1 − objective) × slices of the month: one bad
// minute early in the month costs one of 446 allowed bad minutes (31 days at 99 %).
func TestCalendarTimesliceBudgetIsFixed(t *testing.T) {
	p, err := Calendar("month", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	spec := mustSpec(t, Spec{Objective: 0.99, Period: p, MaxLateness: time.Minute, Timeslice: time.Minute, SliceTarget: 0.95})
	s := NewSeries(*spec)
	start := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for m := 0; m < 100; m++ {
		at := start.Add(time.Duration(m) * time.Minute)
		c := Counts{Good: 10}
		if m == 3 {
			c = Counts{Bad: 10}
		}
		s.Record(spec, at, at, c)
	}
	now := start.Add(100 * time.Minute)
	s.Advance(spec, now)
	st := s.Evaluate(spec, now)
	want := 1 - 1/(0.01*31*24*60)
	if !close(st.BudgetRemaining, want) {
		t.Errorf("budget remaining %v, want %v", st.BudgetRemaining, want)
	}
	if period := st.Windows[len(st.Windows)-1].Counts; period != (Counts{Good: 99, Bad: 1}) {
		t.Errorf("period slices %+v", period)
	}
}

// min_valid_events counts events, not slices: 10 slices with 600 events page, 10 slices with
// 40 events do not.
func TestTimesliceGuardCountsEvents(t *testing.T) {
	for _, tc := range []struct {
		perMinute float64
		page      bool
	}{{60, true}, {4, false}} {
		spec := mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour), MaxLateness: time.Minute,
			MinValidEvents: 50, Timeslice: time.Minute, SliceTarget: 0.99})
		s := NewSeries(*spec)
		for m := 0; m < 10; m++ {
			at := t0.Add(time.Duration(m) * time.Minute)
			s.Record(spec, at, at, Counts{Bad: tc.perMinute})
		}
		now := t0.Add(10 * time.Minute)
		s.Advance(spec, now)
		if got := s.Evaluate(spec, now).Alerts["page"]; got != tc.page {
			t.Errorf("%v events a minute: page %v, want %v", tc.perMinute, got, tc.page)
		}
	}
}

func TestMaxLatenessIsBoundedByTheFinestRing(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Objective: 0.99, Period: Rolling(720 * time.Hour), MaxLateness: 6*time.Hour + time.Nanosecond}, "max_lateness 6h0m0.000000001s must be between 0 and 6h0m0s"},
		{Spec{Objective: 0.99, Period: Rolling(720 * time.Hour), MaxLateness: -time.Nanosecond}, "must be between 0"},
		{Spec{Objective: 0.99, Period: Rolling(720 * time.Hour), MaxLateness: 5*time.Hour + time.Nanosecond, Timeslice: time.Hour}, "plus the timeslice 1h0m0s must be at most 6h0m0s"},
		{Spec{Objective: 0.99, Period: Rolling(720 * time.Hour), Timeslice: 90 * time.Second}, "timeslice 1m30s: must be a whole number of 1m0s"},
	} {
		if _, err := NewSpec(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
	for _, ok := range []Spec{
		{Objective: 0.99, Period: Rolling(720 * time.Hour), MaxLateness: 6 * time.Hour},
		{Objective: 0.99, Period: Rolling(720 * time.Hour), MaxLateness: 5 * time.Hour, Timeslice: time.Hour},
	} {
		if _, err := NewSpec(ok); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
}

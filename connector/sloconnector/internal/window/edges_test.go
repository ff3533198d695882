package window

import (
	"strings"
	"testing"
	"time"
)

// Edges of the ring arithmetic: sizes rounded up, time zero, jumps past a whole ring, sums that
// reach past the oldest bucket.
func TestRingEdges(t *testing.T) {
	if n := len(newRing(time.Minute, 90*time.Second).slots); n != 2 {
		t.Errorf("90s of 1m buckets: %d slots, want 2", n)
	}
	if n := len(newRing(time.Minute, time.Hour).slots); n != 60 {
		t.Errorf("1h of 1m buckets: %d slots, want 60", n)
	}
	r := newRing(time.Second, 10*time.Second)
	if !r.add(0, Counts{Good: 1}) || r.index(0) != 0 || r.index(-1) != -1 || r.add(-1, Counts{Good: 1}) {
		t.Error("time zero must be a bucket and negative times none")
	}
	for i := int64(1); i < 10; i++ {
		r.add(i*int64(time.Second), Counts{Good: 1})
	}
	if got := r.sum(-5, 9); got != (Counts{Good: 10}) {
		t.Errorf("sum past the oldest bucket %+v, want the 10 held", got)
	}
	if got := r.sum(2, 20); got != (Counts{Good: 8}) {
		t.Errorf("sum past the newest bucket %+v", got)
	}
	// A jump of exactly one ring plus one: every old bucket is cleared, none is counted again.
	r.add(20*int64(time.Second), Counts{Bad: 1})
	if got := r.sum(0, 20); got != (Counts{Bad: 1}) {
		t.Errorf("after a jump past the ring %+v, want only the new bucket", got)
	}
	r.add(10*int64(time.Second), Counts{Bad: 1}) // left the ring with the jump
	if got := r.sum(0, 20); got != (Counts{Bad: 1}) {
		t.Errorf("a bucket that left the ring was written: %+v", got)
	}
	if r.add(11*int64(time.Second), Counts{Bad: 1}) != true {
		t.Error("the oldest held bucket refused a write")
	}
}

func TestMemoryBytesIsTheLayout(t *testing.T) {
	for _, tc := range []struct {
		period time.Duration
		want   int
	}{
		{30 * 24 * time.Hour, 96 + 3*40 + (360+864+720)*16}, // 31 320 B, the README's 31.3 KiB
		{72 * time.Hour, 96 + 2*40 + (360+864)*16},          // a 3d period needs no hourly ring
		{73 * time.Hour, 96 + 3*40 + (360+864+73)*16},
	} {
		spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(tc.period)})
		if got := NewSeries(*spec).MemoryBytes(); got != tc.want {
			t.Errorf("%v: %d B, want %d", tc.period, got, tc.want)
		}
	}
}

func TestPeriodBoundsAndLongest(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	if start, end := Rolling(48 * time.Hour).Bounds(now); !start.Equal(now.Add(-48*time.Hour)) || !end.Equal(now) {
		t.Errorf("rolling bounds %v – %v", start, end)
	}
	for name, want := range map[string]time.Duration{"week": 169 * time.Hour, "month": 745 * time.Hour, "quarter": 2209 * time.Hour} {
		p, err := Calendar(name, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Longest(); got != want {
			t.Errorf("%s: longest %v, want %v", name, got, want)
		}
	}
}

func TestSpecEdges(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Objective: 0, Period: Rolling(time.Hour)}, "objective 0: must be a ratio strictly between 0 and 1"},
		{Spec{Objective: 1, Period: Rolling(time.Hour)}, "objective 1: must be a ratio"},
		{Spec{Objective: 0.9, Period: Rolling(0)}, "period must be positive"},
		{Spec{Objective: 0.9, Period: Rolling(time.Hour), Timeslice: -time.Minute}, "timeslice -1m0s"},
		{Spec{Objective: 0.9, Period: Rolling(time.Hour), Tiers: []AlertTier{{Severity: "page", Short: "5m", Long: "2w"}}}, `no window "2w"`},
	} {
		if _, err := NewSpec(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
	if _, err := NewSpec(Spec{Objective: 1e-9, Period: Rolling(time.Hour)}); err != nil {
		t.Errorf("a tiny objective: %v", err)
	}
}

// The tiers fire above their factor, never at it: the page tier here has factor exactly 2
// (a quarter of an 8h budget in 1h) and an objective of 75 %, so a 50 % error ratio burns at
// exactly 2 in a window.
func TestTierFiresStrictlyAboveItsFactor(t *testing.T) {
	tiers := []AlertTier{{Severity: "page", Short: "5m", Long: "1h", BudgetFraction: 0.25}}
	at := t0.Add(2 * time.Hour)
	for _, tc := range []struct {
		name          string
		old, recent   Counts // 30 minutes ago (1h window only), and now (both windows)
		page          bool
		short, longBR float64
	}{
		{"both at the factor", Counts{}, Counts{Good: 50, Bad: 50}, false, 2, 2},
		{"both above", Counts{}, Counts{Good: 40, Bad: 60}, true, 2.4, 2.4},
		{"short above, long at", Counts{Good: 60, Bad: 40}, Counts{Good: 40, Bad: 60}, false, 2.4, 2},
		{"long above, short at", Counts{Bad: 100}, Counts{Good: 50, Bad: 50}, false, 2, 3},
	} {
		spec := mustSpec(t, Spec{Objective: 0.75, Period: Rolling(8 * time.Hour), Tiers: tiers, MaxLateness: time.Hour})
		s := NewSeries(*spec)
		s.Record(spec, at, at.Add(-30*time.Minute), tc.old)
		s.Record(spec, at, at, tc.recent)
		st := s.Evaluate(spec, at)
		if st.Alerts["page"] != tc.page {
			t.Errorf("%s: page %v, want %v (%+v)", tc.name, st.Alerts["page"], tc.page, st.Windows)
		}
		if f := spec.BurnFactor(tiers[0], at); f != 2 {
			t.Fatalf("factor %v, want exactly 2", f)
		}
	}
}

func TestExhaustionEdges(t *testing.T) {
	for _, tc := range []struct {
		remaining, burn  float64
		period, timeLeft time.Duration
		want             time.Duration
		ok               bool
	}{
		{0, 0, 10 * time.Hour, 5 * time.Hour, 0, true},                // spent, not burning: exhausted now
		{-0.5, 3, 10 * time.Hour, 5 * time.Hour, 0, true},             // overspent
		{0.5, 0, 10 * time.Hour, 5 * time.Hour, 0, false},             // not burning
		{0.5, 1, 10 * time.Hour, 5 * time.Hour, 5 * time.Hour, true},  // runs out exactly at the end
		{0.5, 1, 10 * time.Hour, 5*time.Hour - time.Second, 0, false}, // after the end
		{0.25, 2, 8 * time.Hour, 8 * time.Hour, time.Hour, true},      // remaining × period ÷ burn
		{1, 1e-300, 8 * time.Hour, 8 * time.Hour, 0, false},           // overflows: never
	} {
		got, ok := Exhaustion(tc.remaining, tc.burn, tc.period, tc.timeLeft)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Exhaustion(%v, %v, %v, %v) = %v %v, want %v %v", tc.remaining, tc.burn, tc.period, tc.timeLeft, got, ok, tc.want, tc.ok)
		}
	}
	if sli, ok := SLI(Counts{}); ok || sli != 0 {
		t.Errorf("SLI of nothing: %v %v", sli, ok)
	}
	if r := BudgetRemaining(Counts{}, 0.99); r != 1 {
		t.Errorf("budget with no traffic: %v", r)
	}
}

// Slices older than the finest ring's horizon are never judged from partial data, and the
// window edges are exact at a slice's end: (since, now].
func TestSliceHorizonAndEdges(t *testing.T) {
	spec := mustSpec(t, Spec{Objective: 0.99, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute,
		Timeslice: time.Minute, SliceTarget: 0.9})
	s := NewSeries(*spec)
	s.Record(spec, t0, t0, Counts{Bad: 10})
	later := t0.Add(6*time.Hour + 30*time.Second) // no emit in between: minute 0 is past the horizon
	s.Advance(spec, later)
	if got := s.Window(spec, later, 24*time.Hour); got != (Counts{}) {
		t.Errorf("a slice past the horizon was judged: %+v", got)
	}
	s2 := NewSeries(*spec)
	s2.Record(spec, t0, t0, Counts{Bad: 10})
	end := t0.Add(time.Minute) // minute 0 ends here
	if got := s2.Window(spec, end.Add(5*time.Minute), 5*time.Minute); got != (Counts{}) {
		t.Errorf("a slice ending exactly at the window's old edge is inside: %+v", got)
	}
	if got := s2.Window(spec, end.Add(5*time.Minute-time.Nanosecond), 5*time.Minute); got != (Counts{Bad: 1}) {
		t.Errorf("a slice ending just inside the window is outside: %+v", got)
	}
	if got := s2.Window(spec, end.Add(-time.Nanosecond), 5*time.Minute); got != (Counts{}) {
		t.Errorf("an open slice was judged: %+v", got)
	}
}

// A calendar period holds the provisional slices that start in it, from its first instant.
func TestProvisionalSlicesAtACalendarBoundary(t *testing.T) {
	p, err := Calendar("month", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	spec := mustSpec(t, Spec{Objective: 0.99, Period: p, MaxLateness: 5 * time.Minute, Timeslice: time.Minute, SliceTarget: 0.9})
	s := NewSeries(*spec)
	july := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	s.Record(spec, july.Add(-30*time.Second), july.Add(-30*time.Second), Counts{Bad: 10}) // June's last slice
	s.Record(spec, july, july, Counts{Good: 10})                                          // July's first
	now := july.Add(90 * time.Second)
	s.Advance(spec, now)
	if got := s.Period(spec, now); got != (Counts{Good: 1}) {
		t.Errorf("July after its first slice: %+v, want the one good slice", got)
	}
}

func TestPeriodShortestKindAndZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Duration{"week": 167 * time.Hour, "month": 671 * time.Hour, "quarter": 2159 * time.Hour} {
		p, err := Calendar(name, berlin)
		if err != nil {
			t.Fatal(err)
		}
		if p.Shortest() != want || p.Kind() != name || p.Location() != berlin {
			t.Errorf("%s: shortest %v kind %s zone %v", name, p.Shortest(), p.Kind(), p.Location())
		}
	}
	r := Rolling(30 * 24 * time.Hour)
	if r.Shortest() != 30*24*time.Hour || r.Kind() != "rolling" || r.Location() != time.UTC {
		t.Errorf("rolling: %v %s %v", r.Shortest(), r.Kind(), r.Location())
	}
	for d, want := range map[time.Duration]string{30 * 24 * time.Hour: "30d", 36 * time.Hour: "36h", 90 * time.Minute: "1h30m", 150 * time.Second: "2m30s", 2 * time.Minute: "2m", 300 * time.Millisecond: "300ms", 0: "0s"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

package maintenance

import (
	"strings"
	"testing"
	"time"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustCompile(t *testing.T, ws ...Window) *Schedule {
	t.Helper()
	s, err := Compile(ws)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The window keeps its wall-clock hour across both of Berlin's 2026 changes (29 March, 25
// October): its UTC start moves by an hour, the local start does not.
func TestRecurringKeepsWallClockAcrossDST(t *testing.T) {
	loc := berlin(t)
	start := time.Date(2026, 3, 26, 1, 30, 0, 0, loc)
	s := mustCompile(t, Window{Start: start, Duration: time.Hour, Recurrence: "FREQ=DAILY", Location: loc, Reason: "nightly"})
	got := s.Between(time.Date(2026, 3, 26, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if len(got) != 7 {
		t.Fatalf("got %d occurrences, want 7 (26 March to 1 April, local): %v", len(got), got)
	}
	for _, iv := range got {
		if l := iv.Start.In(loc); l.Hour() != 1 || l.Minute() != 30 {
			t.Errorf("occurrence %v starts at %v local, want 01:30", iv.Start, l)
		}
		if iv.End.Sub(iv.Start) != time.Hour || iv.Reason != "nightly" {
			t.Errorf("occurrence %+v: want one hour, reason nightly", iv)
		}
	}
	// 28 March 01:30 CET is 00:30Z; 29 March 01:30 is still CET (the change is at 02:00): 00:30Z;
	// 30 March 01:30 CEST is 23:30Z the day before.
	if gap := got[4].Start.Sub(got[3].Start); gap != 23*time.Hour {
		t.Errorf("the day after the spring change starts %v later, want 23h", gap)
	}
	if u := got[3].Start.UTC(); u.Hour() != 0 || u.Day() != 29 {
		t.Errorf("29 March occurrence at %v UTC, want 00:30Z", u)
	}

	weekly := mustCompile(t, Window{Start: time.Date(2026, 10, 18, 3, 0, 0, 0, loc), Duration: 2 * time.Hour, Recurrence: "FREQ=WEEKLY;BYDAY=SU", Location: loc, Reason: "weekly"})
	got = weekly.Between(time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC))
	if len(got) != 2 {
		t.Fatalf("weekly: got %v, want two Sundays", got)
	}
	if gap := got[1].Start.Sub(got[0].Start); gap != 7*24*time.Hour+time.Hour {
		t.Errorf("across the autumn change the Sundays are %v apart, want 169h", gap)
	}
	for _, iv := range got {
		if l := iv.Start.In(loc); l.Hour() != 3 || l.Weekday() != time.Sunday {
			t.Errorf("weekly occurrence at %v local, want Sunday 03:00", l)
		}
	}
}

// Matching is exact to the instant: the start is inside, the end is not.
func TestMatchEdges(t *testing.T) {
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	m := NewMatcher(mustCompile(t, Window{Start: start, Duration: 30 * time.Minute, Reason: "db upgrade"}))
	cases := []struct {
		at   time.Time
		want bool
	}{
		{start.Add(-time.Nanosecond), false}, {start, true}, {start.Add(29 * time.Minute), true},
		{start.Add(30*time.Minute - time.Nanosecond), true}, {start.Add(30 * time.Minute), false},
		{start.Add(-72 * time.Hour), false}, {start.Add(72 * time.Hour), false}, {start.Add(time.Minute), true},
	}
	for _, c := range cases {
		reason, ok := m.Match(c.at.UnixNano(), c.at.UnixNano())
		if ok != c.want || (ok && reason != "db upgrade") {
			t.Errorf("Match(%v) = %q, %v; want %v", c.at, reason, ok, c.want)
		}
	}
	if _, ok := NewMatcher(nil).Match(start.UnixNano(), start.UnixNano()); ok {
		t.Error("a nil matcher matched")
	}
	if NewMatcher(&Schedule{}) != nil {
		t.Error("an empty schedule needs no matcher")
	}
}

// A recurring occurrence that began before the cache's edge still matches inside it, and
// COUNT and UNTIL end the rule.
func TestRecurringBounds(t *testing.T) {
	start := time.Date(2026, 1, 1, 22, 0, 0, 0, time.UTC)
	s := mustCompile(t,
		Window{Start: start, Duration: 4 * time.Hour, Recurrence: "FREQ=DAILY;COUNT=3", Reason: "count"},
		Window{Start: start, Duration: time.Hour, Recurrence: "FREQ=MONTHLY;INTERVAL=2;UNTIL=20260601T000000Z", Reason: "until"})
	m := NewMatcher(s)
	if r, ok := m.Match(time.Date(2026, 1, 3, 1, 0, 0, 0, time.UTC).UnixNano(), time.Date(2026, 1, 3, 1, 0, 0, 0, time.UTC).UnixNano()); !ok || r != "count" {
		t.Errorf("the second night's window spans midnight: got %q, %v", r, ok)
	}
	if _, ok := m.Match(time.Date(2026, 1, 4, 23, 0, 0, 0, time.UTC).UnixNano(), time.Date(2026, 1, 4, 23, 0, 0, 0, time.UTC).UnixNano()); ok {
		t.Error("COUNT=3 allows no fourth night")
	}
	var months []time.Month
	for _, iv := range s.Between(start, start.AddDate(1, 0, 0)) {
		if iv.Reason == "until" {
			months = append(months, iv.Start.Month())
		}
	}
	if want := []time.Month{1, 3, 5}; len(months) != len(want) || months[0] != 1 || months[1] != 3 || months[2] != 5 {
		t.Errorf("every second month until June: got %v, want %v", months, want)
	}
	if got := s.OneOffs(); len(got) != 0 {
		t.Errorf("recurring windows are not one-offs: %v", got)
	}
}

// Far from now only the one-off windows are consulted: a sender's timestamps never make ingest
// walk a recurrence. Near now both are, and the cache follows now.
func TestMatcherFarFromNow(t *testing.T) {
	start := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	s := mustCompile(t,
		Window{Start: start, Duration: time.Hour, Recurrence: "FREQ=DAILY", Reason: "nightly"},
		Window{Start: start.Add(12 * time.Hour), Duration: time.Hour, Reason: "once"})
	m := NewMatcher(s)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	if r, ok := m.Match(time.Date(2026, 6, 1, 2, 30, 0, 0, time.UTC).UnixNano(), now.UnixNano()); !ok || r != "nightly" {
		t.Errorf("this morning's window: %q, %v", r, ok)
	}
	if r, ok := m.Match(start.Add(12*time.Hour+time.Minute).UnixNano(), now.UnixNano()); !ok || r != "once" {
		t.Errorf("a one-off window months ago still matches a late span: %q, %v", r, ok)
	}
	if _, ok := m.Match(time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC).UnixNano(), now.UnixNano()); ok {
		t.Error("a recurrence months before now was walked for a late span")
	}
	later := now.Add(30 * 24 * time.Hour)
	if r, ok := m.Match(time.Date(2026, 7, 1, 2, 30, 0, 0, time.UTC).UnixNano(), later.UnixNano()); !ok || r != "nightly" {
		t.Errorf("a month on, the cache follows now: %q, %v", r, ok)
	}
	if _, ok := m.Match(time.Date(2026, 7, 1, 3, 0, 0, 0, time.UTC).UnixNano(), later.UnixNano()); ok {
		t.Error("the window's end is outside it")
	}
}

func TestCoveredSlices(t *testing.T) {
	base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	s := mustCompile(t,
		Window{Start: base.Add(30 * time.Second), Duration: 5 * time.Minute, Reason: "a"},          // 10:00:30–10:05:30: slices 10:01…10:04
		Window{Start: base.Add(3 * time.Minute), Duration: 4 * time.Minute, Reason: "overlapping"}) // 10:03–10:07: adds 10:05, 10:06
	if got := covered(s, base, base.Add(time.Hour), time.Minute); got != 6 {
		t.Errorf("covered one-minute slices = %d, want 6", got)
	}
	if got := covered(s, base.Add(2*time.Minute), base.Add(4*time.Minute), time.Minute); got != 2 {
		t.Errorf("covered within [10:02, 10:04) = %d, want 2", got)
	}
	one := mustCompile(t, Window{Start: base.Add(-time.Second), Duration: 62 * time.Second, Reason: "one"}) // covers 10:00–10:01 only
	if got := covered(one, base.Add(-time.Hour), base.Add(time.Hour), time.Minute); got != 1 {
		t.Errorf("a window over exactly one whole slice covers %d, want 1", got)
	}
	if got := covered(s, base, base.Add(time.Hour), 0); got != 0 {
		t.Errorf("no slices without a slice length, got %d", got)
	}
	if got := covered((*Schedule)(nil), base, base.Add(time.Hour), time.Minute); got != 0 {
		t.Errorf("a nil schedule covers nothing, got %d", got)
	}
	if got := len(s.OneOffs()); got != 2 {
		t.Errorf("one-offs = %d, want 2", got)
	}
}

func TestCompileErrors(t *testing.T) {
	loc := berlin(t)
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		w    Window
		want string
	}{
		{Window{Duration: time.Hour}, "start: required"},
		{Window{Start: at}, "duration: 0s must be positive"},
		{Window{Start: at, Duration: time.Hour, Location: loc}, "time_zone: only applies to a recurring window"},
		{Window{Start: at, Duration: time.Hour, Recurrence: "FREQ=HOURLY"}, "FREQ must be DAILY, WEEKLY or MONTHLY"},
		{Window{Start: at, Duration: time.Hour, Recurrence: "FREQ=DAILY;BYHOUR=3"}, `"BYHOUR" is not supported`},
		{Window{Start: at, Duration: time.Hour, Recurrence: "BYDAY=MO"}, "FREQ must be"},
		{Window{Start: at, Duration: time.Hour, Recurrence: "FREQ=WEEKLY;BYDAY=XX"}, `recurrence "FREQ=WEEKLY;BYDAY=XX"`},
		{Window{Start: at, Duration: time.Hour, Recurrence: "FREQ=DAILY;COUNT=-1"}, "must be positive"},
	}
	for _, c := range cases {
		_, err := Compile([]Window{{Start: at, Duration: time.Minute}, c.w})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "[1]: ") {
			t.Errorf("%+v: got %v, want [1]: …%s", c.w, err, c.want)
		}
	}
	if s := mustCompile(t, Window{Start: at, Duration: time.Hour, Recurrence: "RRULE:FREQ=DAILY"}); s.Empty() {
		t.Error("an RRULE: prefix is accepted")
	}
}

func covered(s *Schedule, from, to time.Time, slice time.Duration) int {
	return Covered(s.Between(from, to), from, to, slice)
}

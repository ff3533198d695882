package maintenance

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The matcher, with its cache and its gaps, agrees with the schedule itself on every lookup
// of a random walk: spans ending around a now that moves forward by up to a day at a time.
func TestMatcherAgreesWithTheSchedule(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	loc, _ := time.LoadLocation("Europe/Berlin")
	s := mustCompile(t,
		Window{Start: base.Add(90 * time.Minute), Duration: 40 * time.Minute, Recurrence: "FREQ=DAILY", Location: loc, Reason: "nightly"},
		Window{Start: base.Add(50 * time.Hour), Duration: 3 * time.Hour, Recurrence: "FREQ=WEEKLY;BYDAY=SU,WE", Location: loc, Reason: "weekly"},
		Window{Start: base.Add(100 * time.Hour), Duration: 7 * time.Minute, Reason: "once"},
		Window{Start: base.Add(100*time.Hour + 5*time.Minute), Duration: 20 * time.Minute, Reason: "overlapping"})
	m := NewMatcher(s)
	now := base
	hits := 0
	for i := 0; i < 20000; i++ {
		switch rng.IntN(300) {
		case 0:
			now = now.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
		case 1: // the clock steps back
			if back := now.Add(-time.Duration(rng.Int64N(int64(72 * time.Hour)))); back.After(base.Add(48 * time.Hour)) {
				now = back
			}
		}
		now = now.Add(time.Duration(rng.IntN(30)) * time.Second)
		at := now.Add(-time.Duration(rng.Int64N(int64(6 * time.Hour))))
		want := ""
		for _, iv := range s.Between(at, at.Add(time.Nanosecond)) {
			if iv.Contains(at) && want == "" {
				want = iv.Reason
			}
		}
		got, ok := m.Match(at.UnixNano(), now.UnixNano())
		if ok != (want != "") || (ok && got != want && !(want == "once" && got == "overlapping") && !(want == "overlapping" && got == "once")) {
			t.Fatalf("lookup %d at %v (now %v): got %q, %v; the schedule says %q", i, at, now, got, ok, want)
		}
		if ok {
			hits++
		}
	}
	if hits < 500 {
		t.Fatalf("only %d hits: the walk does not exercise the windows", hits)
	}
}

// A batch of spans in a quiet stretch costs one walk of the schedule and one scan of the
// occurrences; after that every lookup is two comparisons.
func TestMatcherWalksOncePerStretch(t *testing.T) {
	base := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	m := NewMatcher(mustCompile(t, Window{Start: base.AddDate(0, -1, 0).Add(-10 * time.Hour), Duration: time.Hour, Recurrence: "FREQ=DAILY", Reason: "nightly"}))
	for i := 0; i < 10000; i++ {
		now := base.Add(time.Duration(i) * time.Millisecond)
		if _, ok := m.Match(now.Add(-time.Second).UnixNano(), now.UnixNano()); ok {
			t.Fatal("noon is outside the nightly window")
		}
	}
	if m.rebuilds != 1 || m.scans != 1 {
		t.Errorf("%d walks of the schedule and %d scans for one quiet stretch, want 1 and 1", m.rebuilds, m.scans)
	}
	later := base.Add(25 * time.Hour)
	m.Match(later.UnixNano(), later.UnixNano())
	if m.rebuilds != 2 {
		t.Errorf("a day on the cache is rebuilt once: %d walks", m.rebuilds)
	}
}

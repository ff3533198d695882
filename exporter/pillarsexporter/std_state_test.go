package pillarsexporter

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestCounterAndGaugeArithmetic(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	prev := seriesPoint{at: t0, value: 10, start: 5}
	started := pcommon.NewTimestampFromTime(t0.Add(-time.Minute))
	for _, tc := range []struct {
		name  string
		prev  seriesPoint
		had   bool
		v     float64
		start pcommon.Timestamp
		delta bool
		want  float64
	}{
		{"delta adds as sent", prev, true, 3, 5, true, 3},
		{"first point of a counter older than the collector adds nothing", seriesPoint{}, false, 10, 5, false, 0},
		{"first point without a start time adds nothing", seriesPoint{}, false, 10, 0, false, 0},
		{"first point of a counter started since adds it all", seriesPoint{}, false, 10, started, false, 10},
		{"cumulative rise", prev, true, 14, 5, false, 4},
		{"reset: a new start time", prev, true, 2, 9, false, 2},
		{"reset: the value fell", prev, true, 7, 5, false, 7},
	} {
		if got := increase(tc.prev, tc.had, tc.v, tc.start, tc.delta, t0.Add(-time.Minute)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := held(prev, true, t0.Add(3*time.Minute)); got != 10*0.05 {
		t.Errorf("held 3 min: %v", got)
	}
	if got := held(prev, true, t0.Add(time.Hour)); got != 10*maxGap.Hours() {
		t.Errorf("a gap holds the value at most %s: %v", maxGap, got)
	}
	if held(prev, false, t0.Add(time.Minute)) != 0 || held(prev, true, t0) != 0 || held(prev, true, t0.Add(-time.Minute)) != 0 {
		t.Error("no previous point, or no time passed, holds nothing")
	}
	now := t0
	for ts, want := range map[pcommon.Timestamp]time.Time{
		0: now, pcommon.NewTimestampFromTime(t0.Add(-time.Hour)): t0.Add(-time.Hour),
		pcommon.NewTimestampFromTime(t0.Add(25 * time.Hour)): now,
		pcommon.NewTimestampFromTime(t0.AddDate(0, 0, -40)):  now,
		pcommon.NewTimestampFromTime(t0.AddDate(0, 0, -30)):  t0.AddDate(0, 0, -30),
	} {
		if got := pointTime(ts, now); !got.Equal(want) {
			t.Errorf("pointTime(%v) = %v, want %v", ts.AsTime(), got, want)
		}
	}
}

func TestStdStateMergeAndSets(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var a, b stdState
	a.instances = seen(nil, "pod-a", t0, 2)
	a.instances = seen(a.instances, "", t0, 2)
	b.instances = seen(seen(nil, "pod-b", t0.Add(time.Minute), 2), "pod-c", t0, 2)
	b.environment, b.team = "production", "payments"
	a.usage.At(t0).CPUSeconds = 5
	b.usage.At(t0).CPUSeconds = 7
	b.usage.At(t0.AddDate(0, 0, -1)).Requests = 3
	old := t0.AddDate(0, 0, -35) // the same slot as t0 (35 days are kept), an older day
	b.usage.At(old)              // (b's slot for t0 now holds the older day)
	b.restarts = []time.Time{t0}
	a.merge(&b)
	if len(seen(b.instances, "pod-d", t0, 2)) != 2 {
		t.Error("a full set took a new member")
	}
	if len(a.instances) != 3 || a.environment != "production" || a.team != "payments" || len(a.restarts) != 1 {
		t.Errorf("merged: %d instances, %q, %q, %d restarts", len(a.instances), a.environment, a.team, len(a.restarts))
	}
	if got, _ := a.usage.Sum(t0, t0); got.CPUSeconds != 5 {
		t.Errorf("an older day in the same slot replaced a newer one: %v", got.CPUSeconds)
	}
	if got, _ := a.usage.Sum(t0.AddDate(0, 0, -1), t0.AddDate(0, 0, -1)); got.Requests != 3 {
		t.Errorf("a day only the source had: %v", got.Requests)
	}
	var c stdState
	c.usage.At(t0).CPUSeconds = 1
	a.merge(&c)
	if got, _ := a.usage.Sum(t0, t0); got.CPUSeconds != 6 {
		t.Errorf("the same day is summed: %v", got.CPUSeconds)
	}
	if n := countSince(a.instances, t0.Add(30*time.Second)); n != 1 { // pod-b only
		t.Errorf("%d instances seen in the last 30 s", n)
	}
}

func TestClockStampsOfOneCall(t *testing.T) {
	at := pcommon.NewTimestampFromTime(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	var c counters
	for _, r := range []struct{ ts, obs pcommon.Timestamp }{
		{at, at}, {at, at + 999_999}, // an SDK: equal, or under a millisecond apart
		{at, at + 1_000_000}, // observed 1 ms later: another clock
		{at + 2e9, at},       // dated 2 s ahead of its observation
		{0, at}, {at, 0},     // one time missing: nothing to compare
	} {
		lr := plog.NewLogRecord()
		lr.SetTimestamp(r.ts)
		lr.SetObservedTimestamp(r.obs)
		collectLogRecord(&c, lr)
	}
	if c.logs != 6 || c.sameClock != 2 || c.clockRecords != 2 || c.clockAhead != 2 {
		t.Errorf("%+v", c)
	}
}

package sloconnector

import (
	"testing"
	"time"
)

// Rolling periods are named as Prometheus formats durations, which is what Sloth writes.
func TestPeriodLabelIsPrometheusDuration(t *testing.T) {
	day := 24 * time.Hour
	for d, want := range map[time.Duration]string{
		30 * day: "30d", 90 * day: "90d", 28 * day: "4w", 7 * day: "1w", 14 * day: "2w", 365 * day: "1y", 36 * time.Hour: "1d12h",
		12 * time.Hour: "12h", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1s500ms", 0: "0s",
	} {
		if got := periodLabel(d); got != want {
			t.Errorf("periodLabel(%v) = %q, want %q", d, got, want)
		}
	}
}

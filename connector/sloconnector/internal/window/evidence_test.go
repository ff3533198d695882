package window

import (
	"math"
	"testing"
	"time"
)

// evidenceSpec is a 99.9 % SLO over 30 days with the default guards.
func evidenceSpec(t *testing.T, confidence float64) *Spec {
	return mustSpec(t, Spec{Objective: 0.999, Period: Rolling(30 * 24 * time.Hour), MaxLateness: 5 * time.Minute,
		MinValidEvents: 100, Confidence: confidence})
}

// firstPage feeds perMinute events a minute, bad of them bad, for minutes, to a fresh series
// and returns the minute of the first page (-1 for none).
func firstPage(spec *Spec, perMinute, bad float64, minutes int) int {
	s := NewSeries(*spec)
	for m := 0; m < minutes; m++ {
		at := t0.Add(time.Duration(m)*time.Minute + 30*time.Second)
		s.Record(spec, at, at, Counts{Good: perMinute - bad, Bad: bad})
		if s.Evaluate(spec, at).Alerts["page"] {
			return m
		}
	}
	return -1
}

// The rollout that paged a fresh service: 227 requests in four minutes, 3 of them failed (1.3 %,
// a 13× burn by the point estimate, over the 30m/6h tier's 0.6 % threshold).
func TestThinEvidenceDoesNotPage(t *testing.T) {
	minute := []Counts{{Good: 56, Bad: 1}, {Good: 56}, {Good: 56, Bad: 1}, {Good: 56, Bad: 1}}
	for _, c := range []struct {
		confidence float64
		wantPage   bool
	}{{0, true}, {0.95, false}} {
		spec := evidenceSpec(t, c.confidence)
		s := NewSeries(*spec)
		paged := false
		for m, counts := range minute {
			at := t0.Add(time.Duration(m)*time.Minute + 30*time.Second)
			s.Record(spec, at, at, counts)
			paged = paged || s.Evaluate(spec, at).Alerts["page"]
		}
		if paged != c.wantPage {
			t.Errorf("confidence %v: paged %v, want %v", c.confidence, paged, c.wantPage)
		}
	}
}

// A total outage of a new service pages as soon as min_valid_events is reached, with or
// without the guard: n of n bad is overwhelming evidence.
func TestTotalOutagePagesAsFastAsWithoutTheGuard(t *testing.T) {
	for _, perMinute := range []float64{10, 60, 1000} {
		without := firstPage(evidenceSpec(t, 0), perMinute, perMinute, 60)
		with := firstPage(evidenceSpec(t, 0.95), perMinute, perMinute, 60)
		if with < 0 || with != without {
			t.Errorf("%v/min total outage: paged at minute %d with the guard, %d without", perMinute, with, without)
		}
	}
}

// A 2 % error rate on a service of one request a second pages once its windows hold the
// evidence for the 30m/6h tier's 0.6 % threshold (2.4 of 120 events already has a lower bound
// of 0.65 %), and a steady 0.5 % (under that threshold) never does.
func TestLowTrafficTwoPercentPagesOnceTheEvidenceIsThere(t *testing.T) {
	spec := evidenceSpec(t, 0.95)
	m := firstPage(spec, 60, 1.2, 6*60)
	if m < 0 || m > 30 {
		t.Fatalf("2 %% at 1 req/s paged at minute %d, want within the slow tier's 30m window", m)
	}
	without := firstPage(evidenceSpec(t, 0), 60, 1.2, 6*60)
	t.Logf("2 %% at 1 req/s: page at minute %d with the 95 %% guard, %d without", m, without)
	if m < without {
		t.Errorf("the guard paged earlier (%d) than the point estimate (%d)", m, without)
	}
	if m := firstPage(spec, 60, 0.3, 6*60); m >= 0 {
		t.Errorf("0.5 %% paged at minute %d", m)
	}
}

func TestConfidenceIsValidated(t *testing.T) {
	for _, c := range []float64{-0.1, 1, math.NaN()} {
		if _, err := NewSpec(Spec{Objective: 0.99, Period: Rolling(24 * time.Hour), Confidence: c}); err == nil {
			t.Errorf("confidence %v accepted", c)
		}
	}
}

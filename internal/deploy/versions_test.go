package deploy

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

type sighting struct {
	version string
	second  int
}

func run(v *Versions, service string, ss []sighting) []Event {
	var out []Event
	for _, s := range ss {
		if e, ok := v.Observe(service, s.version, at(s.second)); ok {
			out = append(out, e)
		}
	}
	return out
}

func TestDeployThenRollback(t *testing.T) {
	var ss []sighting
	for s := 0; s < 60; s++ {
		ss = append(ss, sighting{"1.4.0", s})
	}
	for s := 60; s < 120; s++ {
		ss = append(ss, sighting{"1.5.0", s})
	}
	for s := 120; s < 180; s++ {
		ss = append(ss, sighting{"1.4.0", s})
	}
	got := run(New(), "checkout", ss)
	want := []Event{{"checkout", "1.5.0", at(60), Change}, {"checkout", "1.4.0", at(120), Rollback}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// A canary or a rolling update interleaves both versions: one deployment of the new one.
func TestInterleavedVersionsAreOneDeployment(t *testing.T) {
	var ss []sighting
	for s := 0; s < 300; s++ {
		v := "1.4.0"
		if s >= 60 && s%5 == 0 {
			v = "1.5.0"
		}
		ss = append(ss, sighting{v, s})
	}
	got := run(New(), "checkout", ss)
	if len(got) != 1 || got[0].Kind != Change || got[0].Version != "1.5.0" {
		t.Errorf("events %v, want one change to 1.5.0", got)
	}
}

func TestRollbackNeedsAbsenceWhileAnotherRan(t *testing.T) {
	v := New()
	v.Observe("a", "1", at(0))
	v.Observe("a", "2", at(1))
	// 1 was gone for exactly Absence, and 2 ran meanwhile: a rollback.
	if e, ok := v.Observe("a", "1", at(0).Add(Absence)); !ok || e.Kind != Rollback {
		t.Errorf("return after Absence: %v %v", e, ok)
	}
	// Just short of Absence: interleaving.
	w := New()
	w.Observe("a", "1", at(0))
	w.Observe("a", "2", at(1))
	if e, ok := w.Observe("a", "1", at(0).Add(Absence-time.Nanosecond)); ok {
		t.Errorf("return before Absence: %v", e)
	}
	// A quiet service whose only version comes back after a pause: no rollback.
	q := New()
	q.Observe("a", "1", at(0))
	if e, ok := q.Observe("a", "1", at(3600)); ok {
		t.Errorf("the same version after a pause: %v", e)
	}
	// Gone, but nothing else ran after it left: no rollback.
	n := New()
	n.Observe("a", "1", at(0))
	n.Observe("a", "2", at(1))
	n.Observe("a", "1", at(2))                     // 1 is current again? no: interleaving, 2 stays current
	n.Observe("a", "2", at(3))                     // 2 last seen at 3
	if e, ok := n.Observe("a", "2", at(100)); ok { // current version after a pause
		t.Errorf("the current version after a pause: %v", e)
	}
	// The old version comes back after a quiet spell in which the new one did not run either.
	quiet := New()
	quiet.Observe("a", "1", at(0))
	quiet.Observe("a", "2", at(1))
	quiet.Observe("a", "1", at(2))
	if e, ok := quiet.Observe("a", "1", at(100)); ok {
		t.Errorf("a return after a quiet spell, nothing else running: %v", e)
	}
}

func TestBoundsAndEmptyInput(t *testing.T) {
	v := New()
	if _, ok := v.Observe("", "1", t0); ok {
		t.Error("event without a service")
	}
	if _, ok := v.Observe("a", "", t0); ok {
		t.Error("event without a version")
	}
	for i := range MaxServices + 10 {
		v.Observe(fmt.Sprint("svc", i), "1", t0)
	}
	if len(v.services) != MaxServices {
		t.Errorf("%d services held", len(v.services))
	}
	if _, ok := v.Observe(fmt.Sprint("svc", MaxServices+5), "2", at(1)); ok {
		t.Error("a service past the bound is tracked")
	}
	for i := range 3 * MaxVersions {
		if e, ok := v.Observe("svc0", fmt.Sprint("v", i), at(i+1)); !ok || e.Kind != Change {
			t.Fatalf("version %d: %v %v", i, e, ok)
		}
	}
	if n := len(v.services["svc0"].versions); n != MaxVersions {
		t.Errorf("%d versions held", n)
	}
	// The least recently seen went first: the newest versions are still known.
	if _, ok := v.Observe("svc0", fmt.Sprint("v", 3*MaxVersions-1), at(3*MaxVersions+1)); ok {
		t.Error("the newest version forgotten")
	}
}

// A restored baseline makes the next new version a deployment, and leaves a known service be.
func TestBaseline(t *testing.T) {
	v := New()
	v.Baseline("a", "1", at(0))
	if e, ok := v.Observe("a", "2", at(1)); !ok || e.Kind != Change {
		t.Errorf("after a baseline: %v %v", e, ok)
	}
	v.Baseline("a", "1", at(100)) // known: no effect, so 2 is still the running version
	if e, ok := v.Observe("a", "2", at(101)); ok {
		t.Errorf("a baseline on a known service counted as a sighting: %v", e)
	}
	v.Baseline("b", "", at(0))
	if _, known := v.services["b"]; known {
		t.Error("an empty baseline version tracked")
	}
}

package incident

import (
	"math"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

func TestPulseFollowsTheNewestInterval(t *testing.T) {
	var p Pulse
	if iv := p.Observe(t0, 0, 100, 0.001, 0); iv.Burning || iv.Clean {
		t.Fatalf("the first observation is a baseline: %+v", iv)
	}
	steps := []struct {
		at         time.Duration
		bad, valid float64
		burning    bool
		clean      bool
		since      time.Duration // -1: zero
	}{
		{5 * time.Second, 0, 200, false, true, -1},
		{10 * time.Second, 1, 1200, false, true, -1},  // 1 of 1000: exactly the allowance
		{15 * time.Second, 3, 1300, true, false, 15},  // 2 of 100
		{20 * time.Second, 3, 1300, false, false, 15}, // no traffic: neither
		{25 * time.Second, 60, 1400, true, false, 15},
		{30 * time.Second, 60, 1500, false, true, -1},
		{35 * time.Second, 61, 1501, true, false, 35},
	}
	for _, st := range steps {
		iv := p.Observe(t0.Add(st.at), st.bad, st.valid, 0.001, 0)
		if iv.Burning != st.burning || iv.Clean != st.clean {
			t.Errorf("at %v: %+v, want burning %v clean %v", st.at, iv, st.burning, st.clean)
		}
		want := time.Time{}
		if st.since >= 0 {
			want = t0.Add(st.since * time.Second)
		}
		if got := p.BurningSince(); !got.Equal(want) {
			t.Errorf("at %v: burning since %v, want %v", st.at, got, want)
		}
	}
	if iv := p.Observe(t0.Add(40*time.Second), 10, 1600, 0.001, 0); iv.Burning || iv.Clean {
		t.Errorf("counts going back (a reset) are no interval: %+v", iv)
	}
	// Non-finite weights make no interval, never a burn or a recovery.
	var inf Pulse
	inf.Observe(t0, 0, 0, 0.001, 0)
	for i, totals := range [][2]float64{{math.Inf(1), math.Inf(1)}, {math.NaN(), 10}, {1, math.Inf(1)}} {
		if iv := inf.Observe(t0.Add(time.Duration(i+1)*time.Second), totals[0], totals[1], 0.001, 1.96); iv.Burning || iv.Clean {
			t.Errorf("totals %v: %+v", totals, iv)
		}
	}
	// With the evidence bound: 2 bad of 200 (1 %) is above a 0.6 % threshold but not evidently
	// so, neither burning nor clean; 12 of 200 is burning; 1 of 200 is clean.
	var r Pulse
	r.Observe(t0, 0, 0, 0.006, 1.96)
	for i, c := range []struct {
		bad            float64
		burning, clean bool
	}{{2, false, false}, {12, true, false}, {1, false, true}} {
		bad, valid := r.lastBad+c.bad, r.lastValid+200
		iv := r.Observe(t0.Add(time.Duration(i+1)*time.Second), bad, valid, 0.006, 1.96)
		if iv.Burning != c.burning || iv.Clean != c.clean {
			t.Errorf("%v of 200 at 0.6 %%: %+v, want burning %v clean %v", c.bad, iv, c.burning, c.clean)
		}
	}
}

// pulse is an observation with the interval since the previous one.
func pulse(at time.Duration, page, burning, clean bool) Observation {
	o := obs(at, page, 20, 0.8, 0, 0)
	o.Interval = Interval{From: t0.Add(at - 15*time.Second), To: t0.Add(at), Burning: burning, Clean: clean, Valid: 1}
	return o
}

// The service recovers when its newest interval is clean and stays so until the page clears;
// a relapse under the page undoes it. The duration ends at the recovery, not at the page
// clearing half an hour later.
func TestRecoveryIsWhenTheServiceRecovered(t *testing.T) {
	tr := testTracker()
	expect(t, tr, pulse(0, true, true, false), evidence(), Opened)
	tr.Observe(pulse(15*time.Second, true, false, true), evidence())  // clean once
	tr.Observe(pulse(30*time.Second, true, true, false), evidence())  // relapse
	tr.Observe(pulse(45*time.Second, true, false, false), evidence()) // not evidently burning: recovered from 30s
	tr.Observe(pulse(60*time.Second, true, false, true), evidence())
	quiet := pulse(75*time.Second, true, false, false)
	quiet.Interval.Valid = 0 // no traffic: no evidence either way
	tr.Observe(quiet, evidence())
	inc := expect(t, tr, pulse(30*time.Minute, false, false, true), evidence(), Resolved)
	if want := t0.Add(30 * time.Second); !inc.Recovered.Equal(want) || !inc.Episodes[0].Recovered.Equal(want) {
		t.Errorf("recovered %v (episode %v), want %v", inc.Recovered, inc.Episodes[0].Recovered, want)
	}
	if d := inc.Duration(t0.Add(time.Hour)); d != 30*time.Second {
		t.Errorf("duration %v, want 30s (to the recovery)", d)
	}
	if !inc.Resolved.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("resolved %v", inc.Resolved)
	}
	// The interval that opens a page never counts as its recovery, and an interval without
	// traffic is none.
	tr2 := testTracker()
	if inc := expect(t, tr2, pulse(0, true, false, true), evidence(), Opened); !inc.Recovered.IsZero() {
		t.Errorf("recovered at open: %v", inc.Recovered)
	}
	idle := pulse(15*time.Second, true, false, false)
	idle.Interval.Valid = 0
	tr2.Observe(idle, evidence())
	if inc := tr2.OpenIncidents()[0]; !inc.Recovered.IsZero() {
		t.Errorf("recovered on an interval without traffic: %v", inc.Recovered)
	}
}

// A page that clears for a single emit and fires again is one episode, not a new page.
func TestOneEmitFlapIsOneEpisode(t *testing.T) {
	tr := testTracker()
	expect(t, tr, obs(0, true, 20, 0.8, 10, 1000), evidence(), Opened)
	expect(t, tr, obs(15*time.Second, false, 5, 0.8, 10, 1000), evidence(), Resolved)
	inc := expect(t, tr, obs(30*time.Second, true, 20, 0.7, 20, 1100), evidence(), Updated)
	if len(inc.Episodes) != 1 || inc.Reopened != 0 || !inc.Start.Equal(t0) || !inc.Open() || !inc.Episodes[0].Resolved.IsZero() {
		t.Errorf("one-emit flap: %+v", inc)
	}
	if inc.BadEvents != 10 {
		t.Errorf("bad events since open %v, want 10", inc.BadEvents)
	}
	// Two emits clear: a new episode.
	expect(t, tr, obs(45*time.Second, false, 5, 0.7, 20, 1100), evidence(), Resolved)
	inc = expect(t, tr, obs(75*time.Second, true, 20, 0.6, 30, 1200), evidence(), Opened)
	if len(inc.Episodes) != 2 || inc.Reopened != 1 || !inc.Start.Equal(t0.Add(75*time.Second)) {
		t.Errorf("second episode: %+v", inc)
	}
}

// The trigger is the last deployment before the burn began, never the rollback after the page.
func TestTriggerIsTheDeployBeforeTheBurn(t *testing.T) {
	deploys := []srestate.Deployment{
		{Service: "checkout", Version: "1.5.0", At: t0.Add(-2 * time.Minute), Source: "version_change"},
		{Service: "checkout", Version: "1.6.0", At: t0.Add(-30 * time.Second), Source: "cicd"},
		{Service: "checkout", Version: "1.4.0", At: t0.Add(3 * time.Minute), Source: "version_change", Rollback: true},
	}
	ev := func() Evidence { return Evidence{Deployments: deploys} }
	tr := testTracker()
	o := obs(0, true, 20, 0.8, 0, 0)
	o.BurningSince = t0.Add(-time.Minute) // 1.6.0 came after the burn began
	inc := expect(t, tr, o, ev, Opened)
	if d, ok := inc.Trigger(); !ok || d.Version != "1.5.0" {
		t.Errorf("trigger %+v (%v), want 1.5.0", d, ok)
	}
	if len(inc.Deployments) != 2 || !inc.Deployments[1].Rollback {
		t.Errorf("deployments %+v: want 1.5.0 and the rollback as remediation", inc.Deployments)
	}
	// Without a burn start the page's own time is the cutoff.
	tr = testTracker()
	inc = expect(t, tr, obs(0, true, 20, 0.8, 0, 0), ev, Opened)
	if d, _ := inc.Trigger(); d.Version != "1.6.0" || !inc.TriggerCutoff.Equal(t0) {
		t.Errorf("trigger %+v cutoff %v, want 1.6.0 at the page", d, inc.TriggerCutoff)
	}
	if _, ok := (&srestate.Incident{}).Trigger(); ok {
		t.Error("a trigger without deployments")
	}
}

func TestEpisodesAreBounded(t *testing.T) {
	tr := NewTracker(Config{EmitInterval: time.Second, MergeWindow: time.Hour, MaxOpen: 1, MaxHistory: 1})
	var inc srestate.Incident
	for i := range 40 {
		at := time.Duration(i) * time.Minute
		inc, _ = func() (srestate.Incident, bool) {
			e, ok := tr.Observe(obs(at, true, 20, 0.8, 0, 0), evidence())
			return e.Incident, ok
		}()
		tr.Observe(obs(at+10*time.Second, false, 0, 0.8, 0, 0), evidence())
	}
	if len(inc.Episodes) != maxEpisodes || !inc.Episodes[0].Start.Equal(t0) || !inc.Episodes[maxEpisodes-1].Start.Equal(t0.Add(39*time.Minute)) {
		t.Errorf("%d episodes, first %v, last %v", len(inc.Episodes), inc.Episodes[0].Start, inc.Episodes[len(inc.Episodes)-1].Start)
	}
	if inc.Reopened != 39 {
		t.Errorf("reopened %d", inc.Reopened)
	}
}

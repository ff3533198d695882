package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 3, 0, time.UTC)

var checkout = [][2]string{{"service.name", "checkout"}}

func obs(at time.Duration, page bool, burn, budget, bad, valid float64) Observation {
	return Observation{
		Key: srestate.SeriesKey("availability", checkout), SLO: "availability", Service: "checkout", Identity: checkout,
		Page: page, Alert: "SLOErrorBudgetBurn", BurnRates: map[string]float64{"5m": burn, "1h": burn / 2},
		BudgetRemaining: budget, BadTotal: bad, ValidTotal: valid, At: t0.Add(at),
	}
}

func testTracker() *Tracker {
	return NewTracker(Config{EmitInterval: 15 * time.Second, MergeWindow: 10 * time.Minute, UpdateInterval: 5 * time.Minute,
		StaleAfter: time.Hour, MaxOpen: 2, MaxHistory: 3, MaxExemplar: 3})
}

func evidence(exemplars ...string) func() Evidence {
	return func() Evidence {
		return Evidence{
			Deployments: []srestate.Deployment{{Service: "checkout", Version: "2.0.0", At: t0.Add(-time.Minute), Source: "version_change"}},
			Factors:     []srestate.Factor{{Attribute: "http.route", Value: "/pay", Bad: 10, Lift: 2, Coverage: 1}},
			Exemplars:   exemplars,
		}
	}
}

// expect observes o and fails unless it causes an event of kind.
func expect(t *testing.T, tr *Tracker, o Observation, ev func() Evidence, kind Kind) srestate.Incident {
	t.Helper()
	e, ok := tr.Observe(o, ev)
	if !ok || e.Kind != kind {
		t.Fatalf("at %v: event %v (ok %v), want %s", o.At.Sub(t0), e.Kind, ok, kind.EventName())
	}
	return e.Incident
}

func TestIncidentLifecycle(t *testing.T) {
	tr := testTracker()
	if _, ok := tr.Observe(obs(0, false, 0.5, 0.9, 10, 10000), evidence()); ok {
		t.Fatal("event without a page")
	}
	inc := expect(t, tr, obs(time.Minute, true, 20, 0.8, 50, 12000), evidence("a", "b"), Opened)
	wantID := ID("availability", checkout, t0.Add(time.Minute), 15*time.Second)
	if inc.ID != wantID || inc.Start != t0.Add(time.Minute) || !inc.Open() || inc.Severity != "page" || inc.Alert != "SLOErrorBudgetBurn" {
		t.Errorf("opened %+v", inc)
	}
	if inc.BudgetAtOpen != 0.8 || inc.BurnAtOpen["5m"] != 20 || inc.PeakBurn != 20 || inc.BadEvents != 0 || inc.Identity["service.name"] != "checkout" {
		t.Errorf("at open %+v", inc)
	}
	if len(inc.Deployments) != 1 || inc.Factors[0].Value != "/pay" || strings.Join(inc.Exemplars, ",") != "a,b" {
		t.Errorf("evidence %+v", inc)
	}
	if !tr.Open(srestate.SeriesKey("availability", checkout)) {
		t.Error("Open false while open")
	}

	// Within the update interval and below 1.25 × the peak reported: nothing to say.
	if _, ok := tr.Observe(obs(2*time.Minute, true, 24, 0.7, 80, 13000), evidence("c")); ok {
		t.Error("updated too soon")
	}
	// Between events the record stays current: new exemplars and the peak are there to read.
	if open := tr.OpenIncidents(); len(open) != 1 || strings.Join(open[0].Exemplars, ",") != "a,b,c" || open[0].PeakBurn != 24 {
		t.Errorf("between events %+v", open)
	}
	// The peak grows by a quarter: updated at once, exemplars accumulate up to the bound.
	inc = expect(t, tr, obs(3*time.Minute, true, 30, 0.6, 100, 14000), evidence("b", "c", "d"), Updated)
	if inc.PeakBurn != 30 || inc.PeakAt != t0.Add(3*time.Minute) || strings.Join(inc.Exemplars, ",") != "a,b,c" {
		t.Errorf("peak update %+v", inc)
	}
	if inc.BadEvents != 50 || inc.ValidEvents != 2000 || !near(inc.BudgetConsumed, 0.2) {
		t.Errorf("since open: bad %v valid %v consumed %v", inc.BadEvents, inc.ValidEvents, inc.BudgetConsumed)
	}
	// The update interval passes: updated even without a new peak; budget consumed never falls.
	inc = expect(t, tr, obs(8*time.Minute, true, 20, 0.65, 120, 15000), evidence(), Updated)
	if inc.PeakBurn != 30 || !near(inc.BudgetConsumed, 0.2) || inc.BadEvents != 70 {
		t.Errorf("interval update %+v", inc)
	}
	inc = expect(t, tr, obs(10*time.Minute, false, 0.5, 0.6, 121, 16000), evidence(), Resolved)
	if inc.Open() || inc.Resolved != t0.Add(10*time.Minute) || inc.Duration(t0.Add(time.Hour)) != 9*time.Minute || inc.ID != wantID {
		t.Errorf("resolved %+v", inc)
	}
	if _, ok := tr.Observe(obs(11*time.Minute, false, 0.5, 0.6, 121, 16000), evidence()); ok {
		t.Error("event after resolution without a page")
	}

	// The page comes back within the merge window: the same incident reopens as a new episode,
	// announced as opened, whose headline figures are its own.
	inc = expect(t, tr, obs(15*time.Minute, true, 18, 0.5, 150, 17000), evidence(), Opened)
	if inc.ID != wantID || !inc.Open() || inc.Reopened != 1 || inc.Start != t0.Add(15*time.Minute) {
		t.Errorf("reopened %+v", inc)
	}
	if inc.BurnAtOpen["5m"] != 18 || inc.BudgetAtOpen != 0.5 || inc.BadEvents != 0 || inc.PeakBurn != 18 || len(inc.Episodes) != 2 {
		t.Errorf("the new episode carries the old one's figures: %+v", inc)
	}
	if first := inc.Episodes[0]; first.Start != t0.Add(time.Minute) || first.Resolved != t0.Add(10*time.Minute) || first.PeakBurn != 30 || first.BadEvents != 71 {
		t.Errorf("first episode %+v", first)
	}
	expect(t, tr, obs(16*time.Minute, false, 0, 0.5, 150, 17000), evidence(), Resolved)
	// Beyond the merge window: a new incident with a new ID.
	inc = expect(t, tr, obs(27*time.Minute, true, 18, 0.4, 170, 18000), evidence(), Opened)
	if inc.ID == wantID || inc.Reopened != 0 {
		t.Errorf("a page beyond the merge window reopened %+v", inc)
	}
	if all := tr.Incidents(); len(all) != 2 || !all[0].Open() || all[1].Open() {
		t.Errorf("incidents %+v", all)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// Replicas that see the same burn within one emit interval name it alike; another series or
// a start in the next interval does not.
func TestIDsAreDeterministic(t *testing.T) {
	a := ID("availability", checkout, t0, 15*time.Second)
	if b := ID("availability", checkout, t0.Add(11*time.Second), 15*time.Second); a != b {
		t.Errorf("same interval: %s and %s", a, b)
	}
	for _, other := range []string{
		ID("availability", checkout, t0.Add(13*time.Second), 15*time.Second),
		ID("latency", checkout, t0, 15*time.Second),
		ID("availability", [][2]string{{"service.name", "cart"}}, t0, 15*time.Second),
	} {
		if other == a {
			t.Errorf("collision %s", a)
		}
	}
	if len(a) != 16 {
		t.Errorf("id %q", a)
	}
}

func TestBoundsAndStaleIncidents(t *testing.T) {
	tr := testTracker()
	series := func(name string, at time.Duration, page bool) Observation {
		o := obs(at, page, 20, 0.5, 0, 0)
		o.Identity = [][2]string{{"service.name", name}}
		o.Key, o.Service = srestate.SeriesKey(o.SLO, o.Identity), name
		return o
	}
	expect(t, tr, series("a", 0, true), evidence(), Opened)
	expect(t, tr, series("b", 0, true), evidence(), Opened)
	if _, ok := tr.Observe(series("c", 0, true), evidence()); ok || tr.Refused() != 1 {
		t.Errorf("a third open incident past MaxOpen 2: refused %d", tr.Refused())
	}
	// b goes on being observed; a is not seen for over StaleAfter and is resolved at its last sight.
	tr.Observe(series("b", 50*time.Minute, true), evidence())
	events := tr.Expire(t0.Add(61 * time.Minute))
	if len(events) != 1 || events[0].Kind != Resolved || events[0].Incident.Service != "a" || events[0].Incident.Resolved != t0 {
		t.Fatalf("expired %+v", events)
	}
	if tr.Expire(t0.Add(61*time.Minute)) != nil {
		t.Error("expired twice")
	}
	for i, name := range []string{"d", "e", "f", "g"} {
		at := time.Duration(70+2*i) * time.Minute
		tr.Observe(series(name, at, true), evidence())
		tr.Observe(series(name, at+time.Minute, false), evidence())
	}
	var resolved []string
	for _, inc := range tr.Incidents() {
		if !inc.Open() {
			resolved = append(resolved, inc.Service)
		}
	}
	if strings.Join(resolved, ",") != "e,f,g" {
		t.Errorf("history past MaxHistory 3: %v", resolved)
	}
	if NewTracker(Config{}).Expire(t0) != nil {
		t.Error("expired without StaleAfter")
	}
}

// A restarted collector goes on with the same records: the open incident is not opened again.
func TestTrackerSurvivesARestart(t *testing.T) {
	tr := testTracker()
	opened := expect(t, tr, obs(0, true, 20, 0.8, 10, 1000), evidence("a"), Opened)
	b, err := tr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	restarted := testTracker()
	if err := restarted.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if _, ok := restarted.Observe(obs(time.Minute, true, 21, 0.75, 20, 1100), evidence()); ok {
		t.Error("an event right after the restart: the incident was opened again or updated too soon")
	}
	inc := expect(t, restarted, obs(2*time.Minute, false, 0, 0.7, 25, 1200), evidence(), Resolved)
	if inc.ID != opened.ID || inc.BadEvents != 15 || strings.Join(inc.Exemplars, ",") != "a" {
		t.Errorf("after the restart %+v", inc)
	}
	for _, bad := range []string{"{", `{"Version":2}`} {
		if err := testTracker().Unmarshal([]byte(bad)); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
	// Bounds hold for stored records too.
	big := NewTracker(Config{MaxOpen: 5, MaxHistory: 5})
	for i := range 5 {
		o := obs(time.Duration(i)*time.Minute, true, 20, 0.5, 0, 0)
		o.Key = string(rune('a' + i))
		big.Observe(o, evidence())
		o.Page, o.At = false, o.At.Add(30*time.Second)
		if i < 3 {
			big.Observe(o, evidence())
		}
	}
	b, _ = big.Marshal()
	small := NewTracker(Config{MaxOpen: 1, MaxHistory: 2})
	if err := small.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if n := len(small.Incidents()); n != 3 {
		t.Errorf("%d records restored into bounds of 1 open and 2 resolved", n)
	}
}

func TestTrackerEdges(t *testing.T) {
	tr := NewTracker(Config{MergeWindow: time.Minute, UpdateInterval: time.Hour, StaleAfter: time.Minute, MaxOpen: 5, MaxHistory: 5, MaxExemplar: 5})
	// Without an emit interval IDs round to the second.
	if ID("s", nil, t0.Add(100*time.Millisecond), tr.cfg.EmitInterval) != ID("s", nil, t0.Add(900*time.Millisecond), tr.cfg.EmitInterval) {
		t.Error("the default emit interval does not round to the second")
	}
	inc := expect(t, tr, obs(0, true, 20, 0.8, 0, 0), evidence(), Opened)
	// The same peak later keeps the first time it was reached; empty evidence keeps the old.
	tr.Observe(obs(time.Second, true, 20, 0.8, 0, 0), func() Evidence { return Evidence{} })
	// Exactly 1.25 × the peak reported is news.
	inc = expect(t, tr, obs(2*time.Second, true, 25, 0.8, 0, 0), func() Evidence { return Evidence{} }, Updated)
	if inc.PeakAt != t0.Add(2*time.Second) || len(inc.Deployments) != 1 || len(inc.Factors) != 1 {
		t.Errorf("after empty evidence %+v", inc)
	}
	tr.Observe(obs(3*time.Second, true, 25, 0.8, 0, 0), evidence())
	if got := tr.open[obs(0, true, 0, 0, 0, 0).Key].Incident.PeakAt; got != t0.Add(2*time.Second) {
		t.Errorf("an equal burn moved the peak to %v", got)
	}
	// Observed exactly StaleAfter ago is not stale yet.
	if ev := tr.Expire(t0.Add(3*time.Second + time.Minute)); ev != nil {
		t.Errorf("expired at exactly StaleAfter: %+v", ev)
	}
	expect(t, tr, obs(4*time.Second, false, 0, 0.8, 0, 0), evidence(), Resolved)
	// A page exactly MergeWindow after the resolution reopens.
	inc = expect(t, tr, obs(4*time.Second+time.Minute, true, 20, 0.8, 0, 0), evidence(), Opened)
	if inc.Reopened != 1 {
		t.Errorf("reopened %d", inc.Reopened)
	}
	// Without StaleAfter an open incident never expires.
	never := NewTracker(Config{})
	never.Observe(obs(0, true, 20, 0.8, 0, 0), evidence())
	if never.Expire(t0.Add(24*time.Hour)) != nil {
		t.Error("expired without StaleAfter")
	}
}

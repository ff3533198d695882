package sloconnector

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// entryRequests is n SERVER spans of service ending at end, every one failed when failing; each
// has an INTERNAL child, which is no event of its own.
func entryRequests(service string, n int, failing bool, end time.Time, seed byte) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < n; i++ {
		trace := pcommon.TraceID{seed, byte(i), byte(i >> 8), 9}
		server := serverSpan(spans, trace, pcommon.SpanID{seed, byte(i), byte(i >> 8), 1}, "/pay", end)
		child := spans.AppendEmpty()
		child.SetTraceID(trace)
		child.SetSpanID(pcommon.SpanID{seed, byte(i), byte(i >> 8), 2})
		child.SetParentSpanID(server.SpanID())
		child.SetKind(ptrace.SpanKindInternal)
		child.SetStartTimestamp(server.StartTimestamp())
		child.SetEndTimestamp(server.EndTimestamp())
		if failing {
			server.Status().SetCode(ptrace.StatusCodeError)
			child.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	return td
}

type outageRun struct {
	t     *testing.T
	c     *sloConnector
	clock *time.Time
}

// second sends one second of traffic and emits; it returns the emitted points.
func (r outageRun) second(n int, failing bool) map[string]float64 {
	*r.clock = r.clock.Add(time.Second)
	if err := r.c.ConsumeTraces(context.Background(), entryRequests("checkout", n, failing, *r.clock, byte(r.clock.Second()))); err != nil {
		r.t.Fatal(err)
	}
	return points(r.c.buildMetrics(*r.clock))
}

const (
	pageKey      = "slo.alert.active{service.name=checkout,slo.alert.severity=page,slo.name=availability}"
	budgetKey    = "slo.error_budget.remaining{service.name=checkout,slo.name=availability}"
	activeKey    = "slo.maintenance.active{service.name=checkout,slo.name=availability}"
	badTotalKey  = "slo.events{service.name=checkout,slo.name=availability,slo.outcome=bad}"
	excludedBase = "slo.events.excluded{reason=%s,service.name=checkout,slo.name=availability}"
)

func excludedKey(reason string) string { return strings.Replace(excludedBase, "%s", reason, 1) }

func availability(windows ...MaintenanceWindow) SLO {
	return SLO{Name: "availability", Service: "checkout", Objective: 99.9, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"},
		Window: Window{Rolling: Duration(12 * time.Hour)}, Alerting: Alerting{Profile: profileTestSeconds}, Maintenance: windows}
}

// secondsToPage runs a total outage from the clock on and returns after how many seconds the
// page fired, checking on every second before it that no page fired.
func secondsToPage(r outageRun, limit int) int {
	for s := 1; s <= limit; s++ {
		if r.second(200, true)[pageKey] == 1 {
			return s
		}
	}
	r.t.Fatalf("no page within %d s of a total outage", limit)
	return 0
}

// A total outage inside a one-off window burns nothing, pages nobody and opens no incident;
// the same outage after the window pages exactly as fast as it does without one, and the
// excluded counter holds every event of the window.
func TestMaintenanceWindowCoversATotalOutage(t *testing.T) {
	clock := testNow
	windowStart := testNow.Add(40*time.Second + time.Nanosecond) // the 40th second's spans end just before it
	w := MaintenanceWindow{Start: windowStart, Duration: Duration(90 * time.Second), Reason: "db-upgrade"}
	c, logs := startIncidentConnector(t, baseConfig(availability(w)), &clock)
	r := outageRun{t: t, c: c, clock: &clock}
	for range 40 {
		r.second(200, false)
	}
	var inside float64
	for s := 0; s < 90; s++ {
		got := r.second(200, true)
		c.emit(context.Background())
		inside += 200
		switch {
		case got[budgetKey] != 1:
			t.Fatalf("second %d of the window: budget %v, want 1", s, got[budgetKey])
		case got[pageKey] != 0:
			t.Fatalf("second %d of the window: the page fired", s)
		case got[activeKey] != 1:
			t.Fatalf("second %d of the window: slo.maintenance.active = %v", s, got[activeKey])
		case got[excludedKey("db-upgrade")] != inside:
			t.Fatalf("second %d: excluded %v, want the %v events sent inside the window", s, got[excludedKey("db-upgrade")], inside)
		case got[badTotalKey] != 0:
			t.Fatalf("second %d: %v bad events counted", s, got[badTotalKey])
		}
	}
	if n := len(incidentRecords(logs)["slo.incident.opened"]); n != 0 {
		t.Fatalf("%d incidents opened inside the window", n)
	}
	after := secondsToPage(r, 120)
	if got := points(c.buildMetrics(clock)); got[activeKey] != 0 || got[excludedKey("db-upgrade")] != inside {
		t.Errorf("after the window: active %v, excluded %v (want 0, %v)", got[activeKey], got[excludedKey("db-upgrade")], inside)
	}

	controlClock := testNow
	control, _ := startIncidentConnector(t, baseConfig(availability()), &controlClock)
	cr := outageRun{t: t, c: control, clock: &controlClock}
	for range 40 {
		cr.second(200, false)
	}
	if want := secondsToPage(cr, 120); after != want {
		t.Errorf("after the window the outage paged in %d s; without a window it pages in %d s", after, want)
	}
}

// A window added after an outage, across a restart, gives back the budget the outage burned
// (exactly here: the window is aligned to the finest bucket), records the correction, and is
// not applied twice by the next restart.
func TestCorrectionGivesBackTheBudget(t *testing.T) {
	store := &memStorage{kv: map[string][]byte{}}
	clock := testNow.Truncate(time.Second)
	start := func(slo SLO) outageRun {
		c := newTestConnector(t, baseConfig(slo))
		c.now = func() time.Time { return clock }
		c.storage = store
		c.restore(context.Background())
		c.applyCorrections(clock)
		return outageRun{t: t, c: c, clock: &clock}
	}
	r := start(availability())
	for range 30 {
		r.second(100, false)
	}
	outageFrom := clock // the outage's spans end at +1s … +20s
	for range 20 {
		r.second(100, true)
	}
	burned := points(r.c.buildMetrics(clock))[budgetKey]
	if burned >= 0 {
		t.Fatalf("the outage left budget %v; it should have spent it", burned)
	}
	if err := r.c.checkpoint(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	w := MaintenanceWindow{Start: outageFrom.Add(time.Second), Duration: Duration(20 * time.Second), Reason: "payment-provider"}
	r = start(availability(w))
	got := points(r.c.buildMetrics(clock))
	if got[budgetKey] != 1 {
		t.Errorf("after the correction the budget is %v, want 1 (it was %v)", got[budgetKey], burned)
	}
	if got[badTotalKey] != 2000 {
		t.Errorf("slo.events keeps what was counted: bad %v, want 2000", got[badTotalKey])
	}
	s := r.c.slos[0].series["checkout"]
	cs := s.state.Corrections()
	if len(cs) != 1 || cs[0].Reason != "payment-provider" || cs[0].TakenBack.Bad != 2000 || cs[0].TakenBack.Good != 0 {
		t.Fatalf("corrections %+v, want one taking back the 2000 bad events", cs)
	}
	if err := r.c.checkpoint(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	r = start(availability(w))
	if cs := r.c.slos[0].series["checkout"].state.Corrections(); len(cs) != 1 {
		t.Errorf("the next restart applied the correction again: %+v", cs)
	}
}

// sli.exclude leaves synthetic checks out with reason exclude; a top-level window selects one
// service of an SLO that spans several, and the others count on.
func TestExcludeAndTopLevelSelector(t *testing.T) {
	slo := SLO{Name: "availability", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR",
		Exclude: `attributes["user_agent.synthetic.type"] != nil`}}
	cfg := baseConfig(slo)
	cfg.Maintenance = []MaintenanceWindow{{Start: testNow.Add(-time.Minute), Duration: Duration(time.Hour),
		Reason: "billing-migration", SLOs: []string{"availability"}, Services: []string{"billing"}}}
	c := newTestConnector(t, cfg)
	td := entryRequests("checkout", 10, true, testNow, 1)
	probes := entryRequests("checkout", 4, true, testNow, 2).ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < probes.Len(); i++ {
		if probes.At(i).Kind() == ptrace.SpanKindServer {
			probes.At(i).Attributes().PutStr("user_agent.synthetic.type", "bot")
		}
	}
	probes.MoveAndAppendTo(td.ResourceSpans().At(0).ScopeSpans().At(0).Spans())
	entryRequests("billing", 7, true, testNow, 3).ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	if err := c.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	got := points(c.buildMetrics(testNow))
	want := map[string]float64{
		"slo.events{service.name=checkout,slo.name=availability,slo.outcome=bad}":                      10,
		"slo.events.excluded{reason=exclude,service.name=checkout,slo.name=availability}":              4,
		"slo.events.excluded{reason=billing-migration,service.name=checkout,slo.name=availability}":    0,
		"slo.maintenance.active{service.name=checkout,slo.name=availability}":                          0,
		"slo.events{service.name=billing,slo.name=availability,slo.outcome=bad}":                       0,
		"slo.events.excluded{reason=billing-migration,service.name=billing,slo.name=availability}":     7,
		"slo.maintenance.active{service.name=billing,slo.name=availability}":                           1,
		"slo.alert.active{service.name=billing,slo.alert.severity=page,slo.name=availability}":         0,
		"slo.window.events{service.name=checkout,slo.name=availability,slo.outcome=bad,slo.window=5m}": 10,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	rows, err := cfg.DryRun(context.Background(), td)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row.Service == "checkout" && (row.Excluded != 4 || row.Bad != 10) {
			t.Errorf("dry run for checkout: %+v, want 4 excluded and 10 bad", row)
		}
	}
}

func TestMaintenanceConfigErrors(t *testing.T) {
	at := testNow
	cases := []struct {
		top  []MaintenanceWindow
		own  []MaintenanceWindow
		want string
	}{
		{top: []MaintenanceWindow{{Start: at, Duration: Duration(time.Hour), SLOs: []string{"nope"}}}, want: `maintenance[0].slos: "nope" is not an SLO of this connector (SLOs: availability)`},
		{own: []MaintenanceWindow{{Duration: Duration(time.Hour)}}, want: "slos[0] (availability).maintenance[0].start: required"},
		{own: []MaintenanceWindow{{Start: at, Duration: Duration(time.Hour), Services: []string{"x"}}}, want: "maintenance[0].slos, services: only a window at the connector's top level"},
		{own: []MaintenanceWindow{{Start: at, Duration: Duration(time.Hour), Reason: "exclude"}}, want: `reason: "exclude" is the reason of sli.exclude`},
		{own: []MaintenanceWindow{{Start: at, Duration: Duration(time.Hour), Recurrence: "FREQ=DAILY;BYHOUR=2"}}, want: `"BYHOUR" is not supported`},
		{own: []MaintenanceWindow{{Start: at, Duration: Duration(time.Hour), Recurrence: "FREQ=DAILY", TimeZone: "Mars/Olympus"}}, want: `time_zone: "Mars/Olympus" is not an IANA time zone`},
		{top: []MaintenanceWindow{{Start: at}}, want: "maintenance[0].duration: 0s must be positive"},
		{top: []MaintenanceWindow{{Start: at, Duration: Duration(time.Hour), Reason: strings.Repeat("r", 65)}}, want: "must be at most 64 printable bytes"},
	}
	for _, c := range cases {
		cfg := baseConfig(availability(c.own...))
		cfg.Maintenance = c.top
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want …%s", err, c.want)
		}
	}
	slo := availability()
	slo.SLI.Exclude = "attributes[ == 1"
	if err := baseConfig(slo).Validate(); err == nil || !strings.Contains(err.Error(), "sli.exclude") {
		t.Errorf("a broken exclude condition: got %v", err)
	}
}

// A timeslice SLO: the slices inside a window leave the period's slice count, so a bad slice
// outside costs 1 ÷ ((1 − objective) × (slices − excluded)) of the budget.
func TestTimeslicesInsideAWindowLeaveTheCount(t *testing.T) {
	start := testNow.Truncate(time.Hour)
	slo := SLO{Name: "availability", Service: "checkout", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"},
		Window: Window{Rolling: Duration(7 * 24 * time.Hour)}, BudgetingMethod: budgetingTimeslices,
		Timeslice:   Timeslice{Duration: time.Minute, Target: 0.9},
		Maintenance: []MaintenanceWindow{{Start: start.Add(30 * time.Minute), Duration: Duration(time.Hour), Reason: "migration"}}}
	cfg := baseConfig(slo)
	cfg.MaxLateness = time.Minute
	c := newTestConnector(t, cfg)
	clock := start
	c.now = func() time.Time { return clock }
	var got map[string]float64
	for ; clock.Before(start.Add(2 * time.Hour)); clock = clock.Add(10 * time.Second) {
		failing := clock.Sub(start) >= 100*time.Minute && clock.Sub(start) < 101*time.Minute
		if err := c.ConsumeTraces(context.Background(), entryRequests("checkout", 5, failing, clock, byte(clock.Second()))); err != nil {
			t.Fatal(err)
		}
		got = points(c.buildMetrics(clock))
	}
	want := 1 - 1/(0.01*(7*1440-60))
	if b := got[budgetKey]; math.Abs(b-want) > 1e-9 {
		t.Errorf("budget %v, want %v: one bad slice of 7 × 1440 − 60 excluded", b, want)
	}
	if v := got[excludedKey("migration")]; v != 60*6*5 {
		t.Errorf("excluded %v events, want %d", v, 60*6*5)
	}
}

// A nightly window in Europe/Berlin, through the config: 01:30 local is inside it on both sides
// of the spring change, and 02:30 local after the change (00:30Z, the old slot) is not.
func TestRecurringWindowAcrossDSTThroughTheConfig(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 27, 1, 0, 0, 0, berlin)
	slo := availability(MaintenanceWindow{Start: start, Duration: Duration(time.Hour), Recurrence: "FREQ=DAILY", TimeZone: "Europe/Berlin", Reason: "nightly"})
	c := newTestConnector(t, baseConfig(slo))
	for _, at := range []struct {
		utc      time.Time
		excluded bool
	}{
		{time.Date(2026, 3, 28, 0, 30, 0, 0, time.UTC), true},   // 01:30 CET
		{time.Date(2026, 3, 29, 23, 30, 0, 0, time.UTC), true},  // 01:30 CEST on 30 March
		{time.Date(2026, 3, 30, 0, 30, 0, 0, time.UTC), false},  // 02:30 CEST: the UTC slot of winter, now outside
		{time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), false}, // 00:30 CET on 29 March
	} {
		c.now = func() time.Time { return at.utc }
		before := points(c.buildMetrics(at.utc))[excludedKey("nightly")]
		if err := c.ConsumeTraces(context.Background(), entryRequests("checkout", 1, true, at.utc, 1)); err != nil {
			t.Fatal(err)
		}
		got := points(c.buildMetrics(at.utc))[excludedKey("nightly")] - before
		if (got == 1) != at.excluded {
			t.Errorf("%v (%v local): excluded %v, want %v", at.utc, at.utc.In(berlin), got, at.excluded)
		}
	}
}

// A restart in the middle of a window the connector already knew: nothing is taken back as a
// correction (the window's events were excluded as they came), the window goes on excluding,
// and a late span (past max_lateness, counted in slo.events only) inside it is excluded too.
func TestRestartInsideAKnownWindowAndLateSpans(t *testing.T) {
	store := &memStorage{kv: map[string][]byte{}}
	clock := testNow.Truncate(time.Second)
	// It starts mid-bucket: a correction would take the healthy second before it back.
	w := MaintenanceWindow{Start: clock.Add(30500 * time.Millisecond), Duration: Duration(time.Hour), Reason: "db-upgrade"}
	start := func() outageRun {
		c := newTestConnector(t, baseConfig(availability(w)))
		c.now = func() time.Time { return clock }
		c.storage = store
		c.restore(context.Background())
		c.applyCorrections(clock)
		return outageRun{t: t, c: c, clock: &clock}
	}
	r := start()
	for range 60 { // 30 s healthy, then 30 s failing inside the window
		r.second(10, clock.Sub(testNow) >= 30*time.Second)
	}
	if err := r.c.checkpoint(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	r = start()
	if cs := r.c.slos[0].series["checkout"].state.Corrections(); len(cs) != 0 {
		t.Fatalf("a restart inside a known window applied it as a correction: %+v", cs)
	}
	got := r.second(10, true)
	// the spans that ended at +31 s … +60 s before the restart, and one second after it
	if got[budgetKey] != 1 || got[badTotalKey] != 0 || got[excludedKey("db-upgrade")] != 310 {
		t.Errorf("after the restart: budget %v, bad %v, excluded %v; want 1, 0, 310", got[budgetKey], got[badTotalKey], got[excludedKey("db-upgrade")])
	}
	clock = clock.Add(10 * time.Minute)
	late := entryRequests("checkout", 4, true, clock.Add(-7*time.Minute), 9) // past max_lateness (5m), inside the window
	if err := r.c.ConsumeTraces(context.Background(), late); err != nil {
		t.Fatal(err)
	}
	got = points(r.c.buildMetrics(clock))
	if got[badTotalKey] != 0 || got[excludedKey("db-upgrade")] != 314 {
		t.Errorf("late spans inside the window: bad %v, excluded %v; want 0 and 314", got[badTotalKey], got[excludedKey("db-upgrade")])
	}
}

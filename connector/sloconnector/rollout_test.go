package sloconnector

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// nodeRequests shapes requests as the Node SDK's auto-instrumentation does: the server span
// only says 500; the exception is an event of the child span that threw.
func nodeRequests(n int, version string, failEvery int, end time.Time, seed byte) ptrace.Traces {
	td, spans := checkoutTraces(version)
	for i := 0; i < n; i++ {
		trace := pcommon.TraceID{seed, byte(i), byte(i >> 8), 2}
		if i%2 == 1 { // a healthy route beside it
			serverSpan(spans, trace, pcommon.SpanID{seed, byte(i), byte(i >> 8), 3}, "/browse", end)
			continue
		}
		server := serverSpan(spans, trace, pcommon.SpanID{seed, byte(i), byte(i >> 8), 1}, "/pay", end)
		failed := failEvery > 0 && i%failEvery == 0
		if failed {
			server.Status().SetCode(ptrace.StatusCodeError)
			server.Attributes().PutInt("http.response.status_code", 500)
		}
		child := spans.AppendEmpty()
		child.SetTraceID(trace)
		child.SetSpanID(pcommon.SpanID{seed, byte(i), byte(i >> 8), 2})
		child.SetParentSpanID(server.SpanID())
		child.SetName("charge-card")
		child.SetKind(ptrace.SpanKindInternal)
		child.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-15 * time.Millisecond)))
		child.SetEndTimestamp(pcommon.NewTimestampFromTime(end.Add(-5 * time.Millisecond)))
		if failed {
			child.Status().SetCode(ptrace.StatusCodeError)
			ev := child.Events().AppendEmpty()
			ev.SetName("exception")
			ev.Attributes().PutStr("exception.type", "PaymentGatewayError")
		}
	}
	return td
}

// A rollout as a user runs it: v1.4.0 healthy, v1.5.0 failing half of /pay with the exception
// on the child span, then a rollback to v1.4.0. The trigger is v1.5.0, the rollback shows as
// remediation, the factors name the child's exception type and span, and the recovery is the
// first emit after the rollback.
func TestRolloutTriggerRollbackAndChildExceptions(t *testing.T) {
	clock := testNow
	// test_seconds windows (5m is 5 s) over a 12h period: the google factors (14.4, 6) again.
	cfg := baseConfig(SLO{Name: "availability", Objective: 99.9, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"},
		Window: Window{Rolling: Duration(12 * time.Hour)}, Alerting: Alerting{Profile: profileTestSeconds}})
	c, logs := startIncidentConnector(t, cfg, &clock)
	step := func(version string, failEvery int, seconds int) {
		for range seconds {
			clock = clock.Add(time.Second)
			if err := c.ConsumeTraces(context.Background(), nodeRequests(400, version, failEvery, clock, byte(clock.Second()))); err != nil {
				t.Fatal(err)
			}
			c.emit(context.Background())
		}
	}
	step("1.4.0", 0, 40)
	deployAt := clock.Add(time.Second)
	step("1.5.0", 2, 40)
	rollbackAt := clock.Add(time.Second)
	step("1.4.0", 0, 120)

	records := incidentRecords(logs)
	if n := len(records["slo.incident.opened"]); n != 1 {
		t.Fatalf("%d opened records, want 1", n)
	}
	opened := records["slo.incident.opened"][0].Attributes()
	if v, _ := opened.Get("incident.trigger.version"); v.Str() != "1.5.0" {
		t.Errorf("trigger %q, want 1.5.0", v.Str())
	}
	factors, _ := opened.Get("incident.contributing_factors")
	joined := strings.Join(func() []string {
		var out []string
		for _, f := range factors.Slice().AsRaw() {
			out = append(out, f.(string))
		}
		return out
	}(), "; ")
	for _, want := range []string{"exception.type=PaymentGatewayError", "error.span.name=charge-card"} {
		if !strings.Contains(joined, want) {
			t.Errorf("factors %q lack %s", joined, want)
		}
	}
	incs := c.incidents.tracker.Incidents()
	if len(incs) != 1 || incs[0].Open() {
		t.Fatalf("incidents %+v", incs)
	}
	inc := incs[0]
	if d, ok := inc.Trigger(); !ok || d.Version != "1.5.0" || !d.At.Equal(deployAt) {
		t.Errorf("trigger %+v, want 1.5.0 at %v", d, deployAt)
	}
	var rollback bool
	for _, d := range inc.Deployments {
		rollback = rollback || (d.Rollback && d.Version == "1.4.0" && d.At.Equal(rollbackAt))
	}
	if !rollback {
		t.Errorf("no rollback to 1.4.0 at %v in %+v", rollbackAt, inc.Deployments)
	}
	// The first interval wholly after the rollback is clean: it starts at the emit after
	// rollbackAt's interval, within one emit of the rollback.
	if d := inc.Recovered.Sub(rollbackAt); d < -time.Second || d > time.Second {
		t.Errorf("recovered %v, %v after the rollback at %v", inc.Recovered, d, rollbackAt)
	}
	if !inc.Resolved.After(inc.Recovered) {
		t.Errorf("resolved %v before the recovery %v", inc.Resolved, inc.Recovered)
	}
	drafts, _ := filepath.Glob(filepath.Join(cfg.IncidentsDir, "*.md"))
	if len(drafts) != 1 {
		t.Fatalf("drafts %v", drafts)
	}
	if st, err := os.Stat(drafts[0]); err != nil || st.Mode().Perm()&0o044 != 0o044 {
		t.Errorf("draft mode %v (%v): want readable by the team (0644 before the umask)", st.Mode(), err)
	}
}

// startIncidentConnector starts a connector whose emits the test drives, on the test's clock,
// with its incident records in the returned sink and its drafts in a temporary directory.
func startIncidentConnector(t *testing.T, cfg *Config, clock *time.Time) (*sloConnector, *consumertest.LogsSink) {
	t.Helper()
	cfg.EmitInterval = time.Hour
	cfg.IncidentsDir = t.TempDir()
	c := newTestConnector(t, cfg)
	c.now = func() time.Time { return *clock }
	logs := new(consumertest.LogsSink)
	c.logs = logs
	if err := c.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c, logs
}

// serverSpan appends a SERVER span of route ending at end.
func serverSpan(spans ptrace.SpanSlice, trace pcommon.TraceID, id pcommon.SpanID, route string, end time.Time) ptrace.Span {
	s := spans.AppendEmpty()
	s.SetTraceID(trace)
	s.SetSpanID(id)
	s.SetName("POST " + route)
	s.SetKind(ptrace.SpanKindServer)
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-20 * time.Millisecond)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
	s.Attributes().PutStr("http.route", route)
	return s
}

package sloconnector

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// stateHost is a host with one sre_state extension.
type stateHost struct {
	component.Host
	board *srestate.Board
}

type stateExt struct {
	component.StartFunc
	component.ShutdownFunc
	board *srestate.Board
}

func (e stateExt) SREState() *srestate.Board { return e.board }

func (h stateHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{component.MustNewID("sre_state"): stateExt{board: h.board}}
}

// requests builds n server spans of checkout at version, alternating /pay and /browse, ending
// at end; /pay fails when failPay.
func requests(n int, version string, failPay bool, end time.Time, seed byte) ptrace.Traces {
	td, spans := checkoutTraces(version)
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID(pcommon.TraceID{seed, byte(i), byte(i >> 8), 1})
		s.SetSpanID(pcommon.SpanID{seed, byte(i), byte(i >> 8), 1})
		s.SetKind(ptrace.SpanKindServer)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-10 * time.Millisecond)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		route := []string{"/pay", "/browse"}[i%2]
		s.Attributes().PutStr("http.route", route)
		if failPay && route == "/pay" {
			s.Status().SetCode(ptrace.StatusCodeError)
			ev := s.Events().AppendEmpty()
			ev.SetName("exception")
			ev.Attributes().PutStr("exception.type", "PaymentDeclined")
		}
	}
	return td
}

// checkoutTraces is an empty batch of the checkout service at version.
func checkoutTraces(version string) (ptrace.Traces, ptrace.SpanSlice) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("service.version", version)
	return td, rs.ScopeSpans().AppendEmpty().Spans()
}

func incidentRecords(sink *consumertest.LogsSink) map[string][]plog.LogRecord {
	out := map[string][]plog.LogRecord{}
	for _, ld := range sink.AllLogs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			lrs := ld.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				out[lrs.At(k).EventName()] = append(out[lrs.At(k).EventName()], lrs.At(k))
			}
		}
	}
	return out
}

// Both forms of one connector ID share one connector: a batch is counted once, the logs form
// carries the incident records, and the board, the draft and the records agree.
func TestIncidentThroughBothForms(t *testing.T) {
	clock := testNow
	cfg := baseConfig(SLO{Name: "availability", Objective: 99.9, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}, Alerting: Alerting{Profile: profileTestSeconds}})
	cfg.EmitInterval = time.Hour // emits are driven by the test
	id := component.MustNewID("sre_state")
	cfg.State = &id
	cfg.IncidentsDir = filepath.Join(t.TempDir(), "incidents")
	for i := range cfg.SLOs {
		cfg.SLOs[i].applyDefaults()
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	factory := NewFactory()
	set := connectortest.NewNopSettings(metadata.Type)
	metrics, logs := new(consumertest.MetricsSink), new(consumertest.LogsSink)
	mForm, err := factory.CreateTracesToMetrics(context.Background(), set, cfg, metrics)
	if err != nil {
		t.Fatal(err)
	}
	lForm, err := factory.CreateTracesToLogs(context.Background(), set, cfg, logs)
	if err != nil {
		t.Fatal(err)
	}
	c := mForm.(*connectorForm).Unwrap()
	if c != lForm.(*connectorForm).Unwrap() {
		t.Fatal("the two forms of one ID built two connectors")
	}
	c.now = func() time.Time { return clock }
	board := srestate.NewBoard(srestate.Limits{})
	host := stateHost{Host: componenttest.NewNopHost(), board: board}
	for _, f := range []component.Component{mForm, lForm} {
		if err := f.Start(context.Background(), host); err != nil {
			t.Fatal(err)
		}
	}
	consume := func(td ptrace.Traces) {
		for _, f := range []interface {
			ConsumeTraces(context.Context, ptrace.Traces) error
		}{mForm.(*connectorForm), lForm.(*connectorForm)} {
			if err := f.ConsumeTraces(context.Background(), td); err != nil {
				t.Fatal(err)
			}
		}
	}

	consume(requests(200, "1.0", false, clock, 1))
	c.emit(context.Background())
	if got := points(metrics.AllMetrics()[0])["slo.events{service.name=checkout,slo.name=availability,slo.outcome=good}"]; got != 200 {
		t.Fatalf("good events %v: both forms counted", got)
	}
	if len(logs.AllLogs()) != 0 || len(board.Series()) != 1 || board.Series()[0].Page {
		t.Fatalf("clean traffic: %d log batches, series %+v", len(logs.AllLogs()), board.Series())
	}
	// v2 fails on /pay for five seconds: 42 % of the 6h tier's window (30 s/360 s here) is a burn
	// of 417, past its factor of 360 (0.05 × 30 d ÷ 360 s).
	for step := range 5 {
		clock = clock.Add(time.Second)
		consume(requests(200, "2.0", true, clock, byte(10+step)))
		c.emit(context.Background())
	}
	records := incidentRecords(logs)
	if len(records["slo.incident.opened"]) != 1 {
		t.Fatalf("records %v", records)
	}
	incs := board.Incidents()
	if len(incs) != 1 || !incs[0].Open() {
		t.Fatalf("board %+v", incs)
	}
	inc := incs[0]
	if len(inc.Factors) == 0 || inc.Factors[0].Attribute != "http.route" || inc.Factors[0].Value != "/pay" {
		t.Errorf("factors %+v", inc.Factors)
	}
	if len(inc.Deployments) != 1 || inc.Deployments[0].Version != "2.0" || len(inc.Exemplars) == 0 {
		t.Errorf("deployments %+v, exemplars %v", inc.Deployments, inc.Exemplars)
	}
	lr := records["slo.incident.opened"][0]
	if v, _ := lr.Attributes().Get("incident.top_factor"); v.Str() != "http.route=/pay" {
		t.Errorf("top factor attribute %q", v.Str())
	}
	if lr.TraceID().IsEmpty() || lr.SeverityNumber() != plog.SeverityNumberError {
		t.Errorf("record trace %v severity %v", lr.TraceID(), lr.SeverityNumber())
	}

	for range 40 { // clean again until the page tiers' short windows (5 s, 30 s) hold no failure
		clock = clock.Add(time.Second)
		consume(requests(20, "2.0", false, clock, 99))
		c.emit(context.Background())
	}
	records = incidentRecords(logs)
	if len(records["slo.incident.resolved"]) != 1 || len(records["slo.incident.opened"]) != 1 {
		t.Fatalf("records after recovery: %d opened, %d resolved", len(records["slo.incident.opened"]), len(records["slo.incident.resolved"]))
	}
	if got, _ := board.Incident(inc.ID); got.Open() || got.BudgetConsumed <= 0 {
		t.Errorf("resolved on the board %+v", got)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.IncidentsDir, "*"+inc.ID+".md"))
	if len(files) != 1 {
		t.Fatalf("drafts %v", files)
	}
	draft, _ := os.ReadFile(files[0])
	if !strings.Contains(string(draft), "resolved, awaiting review") || !strings.Contains(string(draft), "`/pay`") {
		t.Errorf("draft:\n%s", draft)
	}
	for _, f := range []component.Component{mForm, lForm} {
		if err := f.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStateMustNameAnSREStateExtension(t *testing.T) {
	cfg := baseConfig(SLO{Name: "a", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
	id := component.MustNewID("sre_state")
	cfg.State = &id
	c := newTestConnector(t, cfg)
	err := c.Start(context.Background(), componenttest.NewNopHost())
	if err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("start without the extension: %v", err)
	}
}

func TestIncidentsConfigErrorsNameTheField(t *testing.T) {
	cfg := baseConfig(SLO{Name: "a", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
	for i := range cfg.SLOs {
		cfg.SLOs[i].applyDefaults()
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.IncidentsDir = file
	cfg.MergeWindow = -time.Second
	cfg.Incidents = Incidents{UpdateInterval: 0, MaxOpen: 0, MaxHistory: 1_000_000, LiftWindow: time.Millisecond,
		TopK: 0, MaxFactors: 101, MaxExemplars: 0, DeploymentLookback: 31 * 24 * time.Hour, Attributes: []string{""}}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"incidents_dir: \"" + file + "\" is a file", "merge_window: -1s", "incidents.update_interval: 0s", "incidents.max_open: 0",
		"incidents.max_history: 1000000", "incidents.lift_window: 1ms", "incidents.top_k: 0", "incidents.max_factors: 101",
		"incidents.max_exemplars: 0", "incidents.deployment_lookback: 744h0m0s", "incidents.attributes[0]: must not be empty",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	cfg = baseConfig(SLO{Name: "a", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
	for i := range cfg.SLOs {
		cfg.SLOs[i].applyDefaults()
	}
	cfg.Incidents.Attributes = []string{"tenant", "http.route"}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults with extra attributes: %v", err)
	}
	if got := strings.Join(cfg.Incidents.liftAttributes(), ","); got != "http.route,http.response.status_code,exception.type,error.span.name,k8s.pod.name,service.version,tenant" {
		t.Errorf("lift attributes %s", got)
	}
}

// With group_by the failing route is a series of its own: the route is the series' identity,
// shown with the incident, and not listed again as a factor of its own series.
func TestGroupByValueIsTheIdentityNotAFactor(t *testing.T) {
	clock := testNow
	cfg := baseConfig(SLO{Name: "availability", Objective: 99.9, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"},
		GroupBy: []string{"http.route"}, Alerting: Alerting{Profile: profileTestSeconds, MinValidEvents: ptrTo(0.0)}})
	c, logs := startIncidentConnector(t, cfg, &clock)
	for step := range 5 {
		clock = clock.Add(time.Second)
		td := requests(400, "1.0", true, clock, byte(step))
		// one pod serves everything: it separates nothing
		rs := td.ResourceSpans().At(0)
		rs.Resource().Attributes().PutStr("k8s.pod.name", "pod-a")
		if err := c.ConsumeTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
		c.emit(context.Background())
	}
	opened := incidentRecords(logs)["slo.incident.opened"]
	if len(opened) != 1 {
		t.Fatalf("%d opened records", len(opened))
	}
	factors, _ := opened[0].Attributes().Get("incident.contributing_factors")
	for _, f := range factors.Slice().AsRaw() {
		if strings.HasPrefix(f.(string), "http.route=") {
			t.Errorf("the series' own group is a factor: %v", factors.AsRaw())
		}
	}
	if route, _ := opened[0].Attributes().Get("http.route"); route.Str() != "/pay" {
		t.Errorf("identity attribute http.route %q", route.Str())
	}
}

func ptrTo[T any](v T) *T { return &v }

package pillarsexporter

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func resourceOf(rs pcommon.Map, service, pod, zone string) {
	rs.PutStr("service.name", service)
	rs.PutStr("service.version", "1.4.0")
	rs.PutStr("deployment.environment.name", "production")
	if pod != "" {
		rs.PutStr("k8s.pod.name", pod)
		rs.PutStr("cloud.availability_zone", zone)
	}
}

// checkoutTraces is one request of checkout on pod: a SERVER span, a CLIENT span to the
// cart service with the given span ID, and (with deploy) a CI/CD deploy span.
func checkoutTraces(pod, zone string, client pcommon.SpanID, deploy bool, at time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	resourceOf(rs.Resource().Attributes(), "checkout", pod, zone)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	srv := spans.AppendEmpty()
	srv.SetKind(ptrace.SpanKindServer)
	srv.SetTraceID(pcommon.TraceID{1})
	srv.SetSpanID(pcommon.SpanID{9})
	srv.SetStartTimestamp(pcommon.NewTimestampFromTime(at.Add(-20 * time.Millisecond)))
	srv.SetEndTimestamp(pcommon.NewTimestampFromTime(at))
	cl := spans.AppendEmpty()
	cl.SetKind(ptrace.SpanKindClient)
	cl.SetSpanID(client)
	cl.SetEndTimestamp(pcommon.NewTimestampFromTime(at))
	if deploy {
		d := spans.AppendEmpty()
		d.SetName("deploy checkout")
		d.Attributes().PutStr("cicd.pipeline.task.type", "deploy")
		d.Attributes().PutStr("vcs.ref.head.revision", "9f1c2e")
		d.Attributes().PutStr("vcs.change.id", "PR-1412")
		d.Attributes().PutStr("github.event_name", "push")
		d.SetEndTimestamp(pcommon.NewTimestampFromTime(at))
	}
	return td
}

// cartServer is the cart service's SERVER span answering the CLIENT span parent.
func cartServer(parent pcommon.SpanID, at time.Time) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	resourceOf(rs.Resource().Attributes(), "cart", "", "")
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetKind(ptrace.SpanKindServer)
	s.SetParentSpanID(parent)
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(at))
	return td
}

func checkoutLogs(at time.Time) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	resourceOf(rl.Resource().Attributes(), "checkout", "checkout-a", "eu-west-1a")
	records := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range 10 {
		lr := records.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(at.Add(-time.Second)))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(at)) // read by the filelog receiver a second later
		if i < 9 {
			lr.SetTraceID(pcommon.TraceID{1})
		}
	}
	return ld
}

// cpuDelta is process.cpu.time as a delta sum and process.memory.usage, for one pod.
func cpuDelta(pod, zone string, seconds, bytes float64, at time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	resourceOf(rm.Resource().Attributes(), "checkout", pod, zone)
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	cpu := ms.AppendEmpty()
	cpu.SetName("process.cpu.time")
	sum := cpu.SetEmptySum()
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	for _, mode := range []string{"user", "system", "wait"} {
		dp := sum.DataPoints().AppendEmpty()
		dp.Attributes().PutStr("cpu.mode", mode)
		dp.SetDoubleValue(seconds)
		dp.SetTimestamp(pcommon.NewTimestampFromTime(at))
	}
	mem := ms.AppendEmpty()
	mem.SetName("process.memory.usage")
	dp := mem.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(bytes)
	dp.SetTimestamp(pcommon.NewTimestampFromTime(at))
	return md
}

func findingsOf(card *Scorecard, service string) map[string]standards.Finding {
	out := map[string]standards.Finding{}
	for _, s := range card.Services {
		if s.Identity["service.name"] == service {
			for _, f := range s.Standards {
				out[f.Check] = f
			}
		}
	}
	return out
}

func controlOf(t *testing.T, card *Scorecard, framework, id string) standards.ControlView {
	t.Helper()
	for _, c := range card.Frameworks[framework].Controls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("%s %s not on the scorecard", framework, id)
	return standards.ControlView{}
}

// Two services: checkout with logs, CPU, two pods in two zones and a traceable deploy; cart
// with traces only. The first passes what it evidences; the second fails log coverage and
// is not_applicable on redundancy; the cost per 1000 requests equals a recomputation.
func TestStandardsFromScriptedTelemetry(t *testing.T) {
	clk := &clock{time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	cfg := createDefaultConfig().(*Config)
	cfg.Standards.Pricing = PricingConfig{CPUHour: 0.036, GiBHour: 0.004, Currency: "EUR"}
	cfg.Standards.Budgets = []BudgetConfig{{Service: "checkout", Monthly: 10}}
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), clk.now)
	ctx := context.Background()
	requests, cpuSeconds, gibHours := 0.0, 0.0, 0.0
	for i := range 60 {
		at := clk.t
		pod, zone := "checkout-a", "eu-west-1a"
		if i%2 == 1 {
			pod, zone = "checkout-b", "eu-west-1b"
		}
		id := pcommon.SpanID{byte(i + 1), 7}
		_ = p.consumeTraces(ctx, checkoutTraces(pod, zone, id, i == 0, at))
		_ = p.consumeTraces(ctx, cartServer(id, at))
		requests++
		_ = p.consumeMetrics(ctx, cpuDelta(pod, zone, 1.5, 2*gib, at))
		cpuSeconds += 3 // user + system; wait is not the service's work
		if i > 1 {
			gibHours += 2 * (2 * time.Minute).Hours() // each pod's gauge held since its previous point
		}
		clk.t = clk.t.Add(time.Minute)
	}
	connectorLogs := checkoutLogs(clk.t) // the slo connector's incident records about cart: not cart's logs
	connectorLogs.ResourceLogs().At(0).ScopeLogs().At(0).Scope().SetName(slonames.Scope)
	connectorLogs.ResourceLogs().At(0).Resource().Attributes().Clear()
	connectorLogs.ResourceLogs().At(0).Resource().Attributes().PutStr("service.name", "cart")
	connectorLogs.ResourceLogs().At(0).Resource().Attributes().PutStr("deployment.environment.name", "production")
	_ = p.consumeLogs(ctx, connectorLogs)
	_ = p.consumeLogs(ctx, checkoutLogs(clk.t))
	p.evaluate()
	card := p.latest.Load()

	co := findingsOf(card, "checkout")
	for _, id := range []string{standards.CheckLogCoverage, standards.CheckLogCorrelation, standards.CheckRedundancy, standards.CheckChangeTraceability,
		standards.CheckInventory, standards.CheckDataFlows, standards.CheckRuntimeMonitoring, standards.CheckClockSkew, standards.CheckCostAllocation, standards.CheckToilManualDeploys} {
		if co[id].Status != standards.Pass {
			t.Errorf("checkout %s: %s %q", id, co[id].Status, co[id].Evidence)
		}
	}
	if f := co[standards.CheckRedundancy]; *f.Value != 2 || !strings.Contains(f.Evidence, "2 instances in 2 availability zones") {
		t.Errorf("redundancy %q", f.Evidence)
	}
	unit := co[standards.CheckUnitCost]
	want := 1000 * (cpuSeconds/3600*0.036 + gibHours*0.004) / requests
	if unit.Value == nil || math.Abs(*unit.Value-want) > 1e-9*want {
		t.Errorf("cost per 1000 requests %v, recomputed %v (%q)", unit.Value != nil && *unit.Value == want, want, unit.Evidence)
	}
	cart := findingsOf(card, "cart")
	if cart[standards.CheckLogCoverage].Status != standards.Fail || cart[standards.CheckRedundancy].Status != standards.NotApplicable {
		t.Errorf("cart: log coverage %s, redundancy %s", cart[standards.CheckLogCoverage].Status, cart[standards.CheckRedundancy].Status)
	}
	if cart[standards.CheckCostAllocation].Status != standards.Fail {
		t.Errorf("cart cost allocation %+v", cart[standards.CheckCostAllocation])
	}
	if c := controlOf(t, card, standards.NISTCSF2, "PR.PS-04"); c.Status != standards.Fail || c.Findings[0].Service != "cart/production" {
		t.Errorf("PR.PS-04 %s %+v", c.Status, c.Findings)
	}
	if c := controlOf(t, card, standards.ISO27001, "8.17"); c.Status != standards.Pass {
		t.Errorf("8.17 %s %q", c.Status, c.Summary)
	}
	if c := controlOf(t, card, standards.NISTCSF2, "GV.OC-01"); c.Status != standards.NotMeasurable {
		t.Errorf("GV.OC-01 %s", c.Status)
	}
	gv := card.Frameworks[standards.NISTCSF2].Groups[0]
	if gv.ID != "GV" || gv.Measured != 0 || gv.NotMeasurable != 31 {
		t.Errorf("Govern coverage %+v", gv)
	}
	if len(card.CostBudgets) != 1 || !card.CostBudgets[0].Forecast.Known || card.CostBudgets[0].Name != "checkout" {
		t.Errorf("budgets %+v", card.CostBudgets)
	}

	graph := p.latestGraph.Load()
	if len(graph.Edges) != 1 || graph.Edges[0] != (EdgeJSON{From: "checkout", To: "cart", Kind: "traced", Calls: 60, LastSeen: graph.Edges[0].LastSeen}) {
		t.Errorf("graph %+v", graph.Edges)
	}
}

func TestStandardsPagesAndExports(t *testing.T) {
	clk := &clock{time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	cfg := createDefaultConfig().(*Config)
	cfg.Standards.Exemptions = []ExemptionConfig{{Framework: standards.ISO27001, Control: "8.15", Reason: "logs ship via the host agent", Expires: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}}
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), clk.now)
	p.version = "0.1.0-test"
	_ = p.consumeTraces(context.Background(), checkoutTraces("", "", pcommon.SpanID{1}, false, clk.t))
	p.evaluate()

	index := serve(t, p, "/standards")
	for _, s := range []string{`data-framework="nist_csf_2"`, `data-measured="22"`, `data-not-measurable="84"`, `href="/standards/iso_27001_2022.csv"`} {
		if !strings.Contains(index.Body.String(), s) {
			t.Errorf("/standards lacks %s", s)
		}
	}
	var idx struct {
		Frameworks []standards.View `json:"frameworks"`
	}
	if err := json.Unmarshal(serve(t, p, "/standards.json").Body.Bytes(), &idx); err != nil || len(idx.Frameworks) != 5 || idx.Frameworks[0].Coverage.NotMeasurable != 84 {
		t.Errorf("/standards.json: %v %+v", err, idx)
	}
	page := serve(t, p, "/standards/iso_27001_2022").Body.String()
	if !strings.Contains(page, `data-control="8.15"`) || !strings.Contains(page, "exempt until 2026-12-31: logs ship via the host agent") {
		t.Errorf("ISO page lacks the exemption")
	}
	rows, err := csv.NewReader(serve(t, p, "/standards/iso_27001_2022.csv").Body).ReadAll()
	if err != nil || len(rows) != 94 || rows[0][0] != "framework" || rows[0][17] != "collector_version" {
		t.Fatalf("CSV: %v, %d rows, header %v", err, len(rows), rows[0])
	}
	for _, r := range rows[1:] {
		if r[1] == "8.15" && (r[4] != "exempt" || r[12] != "logs ship via the host agent" || r[13] != "2026-12-31" || r[17] != "0.1.0-test") {
			t.Errorf("8.15 row %v", r)
		}
	}
	md := serve(t, p, "/standards/nist_csf_2.md").Body.String()
	if !strings.HasPrefix(md, "# NIST Cybersecurity Framework 2.0\n") || !strings.Contains(md, "otelcol-sre 0.1.0-test") || !strings.Contains(md, "| PR.PS-04 |") {
		t.Errorf("markdown:\n%.400s", md)
	}
	var view struct {
		View standards.View `json:"framework"`
	}
	if err := json.Unmarshal(serve(t, p, "/standards/dora.json").Body.Bytes(), &view); err != nil || len(view.View.Controls) != 5 {
		t.Errorf("dora.json: %v %+v", err, view.View)
	}
	if rec := serve(t, p, "/standards/soc2"); rec.Code != 404 || !strings.Contains(rec.Body.String(), "nist_csf_2") {
		t.Errorf("unknown framework: %d %s", rec.Code, rec.Body.String())
	}
	if rec := serve(t, p, "/standards/dora.pdf"); rec.Code != 404 {
		t.Errorf("unknown format: %d", rec.Code)
	}
	// Clients check the scorecard for "NaN" and "Inf" as text: the catalogue's titles
	// ("Information security …") stay on /standards.
	card := serve(t, p, "/scorecard.json").Body.String()
	for _, bad := range []string{"NaN", "Inf", "Information security"} {
		if strings.Contains(card, bad) {
			t.Errorf("/scorecard.json holds %s", bad)
		}
	}
	if !strings.Contains(serve(t, p, "/standards/iso_27001_2022.json").Body.String(), `"Information security roles and responsibilities"`) {
		t.Error("/standards/iso_27001_2022.json lacks the titles")
	}
	var sc Scorecard
	if err := json.Unmarshal([]byte(card), &sc); err != nil || len(sc.StandardsChecks) != len(standards.Rules) {
		t.Fatalf("scorecard: %v, %d standards checks", err, len(sc.StandardsChecks))
	}
	for _, c := range sc.StandardsChecks {
		if c.ID == standards.CheckClockSkew && (c.Pass == "" || c.References[standards.ISO27001][0] != "8.17") {
			t.Errorf("clock skew explained as %+v", c)
		}
	}
	for _, c := range sc.Services[0].Checks {
		if c.ID == "security.tls" && (c.StandardsReferences[standards.NISTCSF2][0] != "PR.DS-02" || c.StandardsReferences[standards.ISO27001][0] != "8.24") {
			t.Errorf("security.tls references %v", c.StandardsReferences)
		}
	}
	if !strings.Contains(serve(t, p, "/scorecard").Body.String(), "nist_csf_2 PR.DS-02") {
		t.Error("the scorecard page lacks the standards references")
	}
	for _, path := range []string{"/standards/nist_csf_2.md", "/standards/nist_csf_2.csv", "/standards/nist_csf_2.json", "/scorecard.json", "/standards"} {
		if m := standards.WithdrawnCSF.FindString(serve(t, p, path).Body.String()); m != "" {
			t.Errorf("%s carries the withdrawn CSF 1.1 ID %s", path, m)
		}
	}
	metrics := serve(t, p, "/metrics").Body.String()
	for _, s := range []string{`compliance_control_status{control="8.15",framework="iso_27001_2022",status="exempt"} 1`,
		`compliance_controls{framework="nist_csf_2",group="GV",measurable="false"} 31`,
		`compliance_controls_by_status{framework="google_sre",status="not_measurable"} 2`} {
		if !strings.Contains(metrics, s) {
			t.Errorf("/metrics lacks %s", s)
		}
	}
	if strings.Contains(metrics, `control="GV.OC-01"`) {
		t.Error("a not-measurable control has a status series")
	}
}

// A sender's attributes bound what the standards state holds: resource series per service,
// graph edges and the spans waiting for their other end.
func TestStandardsStateIsBoundedAgainstHostileCardinality(t *testing.T) {
	clk := &clock{time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), clk.now)
	ctx := context.Background()
	md := cpuDelta("checkout-a", "eu-west-1a", 1, gib, clk.t)
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	for i := range 1000 {
		dp := dps.AppendEmpty()
		dp.Attributes().PutStr("cpu.mode", "user")
		dp.Attributes().PutStr("thread", strings.Repeat("x", 1000)+string(rune('a'+i%26))+strings.Repeat("y", i))
		dp.SetDoubleValue(1)
	}
	cumulative := pmetric.NewMetrics() // the same points as a cumulative counter: each series held
	md.CopyTo(cumulative)
	cumulative.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	_ = p.consumeMetrics(ctx, md)
	_ = p.consumeMetrics(ctx, cumulative)
	var s *serviceState
	for _, st := range p.services {
		s = st
	}
	if len(s.std.series) != maxSeries || p.refusedSeries != 1000+3+1-maxSeries {
		t.Errorf("%d series held, %d refused", len(s.std.series), p.refusedSeries)
	}
	// Delta points add as sent, held or not (user and system: 2, and the 1000 hostile ones);
	// a cumulative series' first point adds nothing.
	if got := s.std.usage.At(clk.t).CPUSeconds; got != 1002 {
		t.Errorf("%v CPU-seconds booked, want 1002", got)
	}

	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	resourceOf(rs.Resource().Attributes(), "checkout", "", "")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := range maxEdges + 100 {
		sp := spans.AppendEmpty()
		sp.SetKind(ptrace.SpanKindClient)
		sp.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), 1})
		sp.Attributes().PutStr("server.address", "host-"+strings.Repeat("z", i%7)+string(rune(i)))
	}
	for i := range maxPending + 10 { // peerless CLIENT spans wait for their SERVER span, FIFO
		sp := spans.AppendEmpty()
		sp.SetKind(ptrace.SpanKindClient)
		sp.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), byte(i >> 16), 2})
	}
	_ = p.consumeTraces(ctx, td)
	if len(p.graph.edges) != maxEdges || p.graph.dropped == 0 {
		t.Errorf("%d edges, %d dropped", len(p.graph.edges), p.graph.dropped)
	}
	if len(p.graph.clients.m) != maxPending || len(p.graph.clients.ring) != maxPending {
		t.Errorf("%d pending CLIENT spans (ring %d), want %d", len(p.graph.clients.m), len(p.graph.clients.ring), maxPending)
	}
	if _, ok := p.graph.clients.m[spanKey(pcommon.SpanID{0, 0, 0, 2})]; ok {
		t.Error("the oldest pending span was kept past the bound")
	}
	p.evaluate()
	if got := p.latest.Load().Limits.RefusedSeries; got == 0 {
		t.Error("refused series not reported in limits")
	}
}

// The README's table lists every control a check evidences, and nothing else as evidenced.
func TestREADMEListsEveryFrameworkReference(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	rows := 0
	for _, f := range standards.Catalogue() {
		for _, c := range f.Controls {
			row := "| " + f.ID + " | " + c.ID + " "
			if len(c.Checks) == 0 {
				if strings.Contains(text, row) {
					t.Errorf("README lists %s %s as evidenced; it is not measurable", f.ID, c.ID)
				}
				continue
			}
			rows++
			i := strings.Index(text, row)
			if i < 0 {
				t.Errorf("README lacks %s %s", f.ID, c.ID)
				continue
			}
			line := text[i : i+strings.Index(text[i:], "\n")]
			for _, id := range c.Checks {
				if !strings.Contains(line, "`"+id+"`") {
					t.Errorf("README row %q lacks %s", line, id)
				}
			}
		}
	}
	if rows != 50 {
		t.Errorf("%d evidenced controls", rows)
	}
}

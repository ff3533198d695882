package pillarsexporter

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Missing attributes and odd types lower coverage; they never crash or invent a score.
func TestOddInputGivesCoverageNotCrashes(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), time.Now)
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "odd")
	rs.Resource().Attributes().PutInt("service.version", 7)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	s := spans.AppendEmpty()
	s.SetKind(ptrace.SpanKindServer)
	s.Attributes().PutStr("http.response.status_code", "not-a-number")
	s.Attributes().PutInt("url.scheme", 443)
	s.Attributes().PutEmptyMap("cicd.pipeline.task.type")
	s.TraceState().FromRaw("ot=th:zz;;")
	orphan := td.ResourceSpans().AppendEmpty() // no service.name: ignored
	orphan.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	_ = p.consumeTraces(context.Background(), td)

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "odd")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr("event.name", "deployment")
	lr.Attributes().PutDouble("vcs.ref.head.revision.timestamp", 1e18)
	lr2 := rl.ScopeLogs().At(0).LogRecords().AppendEmpty()
	lr2.Attributes().PutStr("event.name", "incident")
	lr2.Attributes().PutStr("incident.state", "resolved") // never opened
	_ = p.consumeLogs(context.Background(), ld)

	md := pmetric.NewMetrics()
	m := sloScope(md.ResourceMetrics().AppendEmpty().ScopeMetrics()).AppendEmpty()
	m.SetName("slo.error_budget.remaining")
	m.SetEmptyHistogram() // wrong kind: skipped
	_ = p.consumeMetrics(context.Background(), md)

	p.evaluate()
	if len(p.latest.Load().Services) != 1 {
		t.Fatalf("services %+v", p.latest.Load().Services)
	}
	svc := p.latest.Load().Services[0]
	for _, fw := range svc.Frameworks {
		for _, pl := range fw.Pillars {
			if pl.Status == "" || pl.Coverage < 0 || pl.Coverage > 1 {
				t.Errorf("%s %s: %+v", fw.Framework, pl.Pillar, pl)
			}
			if pl.Score != nil && (*pl.Score < 0 || *pl.Score > 100) {
				t.Errorf("%s %s score %v", fw.Framework, pl.Pillar, *pl.Score)
			}
		}
	}
	for _, c := range svc.Checks {
		if c.ID == "cost.idle_capacity" && c.Result != "insufficient_data" {
			t.Errorf("idle capacity scored without host metrics: %+v", c)
		}
	}
}

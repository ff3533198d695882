package pillarsexporter

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// NaN and ±Inf on every numeric input the scorer reads: metric points (slo.*, CPU), span
// attributes, timestamps, commit times. The scorecard stays valid JSON with every service, and
// the refused points are counted.
func TestNonFiniteInputsKeepTheScorecardValid(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), time.Now)
	ctx := context.Background()
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	services := []string{"a", "b", "c"}
	md := pmetric.NewMetrics()
	for _, svc := range services {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", svc)
		ms := rm.ScopeMetrics().AppendEmpty().Metrics()
		for _, name := range []string{"slo.error_budget.remaining", "slo.error_budget.exhaustion", "slo.alert.active", "slo.window.events",
			"slo.period.compliance", "process.cpu.utilization", "container.cpu.utilization", "k8s.pod.cpu.utilization"} {
			g := ms.AppendEmpty()
			g.SetName(name)
			g.SetEmptyGauge()
			for _, v := range bad {
				dp := g.Gauge().DataPoints().AppendEmpty()
				dp.Attributes().PutStr("slo.name", "x")
				dp.Attributes().PutStr("slo.window", "1h")
				dp.Attributes().PutStr("slo.alert.severity", "page")
				dp.SetDoubleValue(v)
			}
		}
	}
	_ = p.consumeMetrics(ctx, md)

	td := ptrace.NewTraces()
	for _, svc := range services {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for _, v := range bad {
			s := spans.AppendEmpty()
			s.SetKind(ptrace.SpanKindServer)
			s.Attributes().PutDouble("http.response.status_code", v)
			s.Attributes().PutDouble("vcs.ref.head.revision.timestamp", v)
			s.Attributes().PutStr("cicd.pipeline.task.type", "deploy")
			s.SetStartTimestamp(pcommon.Timestamp(math.MaxUint64))
			s.SetEndTimestamp(0)
		}
	}
	_ = p.consumeTraces(ctx, td)

	ld := plog.NewLogs()
	for _, svc := range services {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", svc)
		for _, v := range bad {
			lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
			lr.Attributes().PutStr("event.name", "deployment")
			lr.Attributes().PutDouble("vcs.ref.head.revision.timestamp", v)
			lr.Attributes().PutDouble("service.version", v)
		}
	}
	_ = p.consumeLogs(ctx, ld)

	p.evaluate()
	card := p.latest.Load()
	if _, err := json.Marshal(card); err != nil {
		t.Fatalf("scorecard does not encode: %v", err)
	}
	if len(card.Services) != len(services) {
		t.Fatalf("%d services on the scorecard, want %d", len(card.Services), len(services))
	}
	// 8 metrics × 3 points × 3 services, all refused.
	if card.Limits.DroppedPoints != 72 {
		t.Errorf("dropped points %d, want 72", card.Limits.DroppedPoints)
	}
	for _, svc := range card.Services {
		for _, c := range svc.Checks {
			for _, v := range []*float64{c.Value, c.Score} {
				if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
					t.Errorf("%v %s: non-finite %v", svc.Identity, c.ID, *v)
				}
			}
		}
	}
}

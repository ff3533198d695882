package pillarsexporter

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
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
	services := []string{"a", "b", "c"}
	feed(p, services, []float64{math.NaN(), math.Inf(1), math.Inf(-1)})
	card := checkFinite(t, p, len(services))
	// 9 metrics × 3 values × 2 windows × 3 services, all refused.
	if card.Limits.DroppedPoints != 162 {
		t.Errorf("dropped points %d, want 162", card.Limits.DroppedPoints)
	}
}

// Finite values can still overflow a sum or underflow a denominator: a huge CPU utilisation
// once left /scorecard.json empty, a subnormal window count put non-finite text into it.
func TestHugeAndSubnormalFiniteInputsKeepTheScorecardFinite(t *testing.T) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	services := []string{"a", "b", "c"}
	hostile := []float64{1.7e308, math.MaxFloat64, -1.7e308, 5e-324, -5e-324, math.SmallestNonzeroFloat64 * 3, 0}
	for range 3 { // repeated, so sums over evaluations overflow too
		feed(p, services, hostile)
		checkFinite(t, p, len(services))
	}
	// Only counts and an objective, as a sharded connector sends them: the estimate's
	// denominator (1 − objective) × valid underflows to zero.
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "d")
	ms := sloScope(rm.ScopeMetrics())
	gauge := func(name string, v float64, kv ...string) {
		dp := ms.AppendEmpty()
		dp.SetName(name)
		pt := dp.SetEmptyGauge().DataPoints().AppendEmpty()
		pt.SetDoubleValue(v)
		pt.Attributes().PutStr("slo.name", "x")
		for i := 0; i+1 < len(kv); i += 2 {
			pt.Attributes().PutStr(kv[i], kv[i+1])
		}
	}
	gauge("slo.objective", 0.999)
	gauge("slo.window.events", 5e-324, "slo.window", "period", "slo.outcome", "bad")
	gauge("slo.window.events", 5e-324, "slo.window", "period", "slo.outcome", "good")
	_ = p.consumeMetrics(context.Background(), md)
	card := checkFinite(t, p, len(services)+1)
	for _, svc := range card.Services {
		if svc.Identity["service.name"] == "d" {
			if b, ok := svc.ErrorBudgets["x"]; ok {
				t.Errorf("a budget from an underflowing denominator: %v, want none (insufficient data)", b)
			}
		}
	}
	rec := httptest.NewRecorder()
	p.metricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasSuffix(line, " NaN") || strings.HasSuffix(line, "Inf") {
			t.Errorf("/metrics: %s", line)
		}
	}
}

// checkFinite evaluates and asserts that the scorecard encodes and every number in it is finite.
func checkFinite(t *testing.T, p *pillars, services int) *Scorecard {
	t.Helper()
	p.evaluate()
	card := p.latest.Load()
	b, err := json.Marshal(card)
	if err != nil {
		t.Fatalf("scorecard does not encode: %v", err)
	}
	if len(card.Services) != services {
		t.Fatalf("%d services on the scorecard, want %d", len(card.Services), services)
	}
	var anyJSON any
	if err := json.Unmarshal(b, &anyJSON); err != nil {
		t.Fatalf("scorecard JSON does not parse: %v", err)
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
	return card
}

// feed sends every kind of input pillars reads, each carrying each of values.
func feed(p *pillars, services []string, bad []float64) {
	ctx := context.Background()
	md := pmetric.NewMetrics()
	for _, svc := range services {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", svc)
		ms := sloScope(rm.ScopeMetrics())
		for _, name := range []string{"slo.error_budget.remaining", "slo.error_budget.exhaustion", "slo.alert.active", "slo.window.events",
			"slo.period.compliance", "slo.objective", "process.cpu.utilization", "container.cpu.utilization", "k8s.pod.cpu.utilization"} {
			g := ms.AppendEmpty()
			g.SetName(name)
			g.SetEmptyGauge()
			for _, v := range bad {
				for _, window := range []string{"1h", "period"} {
					dp := g.Gauge().DataPoints().AppendEmpty()
					dp.Attributes().PutStr("slo.name", "x")
					dp.Attributes().PutStr("slo.window", window)
					dp.Attributes().PutStr("slo.alert.severity", "page")
					dp.SetDoubleValue(v)
				}
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

}

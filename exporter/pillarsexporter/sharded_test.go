package pillarsexporter

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// A sharded slo connector sends counts and the objective only: the budget is this replica's
// estimate from the period's events, and the generated rules count as alerting that can fire
// once the 1h window holds min_events.
func TestShardedConnectorIsScoredFromItsEstimate(t *testing.T) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	md := pmetric.NewMetrics()
	ms := sloScope(md.ResourceMetrics().AppendEmpty().ScopeMetrics())
	point := func(name string, v float64, kv ...string) {
		m := ms.AppendEmpty()
		m.SetName(name)
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetDoubleValue(v)
		a := dp.Attributes()
		a.PutStr("service.name", "api")
		a.PutStr("slo.name", "availability")
		a.PutStr("collector.instance.id", "replica-1")
		for i := 0; i+1 < len(kv); i += 2 {
			a.PutStr(kv[i], kv[i+1])
		}
	}
	point("slo.objective", 0.99)
	point("slo.window.events", 9_950, "slo.window", "period", "slo.outcome", "good")
	point("slo.window.events", 50, "slo.window", "period", "slo.outcome", "bad")
	point("slo.window.events", 190, "slo.window", "1h", "slo.outcome", "good")
	point("slo.window.events", 10, "slo.window", "1h", "slo.outcome", "bad")
	_ = p.consumeMetrics(context.Background(), md)
	p.evaluate()
	card := p.latest.Load()
	if len(card.Services) != 1 {
		t.Fatalf("services %+v", card.Services)
	}
	svc := card.Services[0]
	for _, c := range svc.Checks {
		if c.ID != "reliability.error_budget" {
			continue
		}
		// 1 − 50 ÷ (0.01 × 10 000) = 0.5 left: a pass, from the replica's estimate.
		if c.Result != "pass" || !strings.Contains(strings.Join(c.Inputs, " "), "50.0 %") || !strings.Contains(strings.Join(c.Inputs, " "), "replica's estimate") {
			t.Errorf("budget check %+v", c)
		}
	}
	if svc.Maturity.Level != 3 {
		t.Errorf("maturity %d, want 3 (an SLO with data, rules that can fire on 200 events)", svc.Maturity.Level)
	}
}

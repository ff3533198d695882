package sloconnector

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The generator reads no clock: a calendar SLO's rules carry no date-dependent number.
func TestCalendarRulesDoNotDependOnTheDate(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Topology = topologySharded
	cfg.SLOs = []SLO{{Name: "cal", Service: "svc", Objective: 99.9, Window: Window{Calendar: "month", Timezone: "Europe/Berlin"},
		SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}}
	out, err := cfg.PrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	rules := string(out)
	for _, frozen := range []string{"13.44", "14.4 ", "14.88", "ratio_rate31d", "ratio_rate28d", "vector(31)", "vector(30)"} {
		if strings.Contains(rules, frozen) {
			t.Errorf("calendar rules contain the date-dependent %q", frozen)
		}
	}
	for _, want := range []string{"slo:sli_error:ratio_rate_month", "scalar(max(slo_period_length{", "sloth_window: month",
		`expr: vector(scalar(max(slo_period_length{slo_name="cal",service_name="svc"})))`} { // pyrra_window: this period's length
		if !strings.Contains(rules, want) {
			t.Errorf("calendar rules lack %q", want)
		}
	}
}

// The connector reports the current calendar period's length, which the rules' factors read;
// a rolling SLO reports none.
func TestConnectorEmitsTheCalendarPeriodLength(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		cfg := baseConfig(
			SLO{Name: "monthly", Service: "svc", Objective: 99, Window: Window{Calendar: "month", Timezone: "America/New_York"}, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}},
			SLO{Name: "rolling", Service: "svc", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
		if sharded {
			cfg.Topology = topologySharded
		}
		c := newTestConnector(t, cfg)
		got := points(c.buildMetrics(testNow)) // June 2026: 30 days, no DST change
		n := 0
		for k, v := range got {
			if strings.HasPrefix(k, "slo.period.length{") {
				n++
				if !strings.Contains(k, "slo.name=monthly") || v != 30*24*3600 {
					t.Errorf("sharded=%v: %s = %v, want only monthly at 2592000", sharded, k, v)
				}
			}
		}
		if n != 1 {
			t.Errorf("sharded=%v: %d slo.period.length points, want 1", sharded, n)
		}
	}
}

// "Did we meet it last month": a closed month is reported with its start and whether its final
// SLI met the objective.
func TestConnectorReportsClosedPeriods(t *testing.T) {
	c := newTestConnector(t, baseConfig(SLO{Name: "monthly", Service: "svc", Objective: 99,
		Window: Window{Calendar: "month", Timezone: "Europe/Berlin"}, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}))
	var spans []testSpan
	for i := 0; i < 100; i++ {
		s := testSpan{service: "svc", kind: ptrace.SpanKindServer}
		if i < 2 {
			s.status = ptrace.StatusCodeError
		}
		spans = append(spans, s)
	}
	if err := c.ConsumeTraces(context.Background(), makeTraces(spans)); err != nil { // June 2026
		t.Fatal(err)
	}
	got := points(c.buildMetrics(time.Date(2026, 7, 1, 0, 10, 0, 0, time.UTC))) // Berlin: July, 02:10
	key := "slo.period.compliance{service.name=svc,slo.name=monthly,slo.objective.met=false,slo.period.start=2026-06-01T00:00:00+02:00}"
	if v, ok := got[key]; !ok || v != 0.98 {
		t.Errorf("%s = %v (present %v); points %v", key, v, ok, got)
	}
	key = "slo.period.error_budget.remaining{service.name=svc,slo.name=monthly,slo.objective.met=false,slo.period.start=2026-06-01T00:00:00+02:00}"
	if v := got[key]; !(v > -1.0000001 && v < -0.9999999) { // 2 bad in 100 at 99 %: twice the budget
		t.Errorf("%s = %v, want -1", key, v)
	}
}

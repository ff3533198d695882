package sloconnector

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
)

// Series carry slo.connector only while the collector runs more than one slo connector. The
// collector creates every component before it starts any, as here.
func TestSeveralConnectorsLabelTheirSeries(t *testing.T) {
	factory := NewFactory()
	create := func(name string) *sloConnector {
		t.Helper()
		cfg := baseConfig(SLO{Name: "availability", Service: "api", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
		set := connectortest.NewNopSettings(metadata.Type)
		set.ID = component.NewIDWithName(metadata.Type, name)
		conn, err := factory.CreateTracesToMetrics(context.Background(), set, cfg, new(consumertest.MetricsSink))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Shutdown(context.Background()) })
		return conn.(*connectorForm).Unwrap()
	}
	start := func(cs ...*sloConnector) {
		t.Helper()
		for _, c := range cs {
			if err := c.Start(context.Background(), componenttest.NewNopHost()); err != nil {
				t.Fatal(err)
			}
		}
	}
	labelled := func(c *sloConnector) string {
		for k := range points(c.buildMetrics(testNow)) {
			if strings.Contains(k, "slo.connector=") {
				return k
			}
		}
		return ""
	}
	alone := create("")
	start(alone)
	if k := labelled(alone); k != "" {
		t.Errorf("a single connector labelled %s", k)
	}
	if err := alone.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, b := create("a"), create("b")
	start(a, b)
	if ka, kb := labelled(a), labelled(b); !strings.Contains(ka, "slo.connector=slo/a") || !strings.Contains(kb, "slo.connector=slo/b") {
		t.Errorf("two connectors: %q and %q", ka, kb)
	}
}

// A disabled severity has no slo.alert.active series; slo.error_budget.exhausted follows the
// threshold, and is absent when its alert is disabled.
func TestShapedAlertSeries(t *testing.T) {
	slo := SLO{Name: "shaped", Service: "svc", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"},
		Alerting: Alerting{Ticket: SeverityAlert{Disable: true}, BudgetExhausted: BudgetExhaustedAlert{Threshold: 0.5}}}
	quiet := slo
	quiet.Name, quiet.Alerting = "quiet", Alerting{BudgetExhausted: BudgetExhaustedAlert{Disable: true}}
	c := newTestConnector(t, baseConfig(slo, quiet))
	spans := []testSpan{}
	for i := 0; i < 1000; i++ { // 0.6 % bad: 60 % of a 1 % budget spent, 40 % left
		s := testSpan{service: "svc", kind: ptrace.SpanKindServer}
		if i < 6 {
			s.status = ptrace.StatusCodeError
		}
		spans = append(spans, s)
	}
	if err := c.ConsumeTraces(context.Background(), makeTraces(spans)); err != nil {
		t.Fatal(err)
	}
	got := points(c.buildMetrics(testNow))
	if _, ok := got["slo.alert.active{service.name=svc,slo.alert.severity=ticket,slo.name=shaped}"]; ok {
		t.Error("a disabled ticket severity has a series")
	}
	if _, ok := got["slo.alert.active{service.name=svc,slo.alert.severity=page,slo.name=shaped}"]; !ok {
		t.Error("the page severity lost its series")
	}
	if v, ok := got["slo.error_budget.exhausted{service.name=svc,slo.name=shaped}"]; !ok || v != 1 {
		t.Errorf("exhausted at 40 %% left with threshold 0.5: %v %v", v, ok)
	}
	for k := range got {
		if strings.HasPrefix(k, "slo.error_budget.exhausted{") && strings.Contains(k, "slo.name=quiet") {
			t.Errorf("disabled budget_exhausted emitted %s", k)
		}
	}
}

// Label names are the prometheus exporter's: a rule never selects a name that is not emitted.
func TestPromLabelIsTheExportersTranslation(t *testing.T) {
	for attr, want := range map[string]string{"http.route": "http_route", "a..b": "a_b", "1x": "key_1x", "_x": "key_x", "k8s.pod.name": "k8s_pod_name", "ünï": "key_n_", "...": "key_"} {
		if got := promLabel(attr); got != want {
			t.Errorf("promLabel(%q) = %q, want %q", attr, got, want)
		}
	}
}

// The connector's alerting config reaches the generator field by field.
func TestAlertingConfigReachesTheRules(t *testing.T) {
	cfg := baseConfig(SLO{Name: "checkout", Service: "checkout", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"},
		Description: "Checkout requests.", RunbookURL: "https://runbooks.example.com/checkout",
		Alerting: Alerting{Name: "CheckoutBurn", Labels: map[string]string{"team": "payments"}, Annotations: map[string]string{"dashboard": "d1"},
			Page:            SeverityAlert{Labels: map[string]string{"pager": "oncall"}, Annotations: map[string]string{"summary": "burning"}},
			Ticket:          SeverityAlert{Disable: true},
			BudgetExhausted: BudgetExhaustedAlert{Threshold: 0.1, Labels: map[string]string{"freeze": "deploys"}, Annotations: map[string]string{"policy": "p1"}},
			Absent:          AbsentAlert{For: 7 * time.Minute, Labels: map[string]string{"route": "collector"}}}})
	out, err := cfg.PrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	rules := string(out)
	for _, want := range []string{"alert: CheckoutBurn", "pager: oncall", "summary: burning", "team: payments", "dashboard: d1",
		"description: Checkout requests.", "runbook_url: https://runbooks.example.com/checkout",
		"alert: SLOErrorBudgetExhausted", "freeze: deploys", "policy: p1", "has 0.1 or less",
		"alert: SLOMetricAbsent", "for: 7m", "route: collector"} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules lack %q", want)
		}
	}
	if strings.Count(rules, "alert: CheckoutBurn") != 1 {
		t.Errorf("%d burn alerts, want the page one only", strings.Count(rules, "alert: CheckoutBurn"))
	}
}

package rules

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
)

func needPromtool(t *testing.T) string {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not installed (apt-get install -y prometheus)")
	}
	return promtool
}

func mustSpec(t *testing.T, s window.Spec) window.Spec {
	t.Helper()
	spec, err := window.NewSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// writeRules generates the SLOs' rules into dir/rules.yaml, which the promtool tests load.
func writeRules(t *testing.T, dir string, slos ...SLO) string {
	t.Helper()
	doc, err := Document(slos)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return string(doc)
}

// promtoolTest runs `promtool test rules` on a test file written to dir.
func promtoolTest(t *testing.T, promtool, dir, test string) {
	t.Helper()
	testFile := filepath.Join(dir, "test.yaml")
	if err := os.WriteFile(testFile, []byte(test), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := exec.Command(promtool, "test", "rules", testFile).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, res)
	}
}

// windowEvents is one service's slo_window_events on one replica: good and bad events per window.
type windowEvents struct {
	service, replica, name string
	good, bad              int
}

// The burn-rate path (sharded replicas, alerts evaluated by Prometheus), judged by promtool on
// series written here: replicas are summed, never averaged; the 5m/1h page fires at 14.4 × the
// budget and not below; the default min_valid_events (100) guards the long window.
func TestBurnRateAlertsOverShardedReplicas(t *testing.T) {
	promtool := needPromtool(t)
	dir := t.TempDir()
	spec := mustSpec(t, window.Spec{Objective: 0.999, Period: window.Rolling(30 * 24 * time.Hour), MinValidEvents: 100})
	writeRules(t, dir, SLO{Name: "availability", ObjectivePercent: 99.9, Spec: spec, AlertSource: SourceRules,
		RunbookURL: "https://runbooks.example.com/availability",
		Alerting:   Alerting{Name: "SLOErrorBudgetBurn", Labels: map[string]string{"team": "sre"}, Absent: Absent{For: 10 * time.Minute}}})
	windows := []windowEvents{
		// checkout: 5m at 0.02, 1h at 0.0145 (just over 14.4 × 0.001): pages.
		{"checkout", "r1", "5m", 480, 20}, {"checkout", "r2", "5m", 500, 0},
		{"checkout", "r1", "1h", 4855, 145}, {"checkout", "r2", "1h", 5000, 0},
		// edge: the same 5m, 1h at 0.0143 (just under): no page.
		{"edge", "r1", "5m", 480, 20}, {"edge", "r2", "5m", 500, 0},
		{"edge", "r1", "1h", 4857, 143}, {"edge", "r2", "1h", 5000, 0},
		// payments: replica r1 fails half its few requests, r2 none; summed 0.0099 stays
		// under the threshold, where averaging the replicas' ratios (0.25) would page.
		{"payments", "r1", "5m", 10, 10}, {"payments", "r2", "5m", 990, 0},
		{"payments", "r1", "1h", 100, 100}, {"payments", "r2", "1h", 9900, 0},
		// lowtraffic: 20 % errors but 99 events in the hour: guarded. enough: 100 events: pages.
		{"lowtraffic", "r1", "5m", 8, 2}, {"lowtraffic", "r1", "1h", 79, 20},
		{"enough", "r1", "5m", 8, 2}, {"enough", "r1", "1h", 80, 20},
	}
	var series strings.Builder
	for _, w := range windows {
		for outcome, v := range map[string]int{"good": w.good, "bad": w.bad} {
			fmt.Fprintf(&series, "      - series: 'slo_window_events{job=\"otelcol-sre\",collector_instance_id=%q,slo_name=\"availability\",service_name=%q,slo_window=%q,slo_outcome=%q}'\n        values: '%dx4'\n",
				w.replica, w.service, w.name, outcome, v)
		}
	}
	alert := func(service string) string {
		return fmt.Sprintf(`          - exp_labels: {sloth_severity: page, sloth_slo: availability, sloth_id: %[1]s-availability, sloth_service: %[1]s, service_name: %[1]s, team: sre}
            exp_annotations:
              title: (page) %[1]s availability SLO error budget burn rate is too fast.
              summary: %[1]s availability SLO error budget burn rate is over the page threshold (objective 99.9%%).
              runbook_url: https://runbooks.example.com/availability
`, service)
	}
	test := fmt.Sprintf(`rule_files: [rules.yaml]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
%s    alert_rule_test:
      - eval_time: 45s
        alertname: SLOErrorBudgetBurn
        exp_alerts:
%s%s`, series.String(), alert("checkout"), alert("enough"))
	promtoolTest(t, promtool, dir, test)
}

// Alerts users shape, judged by promtool: a custom name and labels on the page, no ticket alert
// when it is disabled (even if a series says 1), budget exhaustion at its threshold, and an
// absent-metrics alert after its wait.
func TestShapedAlerts(t *testing.T) {
	promtool := needPromtool(t)
	dir := t.TempDir()
	// Custom windows with the ticket severity disabled: only the page tiers remain.
	spec := mustSpec(t, window.Spec{Objective: 0.99, Period: window.Rolling(30 * 24 * time.Hour), Tiers: []window.AlertTier{
		{Severity: "page", Short: "5m", Long: "1h", BudgetFraction: 0.02}, {Severity: "page", Short: "30m", Long: "6h", BudgetFraction: 0.05}}})
	rules := writeRules(t, dir, SLO{Name: "checkout", Service: "checkout", ObjectivePercent: 99, Spec: spec, AlertSource: SourceConnector,
		Alerting: Alerting{Name: "CheckoutBurn",
			Page:            Severity{Labels: map[string]string{"pager": "oncall"}, Annotations: map[string]string{"summary": "checkout is burning"}},
			BudgetExhausted: Exhausted{Threshold: 0.1, Labels: map[string]string{"team": "payments"}},
			Absent:          Absent{For: 5 * time.Minute}}})
	sel := `slo_name="checkout",service_name="checkout"`
	test := `rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'slo_alert_active{` + sel + `,slo_alert_severity="page"}'
        values: '1x3'
      - series: 'slo_alert_active{` + sel + `,slo_alert_severity="ticket"}'
        values: '1x3'
      - series: 'slo_error_budget_exhausted{` + sel + `}'
        values: '0 1 1 1'
      - series: 'slo_window_events{` + sel + `,slo_window="5m",slo_outcome="good"}'
        values: '1x3'
    alert_rule_test:
      - eval_time: 1m
        alertname: CheckoutBurn
        exp_alerts:
          - exp_labels: {sloth_severity: page, sloth_slo: checkout, sloth_id: checkout-checkout, sloth_service: checkout, pager: oncall}
            exp_annotations:
              title: (page) checkout checkout SLO error budget burn rate is too fast.
              summary: checkout is burning
      - eval_time: 1m
        alertname: SLOErrorBudgetBurn
        exp_alerts: []
      - eval_time: 0m
        alertname: SLOErrorBudgetExhausted
        exp_alerts: []
      - eval_time: 2m
        alertname: SLOErrorBudgetExhausted
        exp_alerts:
          - exp_labels: {sloth_severity: ticket, sloth_slo: checkout, sloth_id: checkout-checkout, sloth_service: checkout, team: payments}
            exp_annotations:
              title: checkout checkout SLO error budget is exhausted.
              summary: checkout checkout has 0.1 or less of its error budget left for the period (objective 99%).
      # The series stop after 3m (staleness 5m): absent from 8m, firing 5m later.
      - eval_time: 10m
        alertname: SLOMetricAbsent
        exp_alerts: []
      - eval_time: 14m
        alertname: SLOMetricAbsent
        exp_alerts:
          - exp_labels: {sloth_severity: page, sloth_slo: checkout, sloth_id: checkout-checkout, sloth_service: checkout, slo_name: checkout, service_name: checkout}
            exp_annotations:
              title: checkout SLO metrics are absent.
              summary: 'No slo_window_events for SLO checkout for 5m: the collector that evaluates it is down or no longer receives its spans.'
`
	promtoolTest(t, promtool, dir, test)
	if strings.Contains(rules, `slo_alert_severity="ticket"`) {
		t.Error("a disabled ticket alert was generated")
	}
}

// Two connectors' SLOs of the same name stay apart in selectors, labels, Pyrra series and group
// names; a tier that can never fire is left out; with no guard there is no guard clause.
func TestConnectorsNeverFiringTiersAndGuards(t *testing.T) {
	spec := mustSpec(t, window.Spec{Objective: 0.9, Period: window.Rolling(30 * 24 * time.Hour)}) // 14.4 × 10 % ≥ 1: the 5m/1h page can never fire
	alerting := Alerting{Name: "SLOErrorBudgetBurn", Absent: Absent{For: time.Minute}, BudgetExhausted: Exhausted{Disable: true}}
	doc, err := Document([]SLO{
		{Name: "a", Service: "svc", ObjectivePercent: 90, Spec: spec, AlertSource: SourceRules, Connector: "slo/edge", Alerting: alerting,
			GroupBy: []string{"http.route"}, Labels: map[string]string{"team.name": "x"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rules := string(doc)
	for _, want := range []string{
		`name: sloth-slo-sli-recordings-svc-a@slo/edge`, `slo_name="a",slo_connector="slo/edge",service_name="svc"`,
		`slo_connector: slo/edge`, `sum by (http_route)(slo_window_events{`, `team_name: x`,
		`sloth_window: 30d`, `vector(2592000)`, `vector(30)`, `vector(0.9)`, `vector(1-0.9)`,
		`ratio_rate30m{sloth_id="svc-a", sloth_service="svc", sloth_slo="a", slo_connector="slo/edge"} > (6 * (1 - 0.9))`,
	} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules lack %q", want)
		}
	}
	for _, unwanted := range []string{"ratio_rate5m{sloth_id=\"svc-a\", sloth_service=\"svc\", sloth_slo=\"a\", slo_connector=\"slo/edge\"} > (14.4", " >= 0)", "SLOErrorBudgetExhausted"} {
		if strings.Contains(rules, unwanted) {
			t.Errorf("rules contain %q", unwanted)
		}
	}
}

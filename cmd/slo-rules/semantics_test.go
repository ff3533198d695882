package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The shipped compose rules are what the generator makes from config/gateway.yaml today, and
// their promtool unit tests (the example in the repo) pass.
func TestShippedComposeRulesAreCurrentAndTheirUnitTestsPass(t *testing.T) {
	promtool := needPromtool(t)
	var out bytes.Buffer
	if err := run([]string{"--config", "../../config/gateway.yaml"}, &out); err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("../../deploy/compose/rules/slo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shipped, out.Bytes()) {
		t.Error("deploy/compose/rules/slo.yaml is stale: _build/slo-rules --config config/gateway.yaml > deploy/compose/rules/slo.yaml")
	}
	if res, err := exec.Command(promtool, "test", "rules", "../../deploy/compose/rules-tests/slo.test.yaml").CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, res)
	}
}

const shardedConfig = `
connectors:
  slo:
    topology: sharded
    slos:
      - name: availability
        objective: 99.9
        runbook_url: https://runbooks.example.com/availability
        sli: {bad: 'status.code == STATUS_CODE_ERROR'}
        alerting: {labels: {team: sre}}
`

// window is one service's slo_window_events on one replica: good and bad events per window.
type window struct {
	service, replica, name string
	good, bad              int
}

// The burn-rate path (sharded replicas, alerts evaluated by Prometheus), judged by promtool on
// series written here: replicas are summed, never averaged; the 5m/1h page fires at 14.4 × the
// budget and not below; the default min_valid_events (100) guards the long window.
func TestBurnRateAlertsOverShardedReplicas(t *testing.T) {
	promtool := needPromtool(t)
	dir := t.TempDir()
	generateInto(t, dir, shardedConfig)
	windows := []window{
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

// generateInto writes config to dir, generates its rules into dir/rules.yaml (which the
// promtool tests load) and returns the rules and the config's path.
func generateInto(t *testing.T, dir, config string) (rules, cfgPath string) {
	t.Helper()
	cfgPath = filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"--config", cfgPath}, &out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return out.String(), cfgPath
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

func needPromtool(t *testing.T) string {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not installed (apt-get install -y prometheus)")
	}
	return promtool
}

const twoConnectors = `
connectors:
  slo:
    topology: sharded
    slos:
      - {name: availability, service: api, objective: 99.9, sli: {bad: 'status.code == STATUS_CODE_ERROR'}, alerting: {min_valid_events: 0}}
  slo/edge:
    topology: sharded
    slos:
      - {name: availability, service: api, objective: 99.9, sli: {bad: 'status.code == STATUS_CODE_ERROR'}, alerting: {min_valid_events: 0}}
`

// Two slo connectors give one valid rules document, and the same SLO name in both stays apart:
// every series carries slo_connector, and only the failing connector's SLO alerts.
func TestTwoConnectorsInOneDocument(t *testing.T) {
	promtool := needPromtool(t)
	dir := t.TempDir()
	rules, cfg := generateInto(t, dir, twoConnectors)
	if n := strings.Count(rules, "\ngroups:"); n != 1 {
		t.Fatalf("%d rule documents, want one", n)
	}
	if res, err := exec.Command(promtool, "check", "rules", "--lint-fatal", filepath.Join(dir, "rules.yaml")).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, res)
	}
	var series strings.Builder
	for conn, bad := range map[string]int{"slo": 0, "slo/edge": 50} {
		for _, w := range []string{"5m", "1h"} {
			for outcome, v := range map[string]int{"good": 1000 - bad, "bad": bad} {
				fmt.Fprintf(&series, "      - series: 'slo_window_events{slo_connector=%q,collector_instance_id=\"r1\",slo_name=\"availability\",service_name=\"api\",slo_window=%q,slo_outcome=%q}'\n        values: '%dx4'\n",
					conn, w, outcome, v)
			}
		}
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
          - exp_labels: {sloth_severity: page, sloth_slo: availability, sloth_id: api-availability, sloth_service: api, slo_connector: slo/edge}
            exp_annotations:
              title: (page) api availability SLO error budget burn rate is too fast.
              summary: api availability SLO error budget burn rate is over the page threshold (objective 99.9%%).
`, series.String())
	promtoolTest(t, promtool, dir, test)
	// One connector of the file still selects its own series.
	var one bytes.Buffer
	if err := run([]string{"--config", cfg, "--connector", "slo/edge"}, &one); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(one.String(), `slo_connector="slo/edge"`) || strings.Contains(one.String(), `slo_connector="slo"`) {
		t.Error("--connector slo/edge: rules do not select that connector's series alone")
	}
}

const shapedAlerts = `
connectors:
  slo:
    slos:
      - name: checkout
        service: checkout
        objective: 99
        sli: {bad: 'status.code == STATUS_CODE_ERROR'}
        alerting:
          name: CheckoutBurn
          windows:
            page:
              quick: {error_budget_percent: 2, short_window: 5m, long_window: 1h}
              slow: {error_budget_percent: 5, short_window: 30m, long_window: 6h}
            ticket:
              quick: {error_budget_percent: 10, short_window: 2h, long_window: 1d}
              slow: {error_budget_percent: 10, short_window: 6h, long_window: 3d}
          ticket: {disable: true}
          page: {labels: {pager: oncall}, annotations: {summary: checkout is burning}}
          budget_exhausted: {threshold: 0.1, labels: {team: payments}}
          absent: {for: 5m}
`

// Alerts users shape, judged by promtool: a custom name and labels on the page, no ticket alert
// when it is disabled (even if a series says 1), budget exhaustion at its threshold, and an
// absent-metrics alert after its wait.
func TestShapedAlerts(t *testing.T) {
	promtool := needPromtool(t)
	dir := t.TempDir()
	rules, _ := generateInto(t, dir, shapedAlerts)
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

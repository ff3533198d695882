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

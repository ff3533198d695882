package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// promtool check rules must pass on the rules generated from every shipped config.
func TestGeneratedRulesPassPromtoolForEveryShippedConfig(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not installed (apt-get install -y prometheus)")
	}
	configs, _ := filepath.Glob("../../config/*.yaml")
	checked := 0
	for _, cfg := range configs {
		var out bytes.Buffer
		if err := run([]string{"--config", cfg}, &out); err != nil {
			if strings.Contains(err.Error(), "no slo connector") {
				continue
			}
			t.Fatalf("%s: %v", cfg, err)
		}
		path := filepath.Join(t.TempDir(), "rules.yaml")
		if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if res, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules on %s's rules: %v\n%s", cfg, err, res)
		}
		for _, name := range []string{"slo:sli_error:ratio_rate5m", "slo:period_error_budget_remaining:ratio", "sloth_slo_info", "pyrra_errors:rate5m", "alert: SLOErrorBudgetBurn"} {
			if !strings.Contains(out.String(), name) {
				t.Errorf("%s: generated rules lack %s", cfg, name)
			}
		}
		checked++
	}
	if checked < 2 {
		t.Fatalf("checked %d configs with SLOs, want every shipped one", checked)
	}
}

func TestBadInputGivesOneLineErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no flag":        {nil, "--config is required"},
		"missing file":   {[]string{"--config", filepath.Join(dir, "nope.yaml")}, "no such file"},
		"no connector":   {[]string{"--config", write("empty.yaml", "receivers: {}\n")}, "no slo connector under connectors"},
		"no slos":        {[]string{"--config", write("noslos.yaml", "connectors:\n  slo:\n    emit_interval: 5s\n")}, "slos: at least one SLO is required"},
		"unknown id":     {[]string{"--config", "../../config/otelcol-sre.yaml", "--connector", "slo/edge"}, `no slo connector "slo/edge"`},
		"invalid SLO":    {[]string{"--config", write("bad.yaml", "connectors:\n  slo:\n    slos:\n      - {name: x, objective: 101, sli: {bad: 'status.code == STATUS_CODE_ERROR'}}\n")}, "objective"},
		"malformed yaml": {[]string{"--config", write("broken.yaml", "connectors: [\n")}, "yaml"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(tc.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// ${env:...} references resolve as in the collector.
func TestEnvReferencesResolve(t *testing.T) {
	t.Setenv("SLO_OBJECTIVE", "99.5")
	path := filepath.Join(t.TempDir(), "env.yaml")
	cfg := "connectors:\n  slo:\n    slos:\n      - name: envy\n        objective: ${env:SLO_OBJECTIVE}\n        sli: {bad: 'status.code == STATUS_CODE_ERROR'}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"--config", path}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "vector(0.995)") {
		t.Errorf("objective from the environment not used:\n%s", out.String())
	}
}

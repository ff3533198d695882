//go:build integration

package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type ruleDoc struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record string            `yaml:"record"`
			Alert  string            `yaml:"alert"`
			Expr   string            `yaml:"expr"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

const slothSpec = `version: "prometheus/v1"
service: "checkout"
slos:
  - name: "availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: SLOErrorBudgetBurn
      page_alert: {}
      ticket_alert: {}
`

const paritySLO = `
connectors:
  slo:
    topology: sharded
    slos:
      - name: availability
        service: checkout
        objective: 99.9
        window: {rolling: %s}
        sli: {bad: 'status.code == STATUS_CODE_ERROR'}
        alerting: {profile: %s}
`

// slothWeek is a 7-day AlertWindows catalog for Sloth, with the tiers of Sloth's own 7-day
// example, which the connector's weekly profile uses.
const slothWeek = `apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: 7d
  page:
    quick: {errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h}
    slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}
  ticket:
    quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d}
    slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d}
`

// Sloth v0.16.0's own generator (built from tests/sloth) and ours, for the same SLO at 30d, 28d
// and 7d: every group, record and label key Sloth writes is in ours with the same static values
// (sloth_id, sloth_service, sloth_slo, sloth_window, sloth_objective, objective, budget, days),
// and every alert has the same windows and burn factors. Sloth's default windows cover 30d and
// 28d; for 7d Sloth reads an AlertWindows catalog and the connector uses its weekly profile.
func TestSlothParity(t *testing.T) {
	sloth := os.Getenv("SLOTH_BIN")
	if sloth == "" {
		sloth = "../../bin/sloth"
	}
	if _, err := os.Stat(sloth); err != nil {
		t.Fatalf("Sloth not built (make sloth): %v", err)
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(spec, []byte(slothSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	windows := filepath.Join(dir, "windows")
	if err := os.MkdirAll(windows, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(windows, "7d.yaml"), []byte(slothWeek), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ period, profile string }{{"30d", "google"}, {"28d", "google"}, {"7d", "weekly"}} {
		period := tc.period
		t.Run(period, func(t *testing.T) {
			out := filepath.Join(dir, "sloth-"+period+".yaml")
			args := []string{"generate", "-i", spec, "-o", out, "--default-slo-period=" + period}
			if period == "7d" {
				args = append(args, "--slo-period-windows-path="+windows)
			}
			if res, err := exec.Command(sloth, args...).CombinedOutput(); err != nil {
				t.Fatalf("sloth generate: %v\n%s", err, res)
			}
			theirs := readRuleDoc(t, out)
			cfg := filepath.Join(dir, "ours-"+period+".yaml")
			if err := os.WriteFile(cfg, []byte(fmt.Sprintf(paritySLO, period, tc.profile)), 0o600); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := run([]string{"--config", cfg}, &buf); err != nil {
				t.Fatal(err)
			}
			var ours ruleDoc
			if err := yaml.Unmarshal(buf.Bytes(), &ours); err != nil {
				t.Fatal(err)
			}
			compareRuleDocs(t, theirs, ours)
		})
	}
}

func readRuleDoc(t *testing.T, path string) ruleDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d ruleDoc
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Labels whose values say who generated the rules, not what they mean.
var generatorLabels = map[string]bool{"sloth_mode": true, "sloth_spec": true, "sloth_version": true}

func compareRuleDocs(t *testing.T, theirs, ours ruleDoc) {
	t.Helper()
	type key struct{ group, name, window string }
	index := map[key]map[string]string{}
	exprs := map[key]string{}
	for _, g := range ours.Groups {
		for _, r := range g.Rules {
			k := key{g.Name, r.Record + r.Alert, r.Labels["sloth_window"] + r.Labels["sloth_severity"]}
			index[k], exprs[k] = r.Labels, r.Expr
		}
	}
	compared := 0
	for _, g := range theirs.Groups {
		for _, r := range g.Rules {
			k := key{g.Name, r.Record + r.Alert, r.Labels["sloth_window"] + r.Labels["sloth_severity"]}
			labels, ok := index[k]
			if !ok {
				t.Errorf("missing %+v", k)
				continue
			}
			compared++
			for name, value := range r.Labels {
				got, ok := labels[name]
				switch {
				case !ok:
					t.Errorf("%+v lacks label %s", k, name)
				case !generatorLabels[name] && got != value:
					t.Errorf("%+v label %s = %q, Sloth %q", k, name, got, value)
				}
			}
			switch r.Record {
			case "slo:objective:ratio", "slo:error_budget:ratio", "slo:time_period:days":
				if a, b := vectorValue(t, r.Expr), vectorValue(t, exprs[k]); math.Abs(a-b) > 1e-12 {
					t.Errorf("%s = %v, Sloth %v", r.Record, b, a)
				}
			}
			if r.Alert != "" {
				if a, b := alertTerms(t, r.Expr), alertTerms(t, exprs[k]); !sameTerms(a, b) {
					t.Errorf("%s %s: terms %v, Sloth %v", r.Alert, r.Labels["sloth_severity"], b, a)
				}
			}
		}
	}
	if compared < 17 { // Sloth's 8 SLI recordings, 7 meta recordings and 2 alerts
		t.Fatalf("compared %d rules", compared)
	}
}

var vectorRE = regexp.MustCompile(`^vector\(([0-9.e+-]+)(?:-([0-9.e+-]+))?\)$`)

// vectorValue evaluates vector(x) or vector(a-b).
func vectorValue(t *testing.T, expr string) float64 {
	t.Helper()
	m := vectorRE.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		t.Fatalf("not a constant vector: %s", expr)
	}
	a, _ := strconv.ParseFloat(m[1], 64)
	if m[2] == "" {
		return a
	}
	b, _ := strconv.ParseFloat(m[2], 64)
	return a - b
}

type term struct {
	window string
	factor float64
	budget float64
}

// Sloth writes "> (13.44 * 0.0009999999999999432)", we write "> (13.44 * (1 - 0.999))".
var termRE = regexp.MustCompile(`ratio_rate(\w+)\{[^}]*\} > \(([0-9.e+-]+) \* (?:\(1 - ([0-9.e+-]+)\)|([0-9.e+-]+))\)`)

func alertTerms(t *testing.T, expr string) []term {
	t.Helper()
	var out []term
	for _, m := range termRE.FindAllStringSubmatch(expr, -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		var budget float64
		if m[3] != "" {
			o, _ := strconv.ParseFloat(m[3], 64)
			budget = 1 - o
		} else {
			budget, _ = strconv.ParseFloat(m[4], 64)
		}
		out = append(out, term{m[1], f, budget})
	}
	if len(out) == 0 {
		t.Fatalf("no burn-rate terms in %s", expr)
	}
	return out
}

func sameTerms(a, b []term) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].window != b[i].window || math.Abs(a[i].factor-b[i].factor) > 1e-6*a[i].factor ||
			math.Abs(a[i].budget-b[i].budget) > 1e-9*a[i].budget {
			return false
		}
	}
	return true
}

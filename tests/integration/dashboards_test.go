//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector"
	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// Metrics the slo connector and the pillars exporter emit, under their Prometheus names.
var emittedMetrics = []string{
	"slo_events_total", "slo_window_events", "slo_objective", "slo_sli", "slo_burn_rate",
	"slo_error_budget_remaining", "slo_error_budget_exhaustion", "slo_alert_active",
	"slo_events_excluded_total", "slo_maintenance_active",
	"wellarchitected_pillar_score", "wellarchitected_pillar_coverage", "wellarchitected_pillar_status",
	"wellarchitected_check_score", "dora_deployment_frequency", "dora_change_lead_time",
	"dora_change_failure_rate", "dora_recovery_time", "dora_performance_level", "sre_maturity_level",
}

// generatedSeries are the record names of the generated rules, plus Prometheus' ALERTS for the
// generated alerts.
func generatedSeries(t *testing.T) map[string]bool {
	cfg := sloconnector.NewFactory().CreateDefaultConfig().(*sloconnector.Config)
	cfg.SLOs = []sloconnector.SLO{{Name: "x", Service: "y", Objective: 99, SLI: sloconnector.SLI{Bad: "status.code == STATUS_CODE_ERROR"}}}
	out, err := cfg.PrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Record string `yaml:"record"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(out, &file); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"ALERTS": true}
	for _, m := range emittedMetrics {
		known[m] = true
	}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				known[r.Record] = true
			}
		}
	}
	return known
}

type grafanaTarget struct {
	Datasource *struct{ UID string } `json:"datasource"`
	Expr       string                `json:"expr"`
}

type grafanaPanel struct {
	Title      string                `json:"title"`
	Datasource *struct{ UID string } `json:"datasource"`
	Targets    []grafanaTarget       `json:"targets"`
	Panels     []grafanaPanel        `json:"panels"`
}

type grafanaDashboard struct {
	UID        string         `json:"uid"`
	Panels     []grafanaPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string                `json:"name"`
			Datasource *struct{ UID string } `json:"datasource"`
			Definition string                `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

var (
	grafanaVars   = regexp.MustCompile(`\$\{?(__rate_interval|__interval|__range)\}?`)
	userVars      = regexp.MustCompile(`\$\{?[a-zA-Z_]+\}?`)
	quoted        = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	matchers      = regexp.MustCompile(`\{[^}]*\}`)
	labelLists    = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	rangeSelector = regexp.MustCompile(`\[[^\]]*\]`)
	identifier    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promqlWords   = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
		"group_right": true, "and": true, "or": true, "unless": true, "bool": true, "offset": true, "vector": true}
)

// metricNames returns the metric names a PromQL expression selects.
func metricNames(expr string) []string {
	e := quoted.ReplaceAllString(expr, `""`)
	e = matchers.ReplaceAllString(e, "")
	e = labelLists.ReplaceAllString(e, "")
	e = rangeSelector.ReplaceAllString(e, "")
	var out []string
	for _, loc := range identifier.FindAllStringIndex(e, -1) {
		word := e[loc[0]:loc[1]]
		rest := strings.TrimLeft(e[loc[1]:], " ")
		if promqlWords[word] || strings.HasPrefix(rest, "(") {
			continue
		}
		out = append(out, word)
	}
	return out
}

// Every dashboard must use only provisioned datasource uids, valid PromQL (checked by wrapping
// each expression in a rule for promtool) and only metrics the project emits or generates.
func TestDashboardsAreConsistent(t *testing.T) {
	bins := harness.Bins(t)
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var provisioning struct {
		Datasources []struct{ UID string } `yaml:"datasources"`
	}
	raw, err := os.ReadFile(filepath.Join(root, "config/grafana/provisioning/datasources/datasources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &provisioning); err != nil {
		t.Fatal(err)
	}
	uids := map[string]bool{}
	for _, ds := range provisioning.Datasources {
		uids[ds.UID] = true
	}
	for _, want := range []string{"prometheus", "jaeger", "tempo", "loki"} {
		if !uids[want] {
			t.Errorf("datasource uid %q is not provisioned", want)
		}
	}
	known := generatedSeries(t)
	files, _ := filepath.Glob(filepath.Join(root, "config/grafana/dashboards/*.json"))
	if len(files) < 3 {
		t.Fatalf("found %d dashboards", len(files))
	}
	var lokiExprs []string // LogQL, which promtool cannot check
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard-expressions\n    rules:\n")
	n := 0
	for _, f := range files {
		var d grafanaDashboard
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		checkUID := func(where string, ds *struct{ UID string }) {
			if ds != nil && !uids[ds.UID] {
				t.Errorf("%s: %s uses datasource uid %q, which is not provisioned", filepath.Base(f), where, ds.UID)
			}
		}
		exprs := map[string]string{}
		isLoki := func(ds *struct{ UID string }) bool { return ds != nil && ds.UID == "loki" }
		for _, v := range d.Templating.List {
			checkUID("variable "+v.Name, v.Datasource)
		}
		var walk func([]grafanaPanel)
		walk = func(panels []grafanaPanel) {
			for _, p := range panels {
				checkUID("panel "+p.Title, p.Datasource)
				for _, tg := range p.Targets {
					checkUID("panel "+p.Title, tg.Datasource)
					switch {
					case isLoki(tg.Datasource) || (tg.Datasource == nil && isLoki(p.Datasource)):
						lokiExprs = append(lokiExprs, tg.Expr)
					case tg.Expr != "":
						exprs[p.Title+": "+tg.Expr] = tg.Expr
					}
				}
				walk(p.Panels)
			}
		}
		walk(d.Panels)
		keys := make([]string, 0, len(exprs))
		for k := range exprs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			expr := grafanaVars.ReplaceAllString(exprs[k], "5m")
			expr = userVars.ReplaceAllString(expr, "x")
			for _, m := range metricNames(expr) {
				if !known[m] {
					t.Errorf("%s: %q uses %s, which otelcol-sre neither emits nor generates", filepath.Base(f), k, m)
				}
			}
			fmt.Fprintf(&rules, "      - record: dashboard:expr:%d\n        expr: %q\n", n, expr)
			n++
		}
	}
	path := filepath.Join(t.TempDir(), "dashboard-exprs.yaml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := harness.PromtoolCheckRules(bins.Promtool, path); err != nil {
		t.Errorf("a dashboard expression is not valid PromQL: %v\n%s", err, out)
	}
	if n < 10 {
		t.Errorf("only %d expressions found", n)
	}
	// The incidents panel reads the connector's incident records as Loki 3 stores OTLP logs:
	// service.name as the service_name label, the event.name attribute as event_name metadata.
	incidents := false
	for _, e := range lokiExprs {
		incidents = incidents || (strings.Contains(e, "service_name") && strings.Contains(e, "event_name") && strings.Contains(e, "slo") && strings.Contains(e, "incident"))
	}
	if !incidents {
		t.Errorf("no Loki panel reads the slo.incident.* records: %q", lokiExprs)
	}
}

func TestMetricNamesParser(t *testing.T) {
	got := metricNames(`sum by (service_name) (rate(slo_events_total{slo_outcome="bad"}[5m]) * on(slo_name) group_left(sloth_id) label_replace(sloth_slo_info{sloth_id="x"}, "slo_name", "$1", "sloth_slo", "(.*)")) or vector(0)`)
	if strings.Join(got, ",") != "slo_events_total,sloth_slo_info" {
		t.Errorf("metricNames = %v", got)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/cmd/internal/sloconf"
	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector"
)

// sloConfigs are every config this repository ships or tests with that has an slo connector,
// each as a file slo-rules can read: the tests' Go templates rendered with sample values, the
// connector's testdata (connector ids at its top level) put under connectors.
func sloConfigs(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, glob := range []string{"../../config/*.yaml", "../../tests/integration/testdata/*.yaml", "../../tests/bench/configs/*.yaml", "../../connector/sloconnector/testdata/config.yaml"} {
		found, _ := filepath.Glob(glob)
		files = append(files, found...)
	}
	sample := map[string]any{"Emit": "1s", "Cooldown": "1m", "Jaeger": "127.0.0.1:4317", "Loki": "http://127.0.0.1:3100", "Name": "availability",
		"Service": "checkout", "RulesFile": filepath.Join(t.TempDir(), "rules.yaml"), "Slice": "1m", "Topology": "sharded", "B1": "a", "B2": "b"}
	t.Setenv("MAINTENANCE_START", "2026-12-06T02:00:00+01:00") // testdata/maintenance.yaml
	t.Setenv("CORRECTION_START", "2026-12-01T10:00:00Z")
	t.Setenv("CORRECTION_DURATION", "90s")
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("slos:")) || bytes.Contains(b, []byte("%s")) {
			continue // no SLO, or slo-guardrails' printf skeleton of broken configs
		}
		var rendered bytes.Buffer
		if err := template.Must(template.New(f).Parse(string(b))).Execute(&rendered, sample); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if strings.HasSuffix(f, "sloconnector/testdata/config.yaml") {
			rendered = *bytes.NewBufferString("connectors:\n" + indent(rendered.String()))
		}
		out = append(out, writeTemp(t, filepath.Base(f), rendered.Bytes()))
	}
	return out
}

// loadEach loads every slo connector of the file on its own. Only the connector testdata may
// hold broken ones (its config tests' cases); a broken connector anywhere else fails the test.
func loadEach(t *testing.T, cfg string) []sloconf.Connector {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Connectors map[string]any `yaml:"connectors"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", cfg, err)
	}
	var out []sloconf.Connector
	for id := range doc.Connectors {
		if id != "slo" && !strings.HasPrefix(id, "slo/") {
			continue
		}
		c, err := sloconf.Load(cfg, id)
		switch {
		case err == nil:
			out = append(out, c...)
		case filepath.Base(cfg) != "config.yaml":
			t.Errorf("%s %s: %v", cfg, id, err)
		}
	}
	return out
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// For every SLO config: export to OpenSLO, import it back, and the SLOs are the same, field for
// field, defaults included.
func TestOpenSLORoundTripEveryConfig(t *testing.T) {
	tested := 0
	for _, cfg := range sloConfigs(t) {
		for _, c := range loadEach(t, cfg) {
			var exported bytes.Buffer
			if err := run([]string{"--config", cfg, "--connector", c.ID, "--format", "openslo"}, &exported); err != nil {
				t.Fatalf("%s %s: export: %v", cfg, c.ID, err)
			}
			checkSpecFields(t, cfg, exported.Bytes())
			var imported bytes.Buffer
			if err := run([]string{"--from-openslo", "--connector", c.ID, writeTemp(t, "slos.openslo.yaml", exported.Bytes())}, &imported); err != nil {
				t.Fatalf("%s %s: import: %v", cfg, c.ID, err)
			}
			back, err := sloconf.Parse(imported.Bytes(), c.ID)
			if err != nil {
				t.Fatalf("%s %s: the imported config does not load: %v\n%s", cfg, c.ID, err, imported.String())
			}
			want, got := c.Config.SLOs, back[0].Config.SLOs
			if len(got) != len(want) {
				t.Fatalf("%s %s: %d SLOs back, want %d", cfg, c.ID, len(got), len(want))
			}
			for i := range want {
				if w, g := definition(t, want[i]), definition(t, got[i]); w != g {
					t.Errorf("%s %s: SLO %s changed in the round trip:\nwant\n%s\ngot\n%s", cfg, c.ID, want[i].Name, w, g)
				}
				tested++
			}
		}
	}
	if tested < 20 {
		t.Fatalf("round-tripped %d SLOs; the shipped and tested configs hold more", tested)
	}
	t.Logf("%d SLOs round-tripped", tested)
}

// The spec's own examples, with a metricSource the gateway computes from spans, import as
// published: the thresholdMetric example's `lt 500` (ms) and the RatioTimeslices example.
func TestOpenSLOSpecExamplesImport(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"--from-openslo", "testdata/openslo/spec-occurrences.yaml", "testdata/openslo/spec-ratio-timeslices.yaml"}, &out); err != nil {
		t.Fatal(err)
	}
	got, err := sloconf.Parse(out.Bytes(), "slo")
	if err != nil {
		t.Fatal(err)
	}
	slos := got[0].Config.SLOs
	if len(slos) != 2 {
		t.Fatalf("%d SLOs, want 2:\n%s", len(slos), out.String())
	}
	search, main := slos[0], slos[1]
	if search.Name != "search-slo" || search.Service != "web-shop" || search.Objective != 99 || time.Duration(search.Window.Rolling) != 14*24*time.Hour ||
		search.SLI.Latency == nil || search.SLI.Latency.Threshold.String() != "499.999999ms" || search.SLI.Valid != "kind == SPAN_KIND_SERVER" {
		t.Errorf("search-slo imported as %+v (latency %+v)", search, search.SLI.Latency)
	}
	if main.Name != "main-page" || main.BudgetingMethod != "ratio_timeslices" || main.Timeslice.Duration.String() != "1m0s" ||
		main.Objective != 99 || !strings.Contains(main.SLI.Good, "< 300") || main.Description != "Our main page should be available always" {
		t.Errorf("main-page imported as %+v", main)
	}
}

func TestOpenSLORefusals(t *testing.T) {
	for file, want := range map[string]string{
		"refuse-promql.yaml": `testdata/openslo/refuse-promql.yaml document 1 (SLO web-availability): spec.indicator.spec.ratioMetric.total.metricSource.type: "Prometheus": ` +
			`a span gateway computes SLIs from the spans it receives, and this SLI is a query over data the collector never sees`,
		"refuse-composite.yaml": `testdata/openslo/refuse-composite.yaml document 2 (SLO checkout-journey): spec.objectives[0]: a composite SLO (an indicator per objective) is refused`,
	} {
		err := run([]string{"--from-openslo", "testdata/openslo/" + file}, new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want …%s", file, err, want)
		}
	}
	// The prometheus-source export is for other readers; it does not come back as spans.
	var exported bytes.Buffer
	if err := run([]string{"--config", "../../config/otelcol-sre.yaml", "--format", "openslo", "--openslo-source", "prometheus"}, &exported); err != nil {
		t.Fatal(err)
	}
	checkSpecFields(t, "prometheus source", exported.Bytes())
	for _, want := range []string{`query: sum(slo_events_total{slo_name="`, `slo_outcome="good"})`, "type: Prometheus", "counter: true"} {
		if !strings.Contains(exported.String(), want) {
			t.Errorf("prometheus-source export lacks %q", want)
		}
	}
	err := run([]string{"--from-openslo", writeTemp(t, "p.yaml", exported.Bytes())}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), `metricSource.type: "Prometheus"`) {
		t.Errorf("importing the prometheus-source export: %v", err)
	}
	for _, args := range [][]string{
		{"--from-openslo"}, {"--config", "x", "extra"}, {"--config", "../../config/otelcol-sre.yaml", "--format", "sloth"},
		{"--config", "../../config/otelcol-sre.yaml", "--format", "openslo", "--openslo-source", "datadog"},
	} {
		if err := run(args, new(bytes.Buffer)); err == nil {
			t.Errorf("%q: accepted", args)
		}
	}
}

// definition renders an SLO with its defaults as the config writes it.
func definition(t *testing.T, slo sloconnector.SLO) string {
	t.Helper()
	b, err := sloconnector.SLOsConfig("slo", []sloconnector.SLO{slo})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The schema check bites: a document with a withdrawn or misspelt field, two conditions in a
// policy or a dangling reference fails it.
func TestSpecFieldListRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field": "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: x, timeWindow: [{duration: 30d, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 0.9}], thresholds: 1}\n",
		"bad name":      "apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata: {name: Not_RFC1123}\nspec: {target: x}\n",
		"two windows":   "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: x, timeWindow: [{duration: 30d, isRolling: true}, {duration: 7d, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 0.9}]}\n",
		"seconds":       "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: x, timeWindow: [{duration: 30s, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 0.9}]}\n",
		"dangling ref":  "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: x, timeWindow: [{duration: 30d, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 0.9}], alertPolicies: [{alertPolicyRef: nope}]}\n",
		"target 1":      "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: a}\nspec: {service: s, indicatorRef: x, timeWindow: [{duration: 30d, isRolling: true}], budgetingMethod: Occurrences, objectives: [{target: 1}]}\n",
	} {
		if len(specErrors(name, []byte(doc))) == 0 {
			t.Errorf("%s: the field list accepted\n%s", name, doc)
		}
	}
}

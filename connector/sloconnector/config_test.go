package sloconnector

import (
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/configtest"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	return cfg, configtest.Load(t, metadata.Type, name, cfg)
}

func TestValidConfigs(t *testing.T) {
	for _, name := range []string{"minimal", "full", "timeslices", "attribute_named_kind"} {
		t.Run(name, func(t *testing.T) {
			if _, err := loadConfig(t, name); err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
		})
	}
	cfg, _ := loadConfig(t, "minimal")
	slo := cfg.SLOs[0]
	if time.Duration(slo.Window.Rolling) != 30*24*time.Hour || slo.SLI.Valid != defaultValid ||
		slo.BudgetingMethod != budgetingOccurrences || slo.Alerting.Profile != profileGoogle {
		t.Errorf("defaults not applied: %+v", slo)
	}
	cfg, _ = loadConfig(t, "full")
	if cfg.Topology != topologySharded || cfg.CardinalityLimit != 50 || time.Duration(cfg.SLOs[1].Window.Rolling) != 28*24*time.Hour ||
		cfg.SLOs[1].SLI.Latency.Threshold != 300*time.Millisecond || cfg.SLOs[0].Window.Timezone != "Europe/Berlin" {
		t.Errorf("full config decoded wrongly: %+v", cfg)
	}
}

func TestInvalidConfigsNameTheField(t *testing.T) {
	for name, want := range map[string][]string{
		"invalid_objective":  {"slos[0] (bad-objective).objective", "100"},
		"duplicate_names":    {"slos[1] (twice).name: duplicate of slos[0]"},
		"no_sli":             {"slos[0] (nothing).sli: exactly one of good, bad, latency"},
		"two_slis":           {"slos[0] (both).sli: exactly one of good, bad, latency", "(2 are)"},
		"bad_ottl":           {"slos[0] (broken-ottl).sli.bad", "does not parse"},
		"bad_timezone":       {"slos[0] (tz).window.timezone", "Mars/Olympus_Mons"},
		"unknown_key":        {`slos[0] (typo): unknown key "objectve"; did you mean "objective"?`},
		"no_slos":            {"slos: at least one SLO is required"},
		"sharded_timeslices": {"budgeting_method: timeslices needs topology single_writer"},
		"short_period":       {"slos[0] (short).window", "shorter than the longest alert window (3d)"},
		// The guardrails: each names the SLO, the field, the value and the fix.
		"bare_threshold":           {"slos[0] (checkout-latency).sli.latency.threshold: 200 has no unit", "200ns", `"200ms"`},
		"unknown_unit":             {"slos[0] (checkout-latency).sli.latency.threshold:", `"200msec" is not a duration`, `"300ms"`},
		"bare_emit_interval":       {"emit_interval: 15 has no unit", `"15s"`},
		"ratio_objective":          {"slos[0] (api-availability).objective: 0.995 is a ratio", "did you mean 99.5?"},
		"enum_string":              {"slos[0] (api-availability).sli.bad:", `compares status.code with "ERROR"`, "'status.code == STATUS_CODE_ERROR'"},
		"enum_number":              {"slos[0] (api-availability).sli.valid:", "compares span.kind with 2", "'span.kind == SPAN_KIND_SERVER'"},
		"enum_reversed":            {"slos[0] (api-availability).sli.good:", `compares status.code with "OK"`, "STATUS_CODE_OK"},
		"nested_unknown_key":       {`slos[0] (checkout-latency).sli.latency: unknown key "treshold"; did you mean "threshold"?`},
		"missing_rules_dir":        {`rules_file: "/nonexistent-otelcol-sre-dir/rules.yaml": directory /nonexistent-otelcol-sre-dir does not exist`},
		"bad_alert_label":          {"slos[0] (api-availability).alerting.labels:", `"sloth_severity"`},
		"bad_runbook":              {"slos[0] (api-availability).runbook_url:", `"wiki/checkout"`, "absolute URL"},
		"connector_alerts_sharded": {"alert_source: connector needs topology single_writer"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDurationAcceptsDaysAndWeeks(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 720 * time.Hour, "2w": 336 * time.Hour, "36h": 36 * time.Hour} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v %v", in, time.Duration(d), err)
		}
	}
	for _, in := range []string{"d", "0d", "-3d", "3x", "1.5d"} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("%q accepted as %v", in, time.Duration(d))
		}
	}
}

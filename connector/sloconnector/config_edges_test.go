package sloconnector

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"
)

// validateYAML decodes and validates one connector config as the collector would.
func validateYAML(t *testing.T, doc string) error {
	t.Helper()
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	if err := cfg.Unmarshal(confmap.NewFromStringMap(raw)); err != nil {
		return err
	}
	return confmap.Validate(cfg)
}

// Every numeric limit is tested on both sides of its edge.
func TestConfigEdges(t *testing.T) {
	const slo = "slos: [{name: a, objective: 99, sli: {bad: 'status.code == STATUS_CODE_ERROR'}}]"
	withSLO := func(fields string) string {
		return "slos: [{name: a, " + fields + "}]"
	}
	for _, tc := range []struct {
		doc     string
		wantErr string // "" means accepted
	}{
		{"emit_interval: 1ns\n" + slo, ""},
		{"emit_interval: 0s\n" + slo, "emit_interval: 0s must be positive"},
		{"max_lateness: 0s\n" + slo, ""},
		{"max_lateness: -1ns\n" + slo, "max_lateness: -1ns must not be negative"},
		{"max_lateness: 6h\n" + slo, ""},
		{"max_lateness: 6h1s\n" + slo, "max_lateness: 6h0m1s must be at most 6h0m0s"},
		{"max_lateness: 5h1m\n" + withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1h, target: 0.9}, sli: {bad: 'true'}"), "plus the timeslice 1h0m0s must be at most 6h0m0s"},
		{withSLO("objective: 99, budgeting_method: ratio_timeslices, timeslice: {duration: 5m}, sli: {bad: 'true'}"), ""},
		{withSLO("objective: 99, budgeting_method: weighted, sli: {bad: 'true'}"), `budgeting_method: "weighted" must be occurrences, timeslices or ratio_timeslices`},
		{"max_lateness: 5m1s\n" + withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1h, target: 0.9}, sli: {bad: 'true'}, alerting: {profile: test_seconds}"), "max_lateness 5m1s plus the timeslice 1m0s must be at most 6m0s"},
		{"cardinality_limit: 1\n" + slo, ""},
		{"cardinality_limit: 0\n" + slo, "cardinality_limit: 0 must be positive"},
		{"storage: file_storage\ncheckpoint_interval: 1ns\n" + slo, ""},
		{"storage: file_storage\ncheckpoint_interval: 0s\n" + slo, "checkpoint_interval: 0s must be positive"},
		{"checkpoint_interval: 0s\n" + slo, ""},
		{withSLO("objective: 1.001, sli: {bad: 'true'}"), ""},
		{withSLO("objective: 1, sli: {bad: 'true'}"), "objective: 1 is a ratio of 100 %, which leaves no error budget"},
		{withSLO("objective: 0.9, sli: {bad: 'true'}"), "did you mean 90?"},
		{withSLO("objective: 0, sli: {bad: 'true'}"), "objective: 0 must be a percentage strictly between 0 and 100"},
		{withSLO("objective: 99.999, sli: {bad: 'true'}"), ""},
		{withSLO("objective: 100, sli: {bad: 'true'}"), "objective: 100 must be a percentage"},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1m, target: 1}, sli: {bad: 'true'}"), ""},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1h, target: 0.5}, sli: {bad: 'true'}"), ""},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 59s, target: 0.5}, sli: {bad: 'true'}"), "timeslice.duration: 59s"},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 61s, target: 0.5}, sli: {bad: 'true'}"), "timeslice.duration: 1m1s"},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 61m, target: 0.5}, sli: {bad: 'true'}"), "timeslice.duration: 1h1m0s"},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1m, target: 0}, sli: {bad: 'true'}"), "timeslice.target: 0"},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1m, target: 1.01}, sli: {bad: 'true'}"), "timeslice.target: 1.01"},
		{withSLO("objective: 99, sli: {latency: {threshold: 1ns}}"), ""},
		{withSLO("objective: 99, sli: {latency: {threshold: 0s}}"), "sli.latency.threshold: 0s must be positive"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {min_valid_events: 0}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {min_valid_events: -1}"), "alerting.min_valid_events: -1"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {profile: test_seconds}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {profile: fast}"), `alerting.profile: "fast"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, runbook_url: 'https://runbooks.example.com/a'"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, runbook_url: 'https://'"), "runbook_url"},
		{withSLO("objective: 99, sli: {bad: 'true'}, runbook_url: 'runbooks/a'"), "runbook_url"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {labels: {team: sre}, annotations: {dashboard: x}}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {labels: {__team: sre}}"), `alerting.labels: key "__team"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {labels: {team-x: sre}}"), `alerting.labels: key "team-x"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {annotations: {a.b: x}}"), `alerting.annotations: key "a.b"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, window: {rolling: 3d}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, window: {rolling: 71h}"), "shorter than the longest alert window (3d)"},
		{withSLO("objective: 99, sli: {bad: 'true'}, window: {rolling: 30d, calendar: month}"), "window: set rolling or calendar, not both"},
		{withSLO("objective: 99, sli: {bad: 'true'}, window: {rolling: 30d, timezone: UTC}"), "window.timezone: only applies to a calendar window"},
		{withSLO("objective: 99, sli: {bad: 'true'}, window: {rolling: -1h}"), "window.rolling: -1h0m0s must be positive"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {profile: weekly}, window: {rolling: 7d}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {name: 'Checkout:Burn'}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {name: 'Checkout Burn'}"), `alerting.name: "Checkout Burn"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {windows: {page: {quick: {error_budget_percent: 2, short_window: 5m, long_window: 1h}, slow: {error_budget_percent: 5, short_window: 30m, long_window: 6h}}, ticket: {quick: {error_budget_percent: 10, short_window: 2h, long_window: 1d}, slow: {error_budget_percent: 100, short_window: 6h, long_window: 3d}}}}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {windows: {page: {quick: {error_budget_percent: 2, short_window: 4m, long_window: 1h}}}}"), `alerting.windows.page.quick.short_window: "4m" must be one of 5m, 30m, 1h, 2h, 6h, 1d, 3d`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {windows: {page: {quick: {error_budget_percent: 2, short_window: 5m, long_window: 1w}}}}"), `alerting.windows.page.quick.long_window: "1w"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {windows: {page: {quick: {error_budget_percent: 2, short_window: 1h, long_window: 1h}}}}"), "alerting.windows.page.quick.short_window: 1h must be shorter than long_window 1h"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {windows: {page: {quick: {error_budget_percent: 0, short_window: 5m, long_window: 1h}}}}"), "alerting.windows.page.quick.error_budget_percent: 0 must be in (0, 100]"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {windows: {page: {quick: {error_budget_percent: 2, short_window: 5m, long_window: 1h}, slow: {error_budget_percent: 100.5, short_window: 30m, long_window: 6h}}}}"), "alerting.windows.page.slow.error_budget_percent: 100.5"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {windows: {page: {quick: {errorBudgetPercent: 2}}}}"), `unknown key "errorBudgetPercent"; did you mean "error_budget_percent"?`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {page: {labels: {sloth_id: x}}}"), `alerting.page.labels: key "sloth_id"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {ticket: {annotations: {a-b: x}}}"), `alerting.ticket.annotations: key "a-b"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {budget_exhausted: {threshold: 0.99}}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {budget_exhausted: {threshold: 1}}"), "alerting.budget_exhausted.threshold: 1 must be below 1"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {budget_exhausted: {labels: {__x: y}}}"), `alerting.budget_exhausted.labels: key "__x"`},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {absent: {for: 0s}}"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {absent: {for: -1m}}"), "alerting.absent.for: -1m0s must not be negative"},
		{withSLO("objective: 99, sli: {bad: 'true'}, alerting: {absent: {for: 10}}"), "alerting.absent.for: 10 has no unit"},
		{withSLO("objective: 99, sli: {bad: 'true'}, group_by: [http.route, 'a..b', 1x]"), ""},
		{withSLO("objective: 99, sli: {bad: 'true'}, group_by: [http.route, http_route]"), `group_by[1]: key "http_route" becomes the Prometheus label http_route, as "http.route" does`},
		{withSLO("objective: 99, sli: {bad: 'true'}, labels: {slo_name: x}"), `labels: key "slo_name" becomes the Prometheus label slo_name, as "slo.name" does`},
		{"alert_source: rules\n" + withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1m, target: 0.9}, sli: {bad: 'true'}"), "budgeting_method: timeslices needs alert_source connector or auto"},
		{withSLO("objective: 99, budgeting_method: timeslices, timeslice: {duration: 1h, target: 0.9}, sli: {bad: 'true'}, alerting: {profile: test_seconds}"), ""}, // 60s slices
		{"alert_source: rules\n" + slo, ""},
		{"alert_source: sometimes\n" + slo, `alert_source: "sometimes"`},
		{"topology: sharded\nalert_source: rules\n" + slo, ""},
		{"emit_intervl: 5s\n" + slo, `slo: unknown key "emit_intervl"; did you mean "emit_interval"?`},
		{"emit_interval: [5s]\n" + slo, "emit_interval: [5s] is not a duration"},
		{withSLO("objective: 99, sli: {bad: 'true'}, window: {rolling: 30}"), `window.rolling: 30 has no unit, so it would mean 30ns; write a duration with a unit (ns, us, ms, s, m, h, d, w)`},
		{withSLO("objective: 99, sli: {bad: 'true'}, window: {rolling: 1.5d}"), `window.rolling: "1.5d" is not a duration`},
		{withSLO("objective: 99, sli: {latency: {threshold: 2d}}"), `sli.latency.threshold: "2d" is not a duration; write a number with a unit (ns, us, ms, s, m, h), e.g. "300ms"`},
		{withSLO("objective: 99, sli: {latency: {threshold: 2.5}}"), `2.5 has no unit`},
		{withSLO("objective: 99, sli: {bad: 'true'}, timeslice: {duraton: 1m}"), `slos[0] (a).timeslice: unknown key "duraton"; did you mean "duration"?`},
		{withSLO("objective: 99, sli: {bad: 'true'}, zzz: 1"), `slos[0] (a): unknown key "zzz"; known keys:`},
	} {
		err := validateYAML(t, tc.doc)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s\nrejected: %v", tc.doc, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s\ngot %v, want an error containing %q", tc.doc, err, tc.wantErr)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"threshold", "treshold", 1}, {"kitten", "sitting", 3}, {"objectve", "objective", 1}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := closest("zzz", []string{"name", "objective"}); got != "" {
		t.Errorf("closest suggested %q for an unrelated key", got)
	}
	if got := closest("nme", []string{"name", "objective"}); got != "name" {
		t.Errorf("closest(nme) = %q", got)
	}
}

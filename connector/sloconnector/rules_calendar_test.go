package sloconnector

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Every day of 2026, in Berlin and New York, for calendar weeks, months and quarters: the
// generated rules' threshold for every alert tier, evaluated by promtool with the period length
// the connector emits that day, equals the connector's own factor × (1 − objective). The
// period lengths are checked independently: local midnight to local midnight, so a month with
// a daylight-saving change is an hour shorter or longer.
func TestCalendarThresholdsAgreeWithTheConnectorEveryDay(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not installed (apt-get install -y prometheus)")
	}
	dir := t.TempDir()
	var tests strings.Builder
	tests.WriteString("rule_files: []\nevaluation_interval: 1m\ntests:\n")
	checked := 0
	for _, zone := range []string{"Europe/Berlin", "America/New_York"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range []string{"week", "month", "quarter"} {
			slo := SLO{Name: "cal", Service: "svc", Objective: 99.9, Window: Window{Calendar: kind, Timezone: zone},
				SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}
			slo.applyDefaults()
			spec, err := slo.spec(5 * time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			sc := newRuleScope(slo, "")
			var values []string
			var checks strings.Builder
			step := 0
			for day := time.Date(2026, 1, 1, 0, 0, 0, 0, loc); day.Year() == 2026; day = day.AddDate(0, 0, 1) {
				// the first second of the day and its noon: a period boundary is always a midnight
				for _, at := range []time.Time{day.Add(time.Second), day.Add(12 * time.Hour)} {
					length := spec.Period.Length(at)
					start, end := spec.Period.Bounds(at)
					if want := localLength(start, end); length != want || at.Before(start) || !at.Before(end) ||
						start.In(loc).Hour() != 0 || start.In(loc).Minute() != 0 {
						t.Fatalf("%s %s at %v: period %v – %v (%v), want %v", zone, kind, at, start, end, length, want)
					}
					values = append(values, strconv.FormatFloat(length.Seconds(), 'f', -1, 64))
					for _, tier := range spec.Tiers {
						want := spec.BurnFactor(tier, at) * (1 - spec.Objective)
						fmt.Fprintf(&checks, "      - expr: vector(%s)\n        eval_time: %dm\n        exp_samples: [{labels: '{}', value: %s}]\n",
							sc.threshold(spec, tier), step, strconv.FormatFloat(want, 'g', -1, 64))
						checked++
					}
					step++
				}
			}
			fmt.Fprintf(&tests, "  - interval: 1m\n    input_series:\n      - series: 'slo_period_length{slo_name=\"cal\",service_name=\"svc\"}'\n        values: '%s'\n    promql_expr_test:\n%s",
				strings.Join(values, " "), checks.String())
		}
	}
	path := filepath.Join(dir, "calendar.test.yaml")
	if err := os.WriteFile(path, []byte(tests.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "test", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%.3000s", err, out)
	}
	if checked < 2*3*730*4 {
		t.Fatalf("checked %d thresholds", checked)
	}
}

// localLength is a period's length from its local dates: whole days, corrected by the change
// of UTC offset between its first and last instant.
func localLength(start, end time.Time) time.Duration {
	y1, m1, d1 := start.Date()
	y2, m2, d2 := end.Date()
	days := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC))
	_, offStart := start.Zone()
	_, offEnd := end.Zone()
	return days + time.Duration(offStart-offEnd)*time.Second
}

// The generator reads no clock: a calendar SLO's rules carry no date-dependent number.
func TestCalendarRulesDoNotDependOnTheDate(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Topology = topologySharded
	cfg.SLOs = []SLO{{Name: "cal", Service: "svc", Objective: 99.9, Window: Window{Calendar: "month", Timezone: "Europe/Berlin"},
		SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}}
	out, err := cfg.PrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	rules := string(out)
	for _, frozen := range []string{"13.44", "14.4 ", "14.88", "ratio_rate31d", "ratio_rate28d", "vector(31)", "vector(30)"} {
		if strings.Contains(rules, frozen) {
			t.Errorf("calendar rules contain the date-dependent %q", frozen)
		}
	}
	for _, want := range []string{"slo:sli_error:ratio_rate_month", "scalar(max(slo_period_length{", "sloth_window: month",
		`expr: vector(scalar(max(slo_period_length{slo_name="cal",service_name="svc"})))`} { // pyrra_window: this period's length
		if !strings.Contains(rules, want) {
			t.Errorf("calendar rules lack %q", want)
		}
	}
}

// The connector reports the current calendar period's length, which the rules' factors read;
// a rolling SLO reports none.
func TestConnectorEmitsTheCalendarPeriodLength(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		cfg := baseConfig(
			SLO{Name: "monthly", Service: "svc", Objective: 99, Window: Window{Calendar: "month", Timezone: "America/New_York"}, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}},
			SLO{Name: "rolling", Service: "svc", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
		if sharded {
			cfg.Topology = topologySharded
		}
		c := newTestConnector(t, cfg)
		got := points(c.buildMetrics(testNow)) // June 2026: 30 days, no DST change
		n := 0
		for k, v := range got {
			if strings.HasPrefix(k, "slo.period.length{") {
				n++
				if !strings.Contains(k, "slo.name=monthly") || v != 30*24*3600 {
					t.Errorf("sharded=%v: %s = %v, want only monthly at 2592000", sharded, k, v)
				}
			}
		}
		if n != 1 {
			t.Errorf("sharded=%v: %d slo.period.length points, want 1", sharded, n)
		}
	}
}

// "Did we meet it last month": a closed month is reported with its start and whether its final
// SLI met the objective.
func TestConnectorReportsClosedPeriods(t *testing.T) {
	c := newTestConnector(t, baseConfig(SLO{Name: "monthly", Service: "svc", Objective: 99,
		Window: Window{Calendar: "month", Timezone: "Europe/Berlin"}, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}))
	var spans []testSpan
	for i := 0; i < 100; i++ {
		s := testSpan{service: "svc", kind: ptrace.SpanKindServer}
		if i < 2 {
			s.status = ptrace.StatusCodeError
		}
		spans = append(spans, s)
	}
	if err := c.ConsumeTraces(context.Background(), makeTraces(spans)); err != nil { // June 2026
		t.Fatal(err)
	}
	got := points(c.buildMetrics(time.Date(2026, 7, 1, 0, 10, 0, 0, time.UTC))) // Berlin: July, 02:10
	key := "slo.period.compliance{service.name=svc,slo.name=monthly,slo.objective.met=false,slo.period.start=2026-06-01T00:00:00+02:00}"
	if v, ok := got[key]; !ok || v != 0.98 {
		t.Errorf("%s = %v (present %v); points %v", key, v, ok, got)
	}
	key = "slo.period.error_budget.remaining{service.name=svc,slo.name=monthly,slo.objective.met=false,slo.period.start=2026-06-01T00:00:00+02:00}"
	if v := got[key]; !(v > -1.0000001 && v < -0.9999999) { // 2 bad in 100 at 99 %: twice the budget
		t.Errorf("%s = %v, want -1", key, v)
	}
}

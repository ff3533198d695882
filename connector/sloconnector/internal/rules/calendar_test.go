package rules

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
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
			period, err := window.Calendar(kind, loc)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := window.NewSpec(window.Spec{Objective: 0.999, Period: period, MaxLateness: 5 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			sc := newScope(SLO{Name: "cal", Service: "svc", ObjectivePercent: 99.9, Spec: spec, AlertSource: SourceRules})
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

// The generated document is valid for Prometheus' own rule parser, for every shape of SLO.
func TestDocumentParsesWithRulefmt(t *testing.T) {
	rolling, err := window.NewSpec(window.Spec{Objective: 0.99, Period: window.Rolling(28 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	month, err := window.Calendar("month", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	calendar, err := window.NewSpec(window.Spec{Objective: 0.999, Period: month, MinValidEvents: 100})
	if err != nil {
		t.Fatal(err)
	}
	alerting := Alerting{Name: "SLOErrorBudgetBurn", Absent: Absent{For: 10 * time.Minute}}
	doc, err := Document([]SLO{
		{Name: "a", Service: "svc", ObjectivePercent: 99, Spec: rolling, AlertSource: SourceConnector, Alerting: alerting},
		{Name: "b", ObjectivePercent: 99.9, Spec: calendar, AlertSource: SourceRules, GroupBy: []string{"http.route"}, Labels: map[string]string{"team": "x"}, Alerting: alerting},
		{Name: "b", ObjectivePercent: 99.9, Spec: calendar, AlertSource: SourceRules, Connector: "slo/edge", Alerting: alerting},
	})
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(doc, false, model.LegacyValidation, parser.NewParser(parser.Options{}), nil)
	if len(errs) > 0 {
		t.Fatalf("rulefmt: %v\n%s", errs, doc)
	}
	if n := len(groups.Groups); n != 9 {
		t.Errorf("%d groups, want 3 per SLO", n)
	}
}

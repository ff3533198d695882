package sloconnector

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// scrapeLog records what a Prometheus scraping the connector every 15s would store: each
// emitted point under its Prometheus name and labels, one value per scrape ("_" when absent).
type scrapeLog struct {
	series map[string][]float64
	n      int
}

func (l *scrapeLog) scrape(md pmetric.Metrics) {
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		name, dps := strings.ReplaceAll(m.Name(), ".", "_"), pmetric.NewNumberDataPointSlice()
		if m.Type() == pmetric.MetricTypeSum {
			name, dps = name+"_total", m.Sum().DataPoints()
		} else {
			dps = m.Gauge().DataPoints()
		}
		for j := 0; j < dps.Len(); j++ {
			var labels []string
			for k, v := range dps.At(j).Attributes().All() {
				labels = append(labels, fmt.Sprintf("%s=%q", promLabel(k), v.AsString()))
			}
			slices.Sort(labels)
			key := name + "{" + strings.Join(labels, ",") + "}"
			for len(l.series[key]) < l.n {
				l.series[key] = append(l.series[key], math.NaN())
			}
			l.series[key] = append(l.series[key], dps.At(j).DoubleValue())
		}
	}
	l.n++
}

func (l *scrapeLog) inputSeries() string {
	var b strings.Builder
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range l.series {
			if !yield(k) {
				return
			}
		}
	}) {
		vals := make([]string, l.n)
		for i := range vals {
			vals[i] = "_"
			if v := l.series[key]; i < len(v) && !math.IsNaN(v[i]) {
				vals[i] = fmt.Sprint(v[i])
			}
		}
		fmt.Fprintf(&b, "      - series: '%s'\n        values: '%s'\n", key, strings.Join(vals, " "))
	}
	return b.String()
}

// The generated rules, fed what Prometheus would scrape from the connector, do not page on a
// total outage inside a maintenance window, and page on the same outage once the window ends;
// without the window they page at once. They need nothing beyond the connector's counters.
func TestGeneratedRulesDoNotPageOnExcludedEvents(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not installed (apt-get install -y prometheus)")
	}
	start := testNow.Truncate(time.Hour)
	window := MaintenanceWindow{Start: start.Add(70 * time.Minute), Duration: Duration(time.Hour), Reason: "db-upgrade"}
	scrape := func(slo SLO) string {
		cfg := baseConfig(slo)
		cfg.AlertSource = alertSourceRules
		c := newTestConnector(t, cfg)
		clock := start
		c.now = func() time.Time { return clock }
		log := &scrapeLog{series: map[string][]float64{}}
		for step := 0; step <= 150*4; step++ { // 150 minutes, scraped every 15 s
			failing := clock.Sub(start) >= 70*time.Minute
			for s := 0; s < 15; s++ {
				end := clock.Add(time.Duration(s) * time.Second)
				if err := c.ConsumeTraces(context.Background(), entryRequests("checkout", 1, failing, end, byte(s))); err != nil {
					t.Fatal(err)
				}
			}
			clock = clock.Add(15 * time.Second)
			log.scrape(c.buildMetrics(clock))
		}
		return log.inputSeries()
	}
	google := func(windows ...MaintenanceWindow) SLO {
		s := availability(windows...)
		s.Window, s.Alerting = Window{Rolling: Duration(30 * 24 * time.Hour)}, Alerting{}
		return s
	}
	cfg := baseConfig(google(window))
	cfg.AlertSource = alertSourceRules
	rules, err := RulesDocument(ConnectorRules{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	firing := `
          - exp_labels: {sloth_severity: page, sloth_slo: availability, sloth_id: checkout-availability, sloth_service: checkout}
            exp_annotations:
              title: (page) checkout availability SLO error budget burn rate is too fast.
              summary: checkout availability SLO error budget burn rate is over the page threshold (objective 99.9%).
          - exp_labels: {sloth_severity: ticket, sloth_slo: availability, sloth_id: checkout-availability, sloth_service: checkout}
            exp_annotations:
              title: (ticket) checkout availability SLO error budget burn rate is too fast.
              summary: checkout availability SLO error budget burn rate is over the ticket threshold (objective 99.9%).`
	alertAt := func(minutes int, alerts string) string {
		if alerts == "" {
			alerts = " []"
		}
		return fmt.Sprintf("      - eval_time: %dm\n        alertname: SLOErrorBudgetBurn\n        exp_alerts:%s\n", minutes, alerts)
	}
	test := fmt.Sprintf(`rule_files: [rules.yaml]
evaluation_interval: 15s
tests:
  - name: a total outage inside a maintenance window
    interval: 15s
    input_series:
%s    alert_rule_test:
%s%s%s%s
  - name: the same outage without a window
    interval: 15s
    input_series:
%s    alert_rule_test:
%s%s
`, scrape(google(window)), alertAt(60, ""), alertAt(75, ""), alertAt(129, ""), alertAt(135, firing),
		scrape(google()), alertAt(60, ""), alertAt(75, firing))
	testFile := filepath.Join(dir, "test.yaml")
	if err := os.WriteFile(testFile, []byte(test), 0o600); err != nil {
		t.Fatal(err)
	}
	if res, err := exec.Command(promtool, "test", "rules", testFile).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, res)
	}
}

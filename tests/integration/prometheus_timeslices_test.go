//go:build integration

package integration

import (
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// A scripted all-errors incident on a healthy service, starting on a slice boundary: with 1m, 5m
// and 1h slices the page fires when the first bad slice closes (one bad slice in the hour is a
// slice error ratio over 14.4 × 0.1 %), in the connector within one emit and in a real
// Prometheus evaluating the generated rules within one scrape and evaluation more, never before.
func TestTimeslicePageInTheConnectorAndInPrometheus(t *testing.T) {
	for _, tc := range []struct {
		config string
		slice  time.Duration // as scaled by test_seconds
	}{{"1m", time.Second}, {"5m", 5 * time.Second}, {"1h", time.Minute}} {
		t.Run(tc.config, func(t *testing.T) {
			t.Parallel()
			bins := harness.Bins(t)
			rulesFile := filepath.Join(t.TempDir(), "slo-rules.yaml")
			cfg := harness.WriteConfig(t, "slices.yaml", timesliceConfig, map[string]string{"RulesFile": rulesFile, "Slice": tc.config})
			col := harness.StartCollector(t, bins.Collector, "otelcol-sre-slices-"+tc.config, nil, cfg)
			tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "api"))
			prom := harness.StartPrometheus(t, bins.Prometheus, harness.PrometheusOptions{
				ScrapeTargets: []string{col.Env[harness.EnvPromExporter]}, ScrapeInterval: 500 * time.Millisecond, RuleFiles: []string{rulesFile}})

			incident := time.Now().Add(3 * time.Second).Truncate(tc.slice).Add(tc.slice) // a slice boundary
			var inConnector, inPrometheus time.Time
			_, _, ok := sendUntil(t, []*sdktrace.TracerProvider{tp}, func(now time.Time) float64 {
				if now.Before(incident) {
					return 0
				}
				return 1
			}, func() bool {
				now := time.Now()
				if inConnector.IsZero() {
					if fam, err := harness.Scrape(col.MetricsURL()); err == nil {
						if v, ok := sloValue(fam, "slo_alert_active", map[string]string{"slo_name": "sliced", "slo_alert_severity": "page"}); ok && v == 1 {
							inConnector = now
						}
					}
				}
				if inPrometheus.IsZero() {
					if alerts, err := prom.Alerts(); err == nil {
						for _, a := range alerts {
							if a["alertname"] == "SLOErrorBudgetBurn" && a["sloth_severity"] == "page" && a["sloth_slo"] == "sliced" && a["__state__"] == "firing" {
								inPrometheus = now
							}
						}
					}
				}
				return !inConnector.IsZero() && !inPrometheus.IsZero()
			})
			if !ok {
				t.Fatalf("page never fired (connector %v, Prometheus %v)", inConnector, inPrometheus)
			}
			predicted := incident.Add(tc.slice) // the first bad slice closes
			for name, at := range map[string]time.Time{"connector": inConnector, "Prometheus": inPrometheus} {
				// The poll itself runs every 100 ms beside the sends: allow it on both sides.
				late := map[string]time.Duration{"connector": 250*time.Millisecond + 600*time.Millisecond, "Prometheus": 250*time.Millisecond + 500*time.Millisecond + 500*time.Millisecond + 1500*time.Millisecond}[name]
				if d := at.Sub(predicted); d < -100*time.Millisecond || d > late {
					t.Errorf("%s paged at prediction %+v, want within [0, %v]", name, d, late)
				}
			}
			t.Logf("%s slices (%v): connector paged %v and Prometheus %v after the first bad slice closed",
				tc.config, tc.slice, inConnector.Sub(predicted), inPrometheus.Sub(predicted))
		})
	}
}

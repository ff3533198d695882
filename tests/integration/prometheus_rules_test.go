//go:build integration

package integration

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// sendPhase emits server spans for service api at a steady pace for d, spread round-robin over
// the providers, with the given share of errors. It returns the good and bad counts sent.
func sendPhase(t *testing.T, providers []*sdktrace.TracerProvider, d time.Duration, errorShare float64) (good, bad float64) {
	t.Helper()
	deadline := time.Now().Add(d)
	good, bad, _ = sendUntil(t, providers, func(time.Time) float64 { return errorShare }, func() bool { return !time.Now().Before(deadline) })
	return good, bad
}

// sendUntil sends 100 server spans a second for service api, with the error share that
// errorShare gives for the moment of sending, until done is true; done is checked after every
// flushed tick, so it can poll a backend while traffic goes on. ok is false when done never
// became true within 3 minutes.
func sendUntil(t *testing.T, providers []*sdktrace.TracerProvider, errorShare func(time.Time) float64, done func() bool) (good, bad float64, ok bool) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	limit := time.Now().Add(3 * time.Minute)
	i := 0
	for time.Now().Before(limit) {
		<-tick.C
		share := errorShare(time.Now())
		for k := 0; k < 10; k++ {
			tp := providers[i%len(providers)]
			_, span := tp.Tracer("api").Start(context.Background(), "GET /", trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.Int("i", i)))
			if float64(i%100) < share*100 {
				span.SetStatus(codes.Error, "burst")
				bad++
			} else {
				good++
			}
			span.End()
			i++
		}
		for _, tp := range providers {
			harness.Flush(t, tp)
		}
		if done() {
			return good, bad, true
		}
	}
	return good, bad, false
}

func alertState(prom *harness.Prometheus, severity string) (string, error) {
	alerts, err := prom.Alerts()
	if err != nil {
		return "", err
	}
	for _, a := range alerts {
		if a["alertname"] == "SLOErrorBudgetBurn" && a["sloth_severity"] == severity && a["sloth_id"] == "api-api-availability" {
			return a["__state__"], nil
		}
	}
	return "inactive", nil
}

func querySingle(prom *harness.Prometheus, expr string) (float64, error) {
	res, err := prom.Query(expr)
	if err != nil {
		return 0, err
	}
	if len(res) != 1 {
		return 0, fmt.Errorf("%s: %d series", expr, len(res))
	}
	return res[0].Value, nil
}

// Generated rules in a real Prometheus (Debian's 2.42) scraping the built collector: the rules'
// SLIs equal the connector's (single writer) or an independent recount (two sharded replicas,
// summed), an error burst raises the page alert and recovery clears it.
func TestGeneratedRulesInARealPrometheus(t *testing.T) {
	for _, tc := range []struct {
		topology string
		replicas int
	}{{"single_writer", 1}, {"sharded", 2}} {
		t.Run(tc.topology, func(t *testing.T) {
			bins := harness.Bins(t)
			rulesFile := filepath.Join(t.TempDir(), "slo-rules.yaml")
			cfg := harness.WriteConfig(t, "rules.yaml", rulesTestConfig, map[string]string{"Topology": tc.topology, "RulesFile": rulesFile, "Name": "api-availability", "Service": "api"})
			var targets []string
			var providers []*sdktrace.TracerProvider
			for r := 0; r < tc.replicas; r++ {
				col := harness.StartCollector(t, bins.Collector, fmt.Sprintf("otelcol-sre-%d", r), nil, cfg)
				targets = append(targets, col.Env[harness.EnvPromExporter])
				providers = append(providers, harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "api")))
			}
			if out, err := harness.PromtoolCheckRules(bins.Promtool, rulesFile); err != nil {
				t.Fatalf("promtool check rules: %v\n%s", err, out)
			}
			prom := harness.StartPrometheus(t, bins.Prometheus, harness.PrometheusOptions{
				ScrapeTargets: targets, ScrapeInterval: 500 * time.Millisecond, RuleFiles: []string{rulesFile}})

			good, bad := sendPhase(t, providers, 10*time.Second, 0)
			g, b := sendPhase(t, providers, 12*time.Second, 0.5) // burn 50: far above 14.4
			good, bad = good+g, bad+b
			harness.Eventually(t, 30*time.Second, "the page alert to fire", func() error {
				if s, err := alertState(prom, "page"); err != nil || s != "firing" {
					return fmt.Errorf("page alert %q %v", s, err)
				}
				return nil
			})
			// Recovery with traffic going on: the page must clear because its short windows
			// recovered, while the slow tier's long window (6h, scaled) still burns above that
			// tier's threshold (6 × 1 %), not because the windows ran out of events.
			var longAtClear float64
			g, b, cleared := sendUntil(t, providers, func(time.Time) float64 { return 0 }, func() bool {
				s, err := alertState(prom, "page")
				if err != nil || s != "inactive" {
					return false
				}
				longAtClear, err = querySingle(prom, `slo:sli_error:ratio_rate6h{sloth_id="api-api-availability"}`)
				return err == nil
			})
			good, bad = good+g, bad+b
			if !cleared {
				t.Fatal("the page alert did not clear during recovery traffic")
			}
			if longAtClear <= 6*0.01 {
				t.Errorf("the page cleared only when the 6h window was at %v, below the threshold: the short windows did not drive it", longAtClear)
			}

			// With traffic over, the 72m ("3d") window and the period hold every event: the rules'
			// request-weighted SLI must equal the recount, and the connector's own slo_sli.
			want := bad / (good + bad)
			harness.Eventually(t, 30*time.Second, "rule SLIs to equal the recount", func() error {
				for _, w := range []string{"3d", "12h"} { // the scaled 3d window and the 12h period
					got, err := querySingle(prom, `slo:sli_error:ratio_rate`+w+`{sloth_id="api-api-availability"}`)
					if err != nil {
						return err
					}
					if math.Abs(got-want) > 1e-9 {
						return fmt.Errorf("slo:sli_error:ratio_rate%s = %v, recount %v", w, got, want)
					}
				}
				got, _ := querySingle(prom, `slo:sli_error:ratio_rate3d{sloth_id="api-api-availability"}`)
				if tc.topology == "single_writer" {
					own, err := querySingle(prom, `slo_sli{slo_name="api-availability",slo_window="3d"}`)
					if err != nil {
						return err
					}
					if math.Abs(got-(1-own)) > 1e-9 {
						return fmt.Errorf("rule error ratio %v vs connector 1 - slo_sli %v", got, 1-own)
					}
				}
				return nil
			})
			t.Logf("%s: %v good, %v bad; page fired during the burst and cleared after recovery", tc.topology, good, bad)
		})
	}
}

// sendTwoServices sends server spans for "failing" (half of them errors) and "clean" (none),
// round-robin over replicas, and returns the good and bad counts sent per service.
func sendTwoServices(t *testing.T, providers map[string][]*sdktrace.TracerProvider, d time.Duration) map[string][2]float64 {
	t.Helper()
	sent := map[string][2]float64{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(d)
	for i := 0; time.Now().Before(deadline); {
		<-tick.C
		for k := 0; k < 5; k++ {
			for svc, tps := range providers {
				_, span := tps[i%len(tps)].Tracer(svc).Start(context.Background(), "GET /", trace.WithSpanKind(trace.SpanKindServer))
				c := sent[svc]
				if svc == "failing" && i%2 == 0 {
					span.SetStatus(codes.Error, "burst")
					c[1]++
				} else {
					c[0]++
				}
				sent[svc] = c
				span.End()
			}
			i++
		}
		for _, tps := range providers {
			for _, tp := range tps {
				harness.Flush(t, tp)
			}
		}
	}
	return sent
}

// Per-service SLOs in a real Prometheus: every Sloth and Pyrra series carries the real service,
// the failing service pages and the clean one never does, and neither dilutes the other — for a
// single writer (alerts from the connector's state) and two sharded replicas (burn-rate rules).
func TestPerServiceRulesInARealPrometheus(t *testing.T) {
	for _, tc := range []struct {
		topology string
		replicas int
	}{{"single_writer", 1}, {"sharded", 2}} {
		t.Run(tc.topology, func(t *testing.T) {
			bins := harness.Bins(t)
			rulesFile := filepath.Join(t.TempDir(), "slo-rules.yaml")
			// One SLO without a service filter, as in both shipped configs: a series per service.
			cfg := harness.WriteConfig(t, "rules.yaml", rulesTestConfig, map[string]string{"Topology": tc.topology, "RulesFile": rulesFile, "Name": "availability", "Service": ""})
			var targets []string
			providers := map[string][]*sdktrace.TracerProvider{}
			for r := 0; r < tc.replicas; r++ {
				col := harness.StartCollector(t, bins.Collector, fmt.Sprintf("otelcol-sre-%d", r), nil, cfg)
				targets = append(targets, col.Env[harness.EnvPromExporter])
				for _, svc := range []string{"failing", "clean"} {
					providers[svc] = append(providers[svc], harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", svc)))
				}
			}
			prom := harness.StartPrometheus(t, bins.Prometheus, harness.PrometheusOptions{
				ScrapeTargets: targets, ScrapeInterval: 500 * time.Millisecond, RuleFiles: []string{rulesFile}})

			sent := sendTwoServices(t, providers, 12*time.Second)
			harness.Eventually(t, 30*time.Second, "the failing service to page", func() error {
				alerts, err := prom.Alerts()
				if err != nil {
					return err
				}
				for _, a := range alerts {
					if a["sloth_service"] == "failing" && a["sloth_id"] == "failing-availability" && a["sloth_severity"] == "page" && a["__state__"] == "firing" {
						return nil
					}
				}
				return fmt.Errorf("no firing page for failing in %v", alerts)
			})

			// With traffic over, the period holds every event of each service.
			harness.Eventually(t, 30*time.Second, "per-service series equal to the recount", func() error {
				for svc, c := range sent {
					good, bad := c[0], c[1]
					checks := map[string]float64{
						fmt.Sprintf(`slo:sli_error:ratio_rate12h{sloth_id=%q, sloth_service=%q, sloth_slo="availability"}`, svc+"-availability", svc): bad / (good + bad),
						fmt.Sprintf(`pyrra_availability{slo="availability", service_name=%q}`, svc):                                                   good / (good + bad),
						fmt.Sprintf(`sloth_slo_info{sloth_id=%q, sloth_service=%q, sloth_objective="99"}`, svc+"-availability", svc):                  1,
					}
					for expr, want := range checks {
						got, err := querySingle(prom, expr)
						if err != nil {
							return err
						}
						if math.Abs(got-want) > 1e-9 {
							return fmt.Errorf("%s = %v, recount %v", expr, got, want)
						}
					}
				}
				if sent["clean"][1] != 0 || sent["failing"][1] == 0 {
					return fmt.Errorf("test traffic wrong: %v", sent)
				}
				return nil
			})
			res, err := prom.Query(`max_over_time(ALERTS{alertname="SLOErrorBudgetBurn", sloth_service="clean"}[10m])`)
			if err != nil || len(res) != 0 {
				t.Errorf("the clean service alerted: %v %v", res, err)
			}
			res, err = prom.Query(`ALERTS{alertname="SLOErrorBudgetBurn", sloth_service=""}`)
			if err != nil || len(res) != 0 {
				t.Errorf("an alert without sloth_service: %v %v", res, err)
			}
			t.Logf("%s: sent %v; failing paged, clean never did", tc.topology, sent)
		})
	}
}

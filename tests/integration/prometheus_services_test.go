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

// One SLO without a service filter, as in both shipped configs: a series per service.
const perServiceRulesConfig = `
extensions:
  health_check: {endpoint: "${env:HEALTH_CHECK_ENDPOINT}"}
receivers:
  otlp: {protocols: {grpc: {endpoint: "${env:OTLP_GRPC_ENDPOINT}"}}}
connectors:
  slo:
    emit_interval: 500ms
    topology: {{.Topology}}
    rules_file: "{{.RulesFile}}"
    slos:
      - name: availability
        objective: 99
        window: {rolling: 12h}
        sli:
          bad: 'status.code == STATUS_CODE_ERROR'
        alerting: {profile: test_seconds, min_valid_events: 20}
exporters:
  prometheus: {endpoint: "${env:PROMETHEUS_EXPORTER_ENDPOINT}"}
service:
  extensions: [health_check]
  telemetry:
` + harness.SelfMetrics + `  pipelines:
    traces: {receivers: [otlp], exporters: [slo]}
    metrics: {receivers: [slo], exporters: [prometheus]}
`

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
			cfg := harness.WriteConfig(t, "rules.yaml", perServiceRulesConfig, map[string]string{"Topology": tc.topology, "RulesFile": rulesFile})
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

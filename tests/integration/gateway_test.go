//go:build integration

package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// The gateway config against real Jaeger v2 and Prometheus, and OTLP-decoding stand-ins for
// Tempo and Loki: one SDK trace must arrive whole in Jaeger (found by id, with its attributes)
// and in Tempo, telemetrygen logs must reach Loki's /otlp/v1/logs, and the SLO series must reach
// Prometheus by scrape exactly once each, with the failing request's trace as an exemplar.
func TestGatewayExportsToEveryBackend(t *testing.T) {
	bins := harness.Bins(t)
	jaeger := harness.StartJaeger(t, bins.Jaeger)
	tempo := harness.StartTempoStub(t)
	loki := harness.StartLokiStub(t)

	env := harness.CollectorEnv(t)
	promExporter := env[harness.EnvPromExporter]
	prom := harness.StartPrometheus(t, bins.Prometheus, harness.PrometheusOptions{ScrapeTargets: []string{promExporter}, Exemplars: true})
	env["JAEGER_OTLP_ENDPOINT"] = jaeger.OTLPGRPC
	env["TEMPO_OTLP_ENDPOINT"] = tempo.Addr
	env["LOKI_OTLP_ENDPOINT"] = loki.URL + "/otlp"
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-gateway", env, harness.ConfigPath(t, "gateway.yaml"))

	traceID, names := sendCheckoutTrace(t, col.OTLPGRPC(), "checkout")
	failedID := sendFailedRequest(t, col.OTLPGRPC(), "checkout")
	harness.Telemetrygen(t, bins.Telemetrygen, "logs", "--otlp-endpoint", col.OTLPGRPC(), "--otlp-insecure",
		"--logs", "20", "--workers", "1", "--rate", "100", "--service", "log-svc", "--body", "deployment finished")

	harness.Eventually(t, 60*time.Second, "trace "+traceHex(traceID)+" in Jaeger", func() error {
		td, found, err := jaeger.Trace(traceHex(traceID))
		if err != nil || !found {
			return fmt.Errorf("found=%v err=%v", found, err)
		}
		spans := spansOf(td, traceID)
		if len(spans) != len(names) {
			return fmt.Errorf("jaeger has %d of %d spans", len(spans), len(names))
		}
		checks := map[string][2]string{
			"POST /checkout": {"http.route", "/checkout"},
			"SELECT orders":  {"db.system.name", "postgresql"},
		}
		for span, kv := range checks {
			v, ok := spans[span].Attributes().Get(kv[0])
			if !ok || v.AsString() != kv[1] {
				return fmt.Errorf("span %q attribute %s = %v, want %s", span, kv[0], v.AsString(), kv[1])
			}
		}
		if rows, _ := spans["SELECT orders"].Attributes().Get("db.rows"); rows.Int() != 3 {
			return fmt.Errorf("db.rows = %v, want 3", rows.AsRaw())
		}
		if got := spans["charge card"].Status().Message(); got != "card declined" {
			return fmt.Errorf("status message %q", got)
		}
		return nil
	})

	harness.Eventually(t, 30*time.Second, "trace in the Tempo stub", func() error {
		seen := 0
		for _, td := range tempo.Traces() {
			seen += len(spansOf(td, traceID))
		}
		if seen != len(names) {
			return fmt.Errorf("tempo stub has %d of %d spans", seen, len(names))
		}
		return nil
	})

	harness.Eventually(t, 30*time.Second, "logs in the Loki stub", func() error {
		records := 0
		for _, ld := range loki.Logs() {
			rls := ld.ResourceLogs()
			for i := 0; i < rls.Len(); i++ {
				svc, _ := rls.At(i).Resource().Attributes().Get("service.name")
				if svc.AsString() != "log-svc" {
					return fmt.Errorf("service.name = %q", svc.AsString())
				}
				sls := rls.At(i).ScopeLogs()
				for j := 0; j < sls.Len(); j++ {
					lrs := sls.At(j).LogRecords()
					for k := 0; k < lrs.Len(); k++ {
						if lrs.At(k).Body().Type() != pcommon.ValueTypeStr || !strings.Contains(lrs.At(k).Body().Str(), "deployment finished") {
							return fmt.Errorf("unexpected body %v", lrs.At(k).Body().AsRaw())
						}
						records++
					}
				}
			}
		}
		if records != 20 {
			return fmt.Errorf("loki stub has %d of 20 records (paths %v)", records, loki.Paths())
		}
		for _, p := range loki.Paths() {
			if p != "/otlp/v1/logs" {
				return fmt.Errorf("unexpected path %q", p)
			}
		}
		return nil
	})

	// One path into Prometheus: every SLO series exists once, from the scrape job.
	harness.Eventually(t, 60*time.Second, "checkout SLO series in Prometheus, once each, with the failure as exemplar", func() error {
		scraped, err := prom.Query(`count(slo_events_total{job="target0",service_name="checkout"})`)
		if err != nil || len(scraped) == 0 || scraped[0].Value == 0 {
			return fmt.Errorf("scraped: %v %v", scraped, err)
		}
		dup, err := prom.Query(`count by (slo_name, slo_outcome, http_route, service_name) (slo_events_total) > 1`)
		if err != nil || len(dup) > 0 {
			return fmt.Errorf("series stored more than once: %v %v", dup, err)
		}
		ids, err := prom.ExemplarTraceIDs(`slo_events_total{service_name="checkout",slo_outcome="bad"}`)
		if err != nil {
			return err
		}
		if !slices.Contains(ids, traceHex(failedID)) {
			return fmt.Errorf("exemplar trace ids %v, want %s", ids, traceHex(failedID))
		}
		return nil
	})
}

// sendFailedRequest emits one failed SERVER span (a bad event for the availability SLO).
func sendFailedRequest(t *testing.T, endpoint, service string) trace.TraceID {
	t.Helper()
	tp := harness.TracerProvider(t, endpoint, attribute.String("service.name", service))
	_, span := tp.Tracer("otelcol-sre/tests").Start(context.Background(), "POST /checkout", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.route", "/checkout"), attribute.Int("http.response.status_code", 503)))
	span.SetStatus(codes.Error, "upstream unavailable")
	span.End()
	harness.Flush(t, tp)
	return span.SpanContext().TraceID()
}

//go:build integration

package integration

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// gatewayEnv points config/gateway.yaml at the given trace backends and a Loki stub, with the
// sampler keeping every trace so that "every trace sent is in Jaeger" is the exact expectation.
func gatewayEnv(t *testing.T, jaeger, tempo string) map[string]string {
	loki := harness.StartLokiStub(t)
	return map[string]string{
		"JAEGER_OTLP_ENDPOINT": jaeger,
		"TEMPO_OTLP_ENDPOINT":  tempo,
		"LOKI_OTLP_ENDPOINT":   loki.URL + "/otlp",
		"SRE_SAMPLING_RATIO":   "1",
	}
}

// sendSteadily emits three-span traces (server root, two clients, every tenth with an error) at
// perSecond for d, and returns their ids. The SDK client blocks rather than drops when its queue
// fills, so every trace it was given is either exported or the test fails in Flush.
func sendSteadily(t *testing.T, tp *sdktrace.TracerProvider, perSecond int, d time.Duration) []trace.TraceID {
	t.Helper()
	tracer := tp.Tracer("outage")
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	var ids []trace.TraceID
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		ctx, root := tracer.Start(context.Background(), "GET /orders", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.route", "/orders")))
		for c := 0; c < 2; c++ {
			_, child := tracer.Start(ctx, "SELECT", trace.WithSpanKind(trace.SpanKindClient))
			if c == 1 && len(ids)%10 == 3 {
				child.SetStatus(codes.Error, "timeout")
			}
			child.End()
		}
		root.End()
		ids = append(ids, root.SpanContext().TraceID())
	}
	return ids
}

// awaitTracesInJaeger polls Jaeger until every id holds wantSpans distinct spans, and returns how
// many duplicate span copies Jaeger stored.
func awaitTracesInJaeger(t *testing.T, jaeger *harness.Jaeger, ids []trace.TraceID, wantSpans int, timeout time.Duration) (duplicates int) {
	t.Helper()
	pending := map[trace.TraceID]bool{}
	for _, id := range ids {
		pending[id] = true
	}
	harness.Eventually(t, timeout, fmt.Sprintf("all %d traces in Jaeger", len(ids)), func() error {
		for id := range pending {
			td, found, err := jaeger.Trace(traceHex(id))
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			distinct := map[[8]byte]bool{}
			copies := 0
			harness.EachSpan(td, func(s ptrace.Span) {
				if s.TraceID() == [16]byte(id) {
					distinct[s.SpanID()] = true
					copies++
				}
			})
			if len(distinct) == wantSpans {
				duplicates += copies - len(distinct)
				delete(pending, id)
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("%d of %d traces not complete in Jaeger", len(pending), len(ids))
		}
		return nil
	})
	return duplicates
}

// A 60 s Jaeger outage under steady SDK load through config/gateway.yaml: every trace sent before,
// during and after it is in Jaeger afterwards, with all its spans, and Tempo (which stayed up)
// got every span exactly once.
func TestGatewayLosesNothingAcrossABackendOutage(t *testing.T) {
	bins := harness.Bins(t)
	jaeger := harness.StartDurableJaeger(t, bins.Jaeger)
	tempo := harness.StartTempoStub(t)
	col := harness.StartCollector(t, bins.Collector, "gateway", gatewayEnv(t, jaeger.OTLPGRPC, tempo.Addr), harness.ConfigPath(t, "gateway.yaml"))
	tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "orders"))

	const rate = 20
	ids := sendSteadily(t, tp, rate, 5*time.Second)
	if err := jaeger.Stop(syscall.SIGTERM, 15*time.Second); err != nil {
		t.Fatalf("stopping Jaeger: %v", err)
	}
	ids = append(ids, sendSteadily(t, tp, rate, 60*time.Second)...)
	jaeger.Restart(t)
	ids = append(ids, sendSteadily(t, tp, rate, 5*time.Second)...)
	harness.Flush(t, tp)

	duplicates := awaitTracesInJaeger(t, jaeger, ids, 3, 120*time.Second)
	harness.Eventually(t, 30*time.Second, "every span in the Tempo stub", func() error {
		if got := tempoSpans(tempo); got != 3*len(ids) {
			return fmt.Errorf("tempo stub has %d spans, want %d", got, 3*len(ids))
		}
		return nil
	})
	fam, err := harness.Scrape(col.TelemetryURL())
	if err != nil {
		t.Fatal(err)
	}
	failed, _ := sloValue(fam, "otelcol_exporter_send_failed_spans_total", map[string]string{"exporter": "otlp_grpc/jaeger"})
	if failed != 0 {
		t.Errorf("the Jaeger exporter gave up on %v spans", failed)
	}
	t.Logf("%d traces (%d spans) sent across a 60 s Jaeger outage: 0 lost, %d duplicate span copies in Jaeger", len(ids), 3*len(ids), duplicates)
}

// kill -9 while Jaeger is down: spans that reached the disk queue are delivered by the next
// collector process once Jaeger is back.
func TestGatewayKill9MidOutageDeliversTheDiskQueue(t *testing.T) {
	bins := harness.Bins(t)
	jaeger := harness.StartDurableJaeger(t, bins.Jaeger)
	if err := jaeger.Stop(syscall.SIGTERM, 15*time.Second); err != nil {
		t.Fatalf("stopping Jaeger: %v", err)
	}
	tempo := harness.StartTempoStub(t)
	env := gatewayEnv(t, jaeger.OTLPGRPC, tempo.Addr)
	for k, v := range harness.CollectorEnv(t) {
		env[k] = v // fixed ports and state directory, reused by the second process
	}
	col := harness.StartCollector(t, bins.Collector, "gateway", env, harness.ConfigPath(t, "gateway.yaml"))
	tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "orders"))
	ids := sendSteadily(t, tp, 50, 6*time.Second)
	harness.Flush(t, tp)

	want := float64(3 * len(ids))
	harness.Eventually(t, 60*time.Second, "every span in the Jaeger exporter's disk queue", func() error {
		fam, err := harness.Scrape(col.TelemetryURL())
		if err != nil {
			return err
		}
		if q, _ := sloValue(fam, "otelcol_exporter_queue_size", map[string]string{"exporter": "otlp_grpc/jaeger"}); q != want {
			return fmt.Errorf("queue holds %v spans, want %v", q, want)
		}
		return nil
	})
	col.Kill9()

	restarted := harness.StartCollector(t, bins.Collector, "gateway-restarted", env, harness.ConfigPath(t, "gateway.yaml"))
	jaeger.Restart(t)
	duplicates := awaitTracesInJaeger(t, jaeger, ids, 3, 90*time.Second)
	harness.Eventually(t, 30*time.Second, "the restored queue drained", func() error {
		fam, err := harness.Scrape(restarted.TelemetryURL())
		if err != nil {
			return err
		}
		if q, ok := sloValue(fam, "otelcol_exporter_queue_size", map[string]string{"exporter": "otlp_grpc/jaeger"}); !ok || q != 0 {
			return fmt.Errorf("queue holds %v spans (%v)", q, ok)
		}
		return nil
	})
	t.Logf("%d traces queued on disk, collector killed with SIGKILL, all delivered by its successor (%d duplicate span copies)", len(ids), duplicates)
}

func tempoSpans(tempo *harness.TempoStub) int {
	n := 0
	for _, td := range tempo.Traces() {
		n += td.SpanCount()
	}
	return n
}

package harness

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TracerProvider is a real OTel Go SDK pipeline exporting over OTLP/gRPC to endpoint.
// Spans are batched as an application would, but the batcher blocks instead of dropping when
// its queue is full, so every ended span is sent; call Flush before asserting.
func TracerProvider(t testing.TB, endpoint string, res ...attribute.KeyValue) *sdktrace.TracerProvider {
	t.Helper()
	return TracerProviderWithSampler(t, endpoint, sdktrace.AlwaysSample(), res...)
}

// TracerProviderWithSampler is TracerProvider with the SDK sampler given, e.g. one that writes
// an OTEP 235 threshold into the tracestate as a head sampler upstream would.
func TracerProviderWithSampler(t testing.TB, endpoint string, sampler sdktrace.Sampler, res ...attribute.KeyValue) *sdktrace.TracerProvider {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exp, err := otlptracegrpc.New(ctx,
		otlptracegrpc.WithEndpoint(endpoint),
		otlptracegrpc.WithInsecure(),
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: true, InitialInterval: 100 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: 30 * time.Second}),
	)
	if err != nil {
		t.Fatalf("otlp exporter: %v", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp, sdktrace.WithMaxExportBatchSize(512), sdktrace.WithBatchTimeout(200*time.Millisecond),
			sdktrace.WithMaxQueueSize(1<<16), sdktrace.WithBlocking()),
		sdktrace.WithResource(resource.NewSchemaless(res...)),
		sdktrace.WithSampler(sampler),
	)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	})
	return tp
}

// Flush pushes every ended span out of tp, failing the test if the export fails.
func Flush(t testing.TB, tp *sdktrace.TracerProvider) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tp.ForceFlush(ctx); err != nil {
		t.Fatalf("flush spans: %v", err)
	}
}

// Telemetrygen runs telemetrygen to completion with a hard time bound.
func Telemetrygen(t testing.TB, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("telemetrygen %v: %v\n%s", args, err, out)
	}
	return string(out)
}

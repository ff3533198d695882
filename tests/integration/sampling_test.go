//go:build integration

package integration

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

type traceClass int

const (
	classNormal traceClass = iota
	classError
	classSlow
)

// 100k SDK traces through the built collector: 1 % with an error, 5 % with one slow span, the
// rest normal. Each trace's root comes from one SDK (service frontend) and its two children from
// another (checkout), so a trace's spans arrive in separate batches; 1 % of the traces also send
// a late child after their decision. Every error and slow trace must arrive complete, the
// ratio-kept share must be within 3σ of the threshold's probability, and every kept span must
// carry a `th` consistent with its trace id.
func TestSamplingKeepsErrorsAndSlowCompleteAndARatioOfTheRest(t *testing.T) {
	bins := harness.Bins(t)
	sink := harness.StartTempoStub(t)
	cfg := harness.WriteConfig(t, "sampling.yaml", samplingTestConfig, nil)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-sampling", map[string]string{"SINK_ENDPOINT": sink.Addr}, cfg)

	frontend := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "frontend"))
	checkout := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "checkout"))
	const total = 100_000
	rng := rand.New(rand.NewPCG(7, 8))
	classes := make(map[pcommon.TraceID]traceClass, total)
	spansSent := make(map[pcommon.TraceID]int, total)
	type lateSpan struct{ ctx context.Context }
	var late []lateSpan
	now := time.Now()
	for i := 0; i < total; i++ {
		class := classNormal
		switch r := rng.IntN(100); {
		case r == 0:
			class = classError
		case r <= 5:
			class = classSlow
		}
		ctx, root := frontend.Tracer("fe").Start(context.Background(), "GET /", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithTimestamp(now.Add(-50*time.Millisecond)))
		for c := 0; c < 2; c++ {
			d := 10 * time.Millisecond
			if class == classSlow && c == 1 {
				d = 500 * time.Millisecond
			}
			_, child := checkout.Tracer("co").Start(ctx, "work", trace.WithTimestamp(now.Add(-d)),
				trace.WithAttributes(attribute.Int("child", c)))
			if class == classError && c == 0 {
				child.SetStatus(codes.Error, "failed")
			}
			child.End(trace.WithTimestamp(now))
		}
		root.End(trace.WithTimestamp(now))
		id := pcommon.TraceID(root.SpanContext().TraceID())
		classes[id] = class
		spansSent[id] = 3
		if i%100 == 0 {
			late = append(late, lateSpan{ctx})
			spansSent[id]++
		}
		if i%2000 == 1999 { // keep both SDKs' queues within the decision wait of each other
			harness.Flush(t, checkout)
			harness.Flush(t, frontend)
		}
	}
	harness.Flush(t, checkout)
	harness.Flush(t, frontend)

	// Late spans go out once their traces are decided (decision_wait is 3s).
	harness.Eventually(t, 60*time.Second, "every trace decided", func() error {
		return bufferedTraces(col, 0)
	})
	for _, l := range late {
		_, s := checkout.Tracer("co").Start(l.ctx, "late", trace.WithTimestamp(now))
		s.End(trace.WithTimestamp(now))
	}
	harness.Flush(t, checkout)

	// The independent expectation: error and slow traces whole; a normal trace whole when the
	// OTEP 235 threshold for 10 % admits its trace id's randomness, else not at all.
	th, _ := sampling.ProbabilityToThresholdWithPrecision(0.1, 4)
	expected := map[pcommon.TraceID]int{}
	expectedTotal := 0
	normal := 0
	for id, class := range classes {
		if class == classNormal {
			normal++
			if !th.ShouldSample(sampling.TraceIDToRandomness(id)) {
				continue
			}
		}
		expected[id] = spansSent[id]
		expectedTotal += spansSent[id]
	}
	received := map[pcommon.TraceID]int{}
	harness.Eventually(t, 60*time.Second, "the sink to hold exactly the expected spans", func() error {
		clear(received)
		n := 0
		for _, td := range sink.Traces() {
			harness.EachSpan(td, func(span ptrace.Span) {
				received[span.TraceID()]++
				n++
				if err := checkThreshold(span.TraceID(), span.TraceState().AsRaw(), classes[span.TraceID()]); err != nil {
					t.Fatal(err)
				}
			})
		}
		if n < expectedTotal {
			return fmt.Errorf("sink has %d of %d expected spans", n, expectedTotal)
		}
		for id, want := range expected {
			if received[id] != want {
				return fmt.Errorf("trace %v (class %d): %d of %d spans", id, classes[id], received[id], want)
			}
		}
		if n != expectedTotal {
			return fmt.Errorf("sink has %d spans, %d expected: traces that should have been dropped arrived", n, expectedTotal)
		}
		return nil
	})

	ratioKept := 0
	for id, class := range classes {
		if class == classNormal && received[id] > 0 {
			ratioKept++
		}
	}
	p := th.Probability()
	mean, sigma := p*float64(normal), math.Sqrt(float64(normal)*p*(1-p))
	if math.Abs(float64(ratioKept)-mean) > 3*sigma {
		t.Errorf("ratio kept %d of %d normal traces; want %.0f ± %.0f (3σ)", ratioKept, normal, mean, 3*sigma)
	}
	t.Logf("normal traces %d, ratio-kept %d (expected %.0f, σ %.1f); every error and slow trace complete", normal, ratioKept, mean, sigma)
}

// checkThreshold verifies a kept span's th: 0 for error and slow traces, and for ratio-kept
// traces a threshold no larger than the trace id's randomness.
func checkThreshold(id pcommon.TraceID, raw string, class traceClass) error {
	w3c, err := sampling.NewW3CTraceState(raw)
	if err != nil {
		return fmt.Errorf("trace %v: tracestate %q: %w", id, raw, err)
	}
	th, ok := w3c.OTelValue().TValueThreshold()
	if !ok {
		return fmt.Errorf("trace %v: kept span without th (%q)", id, raw)
	}
	if class != classNormal && th != sampling.AlwaysSampleThreshold {
		return fmt.Errorf("trace %v: error/slow span with th %s, want 0", id, th.TValue())
	}
	if !th.ShouldSample(sampling.TraceIDToRandomness(id)) {
		return fmt.Errorf("trace %v: th %s exceeds its randomness", id, th.TValue())
	}
	return nil
}

// bufferedTraces fails unless every sre_sampling instance's buffered-traces gauge equals want.
func bufferedTraces(col *harness.Collector, want float64) error {
	fam, err := harness.Scrape(col.TelemetryURL())
	if err != nil {
		return err
	}
	mf := fam["otelcol_processor_sre_sampling_buffered_traces"]
	if mf == nil || len(mf.GetMetric()) == 0 {
		return fmt.Errorf("no buffered-traces gauge yet")
	}
	for _, m := range mf.GetMetric() {
		if v := m.GetGauge().GetValue(); v != want {
			return fmt.Errorf("buffered traces %v in %v, want %v", v, m.GetLabel(), want)
		}
	}
	return nil
}

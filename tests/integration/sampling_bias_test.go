//go:build integration

package integration

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// headSampler stands for an upstream SDK that head-samples children at 1 % consistently
// (OTEP 235: kept iff the trace id's randomness passes the threshold, th written) and sends
// roots without a threshold.
type headSampler struct{ th sampling.Threshold }

func (s headSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	parent := trace.SpanContextFromContext(p.ParentContext)
	if !parent.IsValid() {
		return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample, Tracestate: parent.TraceState()}
	}
	if !s.th.ShouldSample(sampling.TraceIDToRandomness(pcommon.TraceID(p.TraceID))) {
		return sdktrace.SamplingResult{Decision: sdktrace.Drop}
	}
	ts, err := parent.TraceState().Insert("ot", "th:"+s.th.TValue())
	if err != nil {
		panic(err)
	}
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample, Tracestate: ts}
}

func (headSampler) Description() string { return "test head sampler at 1 %" }

type biasTruth struct{ good, bad float64 }

// The three repros through the built collector:
//   - late evidence: root + child decided by the ratio, then one error span per trace;
//   - mixed thresholds: roots without th, children head-sampled at 1 % upstream;
//   - overload: the budget decides traces early, then a tenth get an error and all a late child.
//
// For each, the sum of adjusted counts the sink received and the slo connector's weighted
// good and bad events must be within 3σ of the truth.
func TestSamplingEstimatesStayUnbiasedInHostileOrders(t *testing.T) {
	bins := harness.Bins(t)
	sink := harness.StartTempoStub(t)
	cfg := harness.WriteConfig(t, "sampling-bias.yaml", samplingBiasConfig, nil)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-sampling-bias", map[string]string{"SINK_ENDPOINT": sink.Addr}, cfg)
	svc := func(name string) attribute.KeyValue { return attribute.String("service.name", name) }
	lateTP := harness.TracerProvider(t, col.OTLPGRPC(), svc("late-evidence"))
	onePercent, _ := sampling.ProbabilityToThresholdWithPrecision(0.01, 4)
	mixedTP := harness.TracerProviderWithSampler(t, col.OTLPGRPC(), headSampler{onePercent}, svc("mixed-th"))
	overTP := harness.TracerProvider(t, col.OTLPGRPC(), svc("overload"))
	truth := map[string]*biasTruth{"late-evidence": {}, "mixed-th": {}, "overload": {}}
	now := time.Now()
	span := func(tp *sdktrace.TracerProvider, ctx context.Context, name string, isErr bool) context.Context {
		ctx, s := tp.Tracer("bias").Start(ctx, name, trace.WithTimestamp(now.Add(-10*time.Millisecond)))
		if isErr {
			s.SetStatus(codes.Error, "failed")
		}
		s.End(trace.WithTimestamp(now))
		return ctx
	}

	const lateN, mixedN, overN = 20_000, 60_000, 20_000
	lateRoots := make([]context.Context, lateN)
	for i := range lateRoots {
		lateRoots[i] = span(lateTP, context.Background(), "root", false)
		span(lateTP, lateRoots[i], "child", false)
	}
	truth["late-evidence"].good += 2 * lateN
	for i := 0; i < mixedN; i++ {
		span(mixedTP, span(mixedTP, context.Background(), "root", false), "child", false)
	}
	truth["mixed-th"].good += 2 * mixedN // children: each one sent stands for 100
	overRoots := make([]context.Context, overN)
	for i := range overRoots {
		overRoots[i] = span(overTP, context.Background(), "root", false)
		span(overTP, overRoots[i], "child", false)
	}
	truth["overload"].good += 2 * overN
	for _, tp := range []*sdktrace.TracerProvider{lateTP, mixedTP, overTP} {
		harness.Flush(t, tp)
	}
	harness.Eventually(t, 60*time.Second, "every trace decided", func() error { return bufferedTraces(col, 0) })
	early := selfCounter(t, col, "otelcol_processor_sre_sampling_early_decisions_total")
	if early < 1000 {
		t.Fatalf("%v early decisions: the 4 MiB budget did not force the overload path", early)
	}

	for _, ctx := range lateRoots { // evidence after the ratio decision
		span(lateTP, ctx, "error", true)
	}
	truth["late-evidence"].bad += lateN
	for i, ctx := range overRoots {
		if i%10 == 0 {
			span(overTP, ctx, "error", true)
			truth["overload"].bad++
		}
		span(overTP, ctx, "late child", false)
		truth["overload"].good++
	}
	harness.Flush(t, lateTP)
	harness.Flush(t, overTP)
	harness.Eventually(t, 60*time.Second, "late spans decided", func() error { return bufferedTraces(col, 0) })

	// What the sink received, as adjusted counts per service and outcome.
	got := map[string]*biasTruth{}
	harness.Eventually(t, 30*time.Second, "every late error span in the sink", func() error {
		clear(got)
		for name := range truth {
			got[name] = &biasTruth{}
		}
		for _, td := range sink.Traces() {
			for i := 0; i < td.ResourceSpans().Len(); i++ {
				rs := td.ResourceSpans().At(i)
				name, _ := rs.Resource().Attributes().Get("service.name")
				g := got[name.AsString()]
				harness.EachSpan(ptraceOf(rs), func(s ptrace.Span) {
					w := adjustedCount(s.TraceState().AsRaw())
					if s.Status().Code() == ptrace.StatusCodeError {
						g.bad += w
					} else {
						g.good += w
					}
				})
			}
		}
		if got["late-evidence"].bad != lateN {
			return fmt.Errorf("late error spans estimated at %v, want exactly %d (all th:0)", got["late-evidence"].bad, lateN)
		}
		return nil
	})
	// p is the keep probability of the class: 10 % for spans without an arriving threshold,
	// 0.1 % for the children head-sampled at 1 %.
	check := func(what string, est, n, p float64) {
		t.Helper()
		sigma := math.Sqrt(n * (1 - p) / p)
		if math.Abs(est-n) > 3*sigma {
			t.Errorf("%s: estimate %.0f, truth %.0f, 3σ %.0f", what, est, n, 3*sigma)
		} else {
			t.Logf("%s: estimate %.0f, truth %.0f (%.2fσ)", what, est, n, math.Abs(est-n)/sigma)
		}
	}
	// Roots and children of one trace share a decision, so their sum varies as 2 × one class.
	check("late-evidence good (sink)", got["late-evidence"].good/2, lateN, 0.1)
	check("overload good (sink)", got["overload"].good/3, overN, 0.1)
	if got["overload"].bad != truth["overload"].bad {
		t.Errorf("overload errors: estimate %v, want exactly %v", got["overload"].bad, truth["overload"].bad)
	}
	// Mixed: roots at 10 %, children at 0.1 %; the children's variance dominates.
	mixedSigma := math.Sqrt(mixedN*0.9/0.1 + mixedN*0.999/0.001)
	if d := math.Abs(got["mixed-th"].good - truth["mixed-th"].good); d > 3*mixedSigma {
		t.Errorf("mixed-th good: estimate %.0f, truth %.0f, 3σ %.0f", got["mixed-th"].good, truth["mixed-th"].good, 3*mixedSigma)
	}

	// The slo connector behind the sampler weights the same spans the same way.
	harness.Eventually(t, 30*time.Second, "slo connector estimates equal the sink's", func() error {
		fam, err := harness.Scrape(col.MetricsURL())
		if err != nil {
			return err
		}
		for name, g := range got {
			for outcome, want := range map[string]float64{"good": g.good, "bad": g.bad} {
				v, _ := sloValue(fam, "slo_events_total", map[string]string{"service_name": name, "slo_outcome": outcome})
				if math.Abs(v-want) > 1e-6*math.Max(1, want) {
					return fmt.Errorf("%s %s: slo connector %v, sink %v", name, outcome, v, want)
				}
			}
		}
		return nil
	})
	t.Logf("%v early decisions; truth %+v %+v %+v", early, *truth["late-evidence"], *truth["mixed-th"], *truth["overload"])
}

func ptraceOf(rs ptrace.ResourceSpans) ptrace.Traces {
	td := ptrace.NewTraces()
	rs.CopyTo(td.ResourceSpans().AppendEmpty())
	return td
}

func adjustedCount(raw string) float64 {
	w3c, err := sampling.NewW3CTraceState(raw)
	if err != nil {
		return 1
	}
	otts := w3c.OTelValue()
	if th, ok := otts.TValueThreshold(); ok {
		return 1 / th.Probability()
	}
	return 1
}

func selfCounter(t *testing.T, col *harness.Collector, name string) float64 {
	t.Helper()
	fam, err := harness.Scrape(col.TelemetryURL())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := sloValue(fam, name, nil)
	return v
}

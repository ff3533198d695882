package sloconnector

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// 200k server spans, 5 % errors, head-sampled at 10 % by OTEP 235 (keep iff T ≤ R, with R the
// trace id's low 56 bits) and stamped with ot=th. The adjusted-count totals must land within
// 3σ of the unsampled truth, where σ² = N(1−p)/p for a Horvitz–Thompson count.
func TestAdjustedCountsEstimateTheUnsampledTruth(t *testing.T) {
	c := newTestConnector(t, baseConfig(SLO{Name: "sampled", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}))
	threshold, err := sampling.ProbabilityToThresholdWithPrecision(0.1, 4)
	if err != nil {
		t.Fatal(err)
	}
	p := threshold.Probability()
	rng := rand.New(rand.NewPCG(5, 6))
	const total = 200_000
	var trueGood, trueBad float64
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "api")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < total; i++ {
		var id pcommon.TraceID
		for b := range id {
			id[b] = byte(rng.UintN(256))
		}
		isErr := rng.IntN(20) == 0
		if isErr {
			trueBad++
		} else {
			trueGood++
		}
		if !threshold.ShouldSample(sampling.TraceIDToRandomness(id)) {
			continue
		}
		span := spans.AppendEmpty()
		span.SetTraceID(id)
		span.SetKind(ptrace.SpanKindServer)
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(testNow))
		span.TraceState().FromRaw("ot=th:" + threshold.TValue())
		if isErr {
			span.Status().SetCode(ptrace.StatusCodeError)
		}
	}
	if err := c.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	got := points(c.buildMetrics(testNow))
	for outcome, truth := range map[string]float64{"good": trueGood, "bad": trueBad} {
		est := got["slo.events{service.name=api,slo.name=sampled,slo.outcome="+outcome+"}"]
		sigma := math.Sqrt(truth * (1 - p) / p)
		if math.Abs(est-truth) > 3*sigma {
			t.Errorf("%s: estimate %.1f, truth %.0f, |diff| %.1f > 3σ = %.1f", outcome, est, truth, math.Abs(est-truth), 3*sigma)
		}
		t.Logf("%s: truth %.0f estimate %.1f (σ %.1f, sampled %d spans)", outcome, truth, est, sigma, spans.Len())
	}
}

package sresamplingprocessor

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The adjusted-count estimate of a set of spans is the sum of 1/p over them, with p from each
// span's written th (no th: 1). It is unbiased only if every written th is the probability
// with which that span could have been kept, independent of the trace's randomness.

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

// estimateBy sums adjusted counts per span class, classified by span id's first byte.
func estimateBy(sink *consumertest.TracesSink) map[byte]float64 {
	out := map[byte]float64{}
	for _, s := range collect(sink) {
		out[s.spanID] += adjustedCount(s.tracestate)
	}
	return out
}

// within3σ checks an estimate of n items each kept with probability p (Horvitz-Thompson
// variance n(1-p)/p); weight scales it when the items come in groups that share a decision.
func within3σ(t *testing.T, what string, got, n, p, weight float64) {
	t.Helper()
	sigma := weight * math.Sqrt(n/weight*(1-p)/p)
	if math.Abs(got-n) > 3*sigma {
		t.Errorf("%s: estimate %.0f, truth %.0f, 3σ = %.0f", what, got, n, 3*sigma)
	} else {
		t.Logf("%s: estimate %.0f, truth %.0f (%.2fσ)", what, got, n, math.Abs(got-n)/math.Max(sigma, 1e-9))
	}
}

func decideAll(t *testing.T, p *sreSampling, clock *fakeClock) {
	t.Helper()
	clock.Add(p.cfg.MaxTraceAge + time.Second)
	p.tick(context.Background())
	if err := p.releases.drain(context.Background(), false); err != nil {
		t.Fatal(err)
	}
}

func consume(t *testing.T, p *sreSampling, td ptrace.Traces) {
	t.Helper()
	if err := p.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	if err := p.releases.drain(context.Background(), false); err != nil {
		t.Fatal(err)
	}
}

// Bias A: root + child are decided by the ratio, then one error span per trace arrives. The
// error spans must all come out with th:0 (40 000 estimated as 40 000), whichever way the
// ratio went; the ordinary spans stay an unbiased 10 % sample.
func TestBiasLateEvidenceAfterTheRatioDecision(t *testing.T) {
	const n = 40_000
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.DecisionCache = DecisionCacheCfg{Kept: n, Dropped: n}
	p, sink := newTestProcessor(t, cfg, clock)
	rng := rand.New(rand.NewPCG(11, 12))
	ids := make([]pcommon.TraceID, n)
	var specs []spanSpec
	for i := range ids {
		ids[i] = randomTraceID(rng)
		specs = append(specs, spanSpec{trace: ids[i], id: 1, root: true}, spanSpec{trace: ids[i], id: 2})
	}
	consume(t, p, batch(specs...))
	decideAll(t, p, clock)
	specs = specs[:0]
	for _, id := range ids {
		specs = append(specs, spanSpec{trace: id, id: 3, err: true})
	}
	consume(t, p, batch(specs...))
	est := estimateBy(sink)
	if est[3] != n {
		t.Errorf("late error spans estimated at %.0f, want exactly %d (every one kept with th:0)", est[3], n)
	}
	within3σ(t, "roots", est[1], n, 0.1, 1)
	within3σ(t, "children", est[2], n, 0.1, 1)
	// The children of ratio-kept traces must still carry the ratio's th, not th:0.
	for _, s := range collect(sink) {
		if s.spanID != 3 && s.tracestate == "ot=th:0" {
			t.Fatalf("an ordinary span of a ratio-decided trace was rewritten th:0 after a late error")
		}
	}
}

// Bias B: roots arrive without th; children arrive head-sampled at 1 % upstream (only when
// their randomness passes, as a consistent SDK sampler sends them). Each span must keep its own
// composed threshold: roots at 10 %, children at 1 % × 10 %.
func TestBiasMixedArrivingThresholdsInOneTrace(t *testing.T) {
	const n = 200_000
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.DecisionCache = DecisionCacheCfg{Kept: 1000, Dropped: 1000}
	p, sink := newTestProcessor(t, cfg, clock)
	rng := rand.New(rand.NewPCG(21, 22))
	onePercent, _ := sampling.ProbabilityToThresholdWithPrecision(0.01, 4)
	var specs []spanSpec
	for i := 0; i < n; i++ {
		id := randomTraceID(rng)
		specs = append(specs, spanSpec{trace: id, id: 1, root: true})
		if onePercent.ShouldSample(sampling.TraceIDToRandomness(id)) {
			specs = append(specs, spanSpec{trace: id, id: 2, tracestate: "ot=th:" + onePercent.TValue()})
		}
		if len(specs) >= 20_000 {
			consume(t, p, batch(specs...))
			specs = specs[:0]
		}
	}
	consume(t, p, batch(specs...))
	decideAll(t, p, clock)
	est := estimateBy(sink)
	within3σ(t, "roots (10 %)", est[1], n, 0.1, 1)
	within3σ(t, "children (1 % upstream × 10 %)", est[2], n, 0.001, 1)
}

// Bias C: a budget far below the working set forces early decisions, while a tenth of the
// traces get a late error span after their decision; some traces also send children after it.
func TestBiasOverloadEarlyDecisionsWithLateErrors(t *testing.T) {
	const n = 30_000
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.MemoryLimitMiB = 1
	cfg.DecisionCache = DecisionCacheCfg{Kept: 2000, Dropped: 2000}
	cfg.DecisionWait, cfg.MaxTraceAge = 10*time.Minute, 10*time.Minute
	p, sink := newTestProcessor(t, cfg, clock)
	rng := rand.New(rand.NewPCG(31, 32))
	ids := make([]pcommon.TraceID, n)
	var specs []spanSpec
	for i := range ids {
		ids[i] = randomTraceID(rng)
		specs = append(specs, spanSpec{trace: ids[i], id: 1, root: true}, spanSpec{trace: ids[i], id: 2})
		if len(specs) >= 2000 {
			consume(t, p, batch(specs...))
			specs = specs[:0]
		}
	}
	consume(t, p, batch(specs...))
	specs = specs[:0]
	errors := 0
	for i, id := range ids {
		if i%10 == 0 {
			specs = append(specs, spanSpec{trace: id, id: 3, err: true})
			errors++
		}
		specs = append(specs, spanSpec{trace: id, id: 4}) // a late ordinary child
	}
	consume(t, p, batch(specs...))
	decideAll(t, p, clock)
	if early := earlyDecisions(p); early < n/2 {
		t.Fatalf("only %d early decisions: the budget did not force the overload path", early)
	}
	est := estimateBy(sink)
	if est[3] != float64(errors) {
		t.Errorf("late errors estimated at %.0f, want exactly %d", est[3], errors)
	}
	within3σ(t, "roots", est[1], n, 0.1, 1)
	within3σ(t, "children", est[2], n, 0.1, 1)
	within3σ(t, "late children", est[4], n, 0.1, 1)
}

func earlyDecisions(p *sreSampling) int64 {
	var total int64
	for i := range p.shards {
		p.shards[i].mu.Lock()
		total += p.shards[i].engine.TakeStats().EarlyDecisions
		p.shards[i].mu.Unlock()
	}
	return total + p.earlyTotal.Load()
}

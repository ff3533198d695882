package sresamplingprocessor

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// routeTraces builds n one-span root traces on a route, optionally under a tenant and with an
// error, tagging span ids with class so estimates can be told apart.
func routeTraces(rng *rand.Rand, td ptrace.Traces, n int, route, tenant string, class byte, isErr bool) {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "shop")
	if tenant != "" {
		rs.Resource().Attributes().PutStr("tenant", tenant)
	}
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID(randomTraceID(rng))
		s.SetSpanID(pcommon.SpanID{class, byte(i), byte(i >> 8), byte(i >> 16)})
		s.SetKind(ptrace.SpanKindServer)
		s.Attributes().PutStr("http.route", route)
		if isErr {
			s.Status().SetCode(ptrace.StatusCodeError)
		}
	}
}

func spansByClass(sink *consumertest.TracesSink) (count map[byte]int, est map[byte]float64, ts map[byte]map[string]bool) {
	count, est, ts = map[byte]int{}, map[byte]float64{}, map[byte]map[string]bool{}
	for _, s := range collect(sink) {
		count[s.spanID]++
		est[s.spanID] += adjustedCount(s.tracestate)
		if ts[s.spanID] == nil {
			ts[s.spanID] = map[string]bool{}
		}
		ts[s.spanID][s.tracestate] = true
	}
	return count, est, ts
}

// The three rules users ask for most, in order: drop health checks (even failing ones: the
// user said drop), keep 1 % of a noisy route, keep every trace of a VIP tenant at once.
func TestRulesDropKeepRatioAndKeepAll(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.Rules = []RuleConfig{
		{Name: "healthz", When: `attributes["http.route"] == "/healthz"`, Action: "drop"},
		{Name: "noisy", When: `attributes["http.route"] == "/noisy"`, Action: "keep", Ratio: 0.01},
		{Name: "vip", When: `resource.attributes["tenant"] == "vip"`, Action: "keep"},
	}
	p, sink := newTestProcessor(t, cfg, clock)
	rng := rand.New(rand.NewPCG(51, 52))
	td := ptrace.NewTraces()
	routeTraces(rng, td, 1000, "/healthz", "", 1, false)
	routeTraces(rng, td, 100, "/healthz", "", 2, true)
	routeTraces(rng, td, 50_000, "/noisy", "", 3, false)
	routeTraces(rng, td, 200, "/checkout", "vip", 4, false)
	routeTraces(rng, td, 20_000, "/checkout", "", 5, false)
	consume(t, p, td)
	count, _, ts := spansByClass(sink)
	if count[4] != 200 || !ts[4]["ot=th:0"] || len(ts[4]) != 1 {
		t.Fatalf("VIP traces must be kept at once with th:0: %d of 200, %v", count[4], ts[4])
	}
	if len(count) != 1 {
		t.Fatalf("only the VIP traces may be out before the decision time: %v", count)
	}
	decideAll(t, p, clock)
	count, est, ts := spansByClass(sink)
	if count[1] != 0 || count[2] != 0 {
		t.Errorf("health checks kept: %d ok, %d failing", count[1], count[2])
	}
	onePercent, _ := sampling.ProbabilityToThresholdWithPrecision(0.01, thresholdPrecision)
	if !ts[3]["ot=th:"+onePercent.TValue()] || len(ts[3]) != 1 {
		t.Errorf("noisy route thresholds %v, want th:%s only", ts[3], onePercent.TValue())
	}
	within3σ(t, "noisy route at 1 %", est[3], 50_000, 0.01, 1)
	within3σ(t, "ordinary route at 10 %", est[5], 20_000, 0.1, 1)
}

// Keys: three routes at 10 000, 100 and 10 spans/s against a 1 000 spans/s target. After
// the first interval the rare routes keep everything and the hot one keeps the rest (890/s),
// each estimate stays within 3σ of its truth, and the total kept rate meets the target.
func TestKeysKeepRareRoutesAndMeetTheTarget(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.Keys = []string{"http.route"}
	cfg.TargetSpansPerSecond = 1000
	cfg.AdjustInterval = time.Second
	cfg.DecisionWait, cfg.MaxTraceAge = 100*time.Millisecond, time.Second
	cfg.DecisionCache = DecisionCacheCfg{Kept: 1000, Dropped: 1000}
	p, sink := newTestProcessor(t, cfg, clock)
	rng := rand.New(rand.NewPCG(61, 62))
	const seconds = 8
	for s := 0; s < seconds; s++ {
		td := ptrace.NewTraces()
		routeTraces(rng, td, 10_000, "/hot", "", 1, false)
		routeTraces(rng, td, 100, "/mid", "", 2, false)
		routeTraces(rng, td, 10, "/rare", "", 3, false)
		consume(t, p, td)
		clock.Add(time.Second)
		p.tick(context.Background()) // decides the second's traces, then adapts
		if err := p.releases.drain(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		if s == 0 {
			sink.Reset() // the first second ran at the static ratio
		}
	}
	count, est, _ := spansByClass(sink)
	rest := seconds - 1
	if count[3] != 10*rest || count[2] != 100*rest {
		t.Errorf("rare routes: kept %d of %d and %d of %d, want all", count[3], 10*rest, count[2], 100*rest)
	}
	hot := float64(count[1]) / float64(rest)
	if hot < 800 || hot > 980 {
		t.Errorf("hot route kept %.0f spans/s, want about 890 (the target less the rare routes)", hot)
	}
	within3σ(t, "hot route", est[1], float64(10_000*rest), 890.0/10_000, 1)
	if est[2] != float64(100*rest) || est[3] != float64(10*rest) {
		t.Errorf("rare estimates %.0f %.0f", est[2], est[3])
	}
	if k := p.policy.controller.Keys(); k != 4 {
		t.Errorf("%d keys, want 3 routes and the shared other key", k)
	}
}

// An error storm of 10 000 error traces/s against max_spans_per_second 500: after one
// interval the evidence ratio falls to 0.1 (the min_error_ratio floor; 500/10 000 would be
// 0.05), every kept error span carries the threshold of that ratio, and the estimate of the
// error spans stays within 3σ of the truth.
func TestThroughputCapHoldsUnderAnErrorStorm(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.MaxSpansPerSecond = 500
	cfg.MinErrorRatio = 0.1
	cfg.AdjustInterval = time.Second
	cfg.DecisionWait, cfg.MaxTraceAge = 100*time.Millisecond, time.Second
	cfg.DecisionCache = DecisionCacheCfg{Kept: 1000, Dropped: 1000}
	p, sink := newTestProcessor(t, cfg, clock)
	rng := rand.New(rand.NewPCG(71, 72))
	const seconds = 6
	for s := 0; s < seconds; s++ {
		td := ptrace.NewTraces()
		routeTraces(rng, td, 10_000, "/pay", "", 1, true)
		routeTraces(rng, td, 1000, "/browse", "", 2, false)
		consume(t, p, td)
		clock.Add(time.Second)
		p.tick(context.Background())
		if err := p.releases.drain(context.Background(), false); err != nil {
			t.Fatal(err)
		}
		if s == 0 {
			if sink.SpanCount() < 10_000 {
				t.Fatalf("before any interval evidence is kept in full: %d", sink.SpanCount())
			}
			sink.Reset()
		}
	}
	if r := p.policy.controller.EvidenceRatio(); r != 0.1 {
		t.Fatalf("evidence ratio %v, want the 0.1 floor", r)
	}
	count, est, ts := spansByClass(sink)
	rest := seconds - 1
	tenth, _ := sampling.ProbabilityToThresholdWithPrecision(0.1, thresholdPrecision)
	if !ts[1]["ot=th:"+tenth.TValue()] || len(ts[1]) != 1 {
		t.Errorf("capped error thresholds %v, want th:%s", ts[1], tenth.TValue())
	}
	if perSecond := float64(count[1]+count[2]) / float64(rest); perSecond > 1100 {
		t.Errorf("%.0f spans/s forwarded under the cap (500, floor 10 %% of 10 000 errors = 1 000)", perSecond)
	}
	within3σ(t, "capped errors", est[1], float64(10_000*rest), 0.1, 1)
}

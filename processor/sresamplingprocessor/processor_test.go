package sresamplingprocessor

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
)

// fakeClock is advanced by the test; the processor's ticker still runs on wall time but reads
// the fake now, so nothing is decided until the test moves the clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func testConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Latency.Threshold = time.Second
	return cfg
}

func newTestProcessor(t *testing.T, cfg *Config, clock *fakeClock) (*sreSampling, *consumertest.TracesSink) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	sink := new(consumertest.TracesSink)
	p, err := newProcessor(componenttest.NewNopTelemetrySettings(), cfg, sink, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return p, sink
}

type spanSpec struct {
	trace      pcommon.TraceID
	id         byte
	root       bool
	err        bool
	duration   time.Duration
	tracestate string
}

func batch(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	for _, s := range specs {
		span := spans.AppendEmpty()
		span.SetTraceID(s.trace)
		span.SetSpanID(pcommon.SpanID{s.id, 1})
		if !s.root {
			span.SetParentSpanID(pcommon.SpanID{9, 9})
		}
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-s.duration)))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		span.Attributes().PutStr("http.route", "/x")
		if s.err {
			span.Status().SetCode(ptrace.StatusCodeError)
		}
		span.TraceState().FromRaw(s.tracestate)
	}
	return td
}

func randomTraceID(rng *rand.Rand) pcommon.TraceID {
	var id pcommon.TraceID
	for i := range id {
		id[i] = byte(rng.UintN(256))
	}
	return id
}

type outSpan struct {
	trace      pcommon.TraceID
	spanID     byte
	tracestate string
}

func collect(sink *consumertest.TracesSink) []outSpan {
	var out []outSpan
	for _, td := range sink.AllTraces() {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			sss := td.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					s := spans.At(k)
					out = append(out, outSpan{s.TraceID(), s.SpanID()[0], s.TraceState().AsRaw()})
				}
			}
		}
	}
	return out
}

func TestErrorTraceIsReleasedWholeAtOnceWithThresholdZero(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	p, sink := newTestProcessor(t, testConfig(), clock)
	ctx := context.Background()
	tid := pcommon.TraceID{1, 2, 3}
	if err := p.ConsumeTraces(ctx, batch(spanSpec{trace: tid, id: 1, root: true}, spanSpec{trace: tid, id: 2})); err != nil {
		t.Fatal(err)
	}
	if sink.SpanCount() != 0 {
		t.Fatalf("undecided trace forwarded %d spans", sink.SpanCount())
	}
	if err := p.ConsumeTraces(ctx, batch(spanSpec{trace: tid, id: 3, err: true})); err != nil {
		t.Fatal(err)
	}
	if err := p.releases.drain(ctx, false); err != nil { // what the run goroutine does when woken
		t.Fatal(err)
	}
	got := collect(sink)
	if len(got) != 3 {
		t.Fatalf("error trace released %d of 3 spans", len(got))
	}
	for _, s := range got {
		if s.tracestate != "ot=th:0" {
			t.Errorf("span %d tracestate %q, want ot=th:0", s.spanID, s.tracestate)
		}
	}
	if err := p.ConsumeTraces(ctx, batch(spanSpec{trace: tid, id: 4})); err != nil {
		t.Fatal(err)
	}
	if sink.SpanCount() != 4 {
		t.Errorf("late span of a kept trace not passed through: %d spans", sink.SpanCount())
	}
}

func TestSlowSpanKeepsItsTrace(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.Latency.PerService = map[string]time.Duration{"svc": 300 * time.Millisecond}
	p, sink := newTestProcessor(t, cfg, clock)
	tid := pcommon.TraceID{7}
	if err := p.ConsumeTraces(context.Background(), batch(spanSpec{trace: tid, id: 1, root: true, duration: 301 * time.Millisecond}, spanSpec{trace: tid, id: 2})); err != nil {
		t.Fatal(err)
	}
	if sink.SpanCount() != 2 {
		t.Errorf("slow trace (per-service 300ms) not released: %d spans", sink.SpanCount())
	}
}

// The set of traces our ratio keeps, and the th written, must equal what contrib's
// probabilistic_sampler keeps in proportional mode at the same ratio, including traces that
// arrive head-sampled at 50 % (th:8) and with explicit rv.
func TestRatioMatchesProbabilisticSamplerProportional(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var specs []spanSpec
	for i := 0; i < 20000; i++ {
		s := spanSpec{trace: randomTraceID(rng), id: 1, root: true}
		switch i % 4 {
		case 1:
			r := sampling.TraceIDToRandomness(s.trace)
			if half, _ := sampling.TValueToThreshold("8"); half.ShouldSample(r) {
				s.tracestate = "ot=th:8"
			}
		case 2:
			rnd, _ := sampling.UnsignedToRandomness(rng.Uint64() & (1<<56 - 1))
			s.tracestate = "ot=rv:" + rnd.RValue() + ";x:y,other=vendor"
		}
		specs = append(specs, s)
	}

	pspFactory := probabilisticsamplerprocessor.NewFactory()
	pspCfg := pspFactory.CreateDefaultConfig().(*probabilisticsamplerprocessor.Config)
	pspCfg.Mode = "proportional"
	pspCfg.SamplingPercentage = 10
	pspSink := new(consumertest.TracesSink)
	psp, err := pspFactory.CreateTraces(context.Background(), processortest.NewNopSettings(pspFactory.Type()), pspCfg, pspSink)
	if err != nil {
		t.Fatal(err)
	}
	if err := psp.ConsumeTraces(context.Background(), batch(specs...)); err != nil {
		t.Fatal(err)
	}

	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.Ratio = 0.1
	p, sink := newTestProcessor(t, cfg, clock)
	if err := p.ConsumeTraces(context.Background(), batch(specs...)); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil { // decides everything by the ratio
		t.Fatal(err)
	}

	want := map[pcommon.TraceID]string{}
	for _, s := range collect(pspSink) {
		want[s.trace] = s.tracestate
	}
	got := map[pcommon.TraceID]string{}
	for _, s := range collect(sink) {
		got[s.trace] = s.tracestate
	}
	if len(want) < 1000 || len(got) != len(want) {
		t.Fatalf("kept %d traces, probabilistic_sampler kept %d", len(got), len(want))
	}
	for id, ts := range want {
		if got[id] != ts {
			t.Errorf("trace %v: tracestate %q, probabilistic_sampler wrote %q", id, got[id], ts)
		}
	}
}

func TestBadInputIsCountedNotFatal(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	p, sink := newTestProcessor(t, testConfig(), clock)
	malformed := "ot=th:zz;;,=,bad key=1"
	td := batch(
		spanSpec{trace: pcommon.TraceID{1}, id: 1, root: true, err: true, tracestate: malformed},
		spanSpec{trace: pcommon.TraceID{}, id: 2, root: true, err: true},
	)
	if err := p.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	got := collect(sink)
	if len(got) != 1 || got[0].tracestate != malformed {
		t.Fatalf("want the malformed-tracestate error span unchanged and the id-less span dropped, got %+v", got)
	}
}

func TestInvalidConfigNamesTheField(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"ratio":                           func(c *Config) { c.Ratio = 1.5 },
		"decision_wait":                   func(c *Config) { c.DecisionWait = 0 },
		"decision_wait: 1ns":              func(c *Config) { c.DecisionWait = time.Nanosecond },
		"decision_wait: 9ms":              func(c *Config) { c.DecisionWait = 9 * time.Millisecond },
		"decision_wait: 11m":              func(c *Config) { c.DecisionWait = 11 * time.Minute; c.MaxTraceAge = time.Hour },
		"max_trace_age: 25h":              func(c *Config) { c.MaxTraceAge = 25 * time.Hour },
		"max_trace_age":                   func(c *Config) { c.MaxTraceAge = time.Second },
		"memory_limit_mib":                func(c *Config) { c.MemoryLimitMiB = 0 },
		"keep_when[0]":                    func(c *Config) { c.KeepWhen = []string{"attributes[ == 1"} },
		"errors.http_status_min":          func(c *Config) { c.Errors.HTTPStatusMin = 1000 },
		"errors.rpc_grpc_status_codes[1]": func(c *Config) { c.Errors.RPCGRPCStatusCodes = []int64{2, 99} },
		"latency.threshold":               func(c *Config) { c.Latency.Threshold = time.Nanosecond },
		"latency.per_service[a]":          func(c *Config) { c.Latency.PerService = map[string]time.Duration{"a": 0} },
		"rules[0].action":                 func(c *Config) { c.Rules = []RuleConfig{{When: "true", Action: "sample"}} },
		"rules[1].when":                   func(c *Config) { c.Rules = []RuleConfig{{When: "true", Action: "drop"}, {Action: "keep"}} },
		"rules[0].when: \"attributes[\"":  func(c *Config) { c.Rules = []RuleConfig{{When: "attributes[", Action: "drop"}} },
		"rules[0].ratio: 1.5":             func(c *Config) { c.Rules = []RuleConfig{{When: "true", Action: "keep", Ratio: 1.5}} },
		"rules[0].ratio: 0.5 is only":     func(c *Config) { c.Rules = []RuleConfig{{When: "true", Action: "drop", Ratio: 0.5}} },
		"target_spans_per_second: 0 must be positive when keys": func(c *Config) { c.Keys = []string{"http.route"} },
		"keys[0]": func(c *Config) { c.Keys = []string{""}; c.TargetSpansPerSecond = 1 },
		"target_spans_per_second: 20 must not exceed": func(c *Config) { c.TargetSpansPerSecond = 20; c.MaxSpansPerSecond = 10 },
		"max_spans_per_second: -1":                    func(c *Config) { c.MaxSpansPerSecond = -1 },
		"min_error_ratio: 0":                          func(c *Config) { c.MinErrorRatio = 0 },
		"max_keys: 0":                                 func(c *Config) { c.MaxKeys = 0 },
		"adjust_interval: 100ms":                      func(c *Config) { c.AdjustInterval = 100 * time.Millisecond },
		"num_shards: -1":                              func(c *Config) { c.NumShards = -1 },
		"max_trace_bytes: 100":                        func(c *Config) { c.MaxTraceBytes = 100 },
		"decision_cache: 10000000 + 1000000 entries take 167 MiB": func(c *Config) { c.DecisionCache.Kept = 10_000_000 },
		"memory_limit_mib: -5": func(c *Config) { c.MemoryLimitMiB = -5 },
	} {
		cfg := testConfig()
		mutate(cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the field", name, err)
		}
	}
	edges := testConfig()
	edges.DecisionWait, edges.MaxTraceAge = 10*time.Millisecond, 24*time.Hour
	edges.MaxTraceBytes, edges.NumShards, edges.AdjustInterval = 64<<10, 1024, time.Second
	edges.Rules = []RuleConfig{{When: "true", Action: "keep", Ratio: 1}, {When: "true", Action: "keep"}}
	if err := edges.Validate(); err != nil {
		t.Errorf("edge values are allowed: %v", err)
	}
}

// The processor declares MutatesData false, so the collector hands it the same batch as the
// SLOs and pillars, marked read-only: buffering, deciding on sight and late spans must only
// read it (pdata panics on a write to a read-only batch), and the spans it forwards at once
// carry their threshold on its own copy, with their resource and scope.
func TestReadOnlyInputIsNeverWritten(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	p, sink := newTestProcessor(t, testConfig(), clock)
	ctx := context.Background()
	kept, buffered := pcommon.TraceID{1}, pcommon.TraceID{2}
	first := batch(spanSpec{trace: kept, id: 1, err: true}, spanSpec{trace: buffered, id: 2, root: true})
	first.MarkReadOnly()
	if err := p.ConsumeTraces(ctx, first); err != nil {
		t.Fatal(err)
	}
	late := batch(spanSpec{trace: kept, id: 3, tracestate: "ot=rv:00000000000001"})
	late.MarkReadOnly()
	if err := p.ConsumeTraces(ctx, late); err != nil {
		t.Fatal(err)
	}
	if s := late.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0); s.TraceState().AsRaw() != "ot=rv:00000000000001" {
		t.Errorf("input tracestate changed to %q", s.TraceState().AsRaw())
	}
	got := collect(sink)
	if len(got) != 2 || got[0].spanID != 1 || got[1].spanID != 3 {
		t.Fatalf("forwarded %+v, want spans 1 and 3 of the error trace", got)
	}
	for _, s := range got {
		if !strings.Contains(s.tracestate, "th:0") {
			t.Errorf("span %d forwarded with tracestate %q, want th:0", s.spanID, s.tracestate)
		}
	}
	for _, td := range sink.AllTraces() {
		if svc, _ := td.ResourceSpans().At(0).Resource().Attributes().Get("service.name"); svc.AsString() != "svc" {
			t.Errorf("forwarded resource lost service.name: %v", td.ResourceSpans().At(0).Resource().Attributes().AsRaw())
		}
	}
}

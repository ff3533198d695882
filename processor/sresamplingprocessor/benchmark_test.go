package sresamplingprocessor

import (
	"context"
	"encoding/binary"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// The shared workload: batches of 100 traces × 10 spans, 6 span attributes and 3 resource
// attributes, 1 % error traces and 5 % slow traces (one span over the 500 ms threshold).
const (
	benchTraces        = 100
	benchSpansPerTrace = 10
	benchSlow          = 500 * time.Millisecond
)

func benchWorkload(seq uint64) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	ra := rs.Resource().Attributes()
	ra.PutStr("service.name", "checkout")
	ra.PutStr("service.version", "1.4.2")
	ra.PutStr("deployment.environment.name", "prod")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	spans.EnsureCapacity(benchTraces * benchSpansPerTrace)
	now := time.Now()
	for t := 0; t < benchTraces; t++ {
		n := seq*benchTraces + uint64(t)
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[:8], n)
		binary.BigEndian.PutUint64(tid[8:], n*0x9E3779B97F4A7C15) // spread randomness over 56 bits
		kind := n % 100                                           // 0: error trace, 1-5: slow trace
		for s := 0; s < benchSpansPerTrace; s++ {
			span := spans.AppendEmpty()
			span.SetTraceID(tid)
			span.SetSpanID(pcommon.SpanID{byte(s + 1), byte(t)})
			if s > 0 {
				span.SetParentSpanID(pcommon.SpanID{1, byte(t)})
				span.SetKind(ptrace.SpanKindClient)
			} else {
				span.SetKind(ptrace.SpanKindServer)
			}
			span.SetName("GET /api/items")
			d := time.Duration(10+s) * time.Millisecond
			if kind >= 1 && kind <= 5 && s == 3 {
				d = 700 * time.Millisecond
			}
			span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-d)))
			span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
			a := span.Attributes()
			a.PutStr("http.request.method", "GET")
			a.PutStr("http.route", "/api/items")
			a.PutInt("http.response.status_code", 200)
			a.PutStr("server.address", "checkout.internal")
			a.PutInt("server.port", 8080)
			a.PutStr("user_agent.original", "bench/1.0")
			if kind == 0 && s == 5 {
				span.Status().SetCode(ptrace.StatusCodeError)
			}
		}
	}
	return td
}

func settingsFor(f processor.Factory, tel *componenttest.Telemetry) processor.Settings {
	set := processortest.NewNopSettings(f.Type())
	if tel != nil {
		set.TelemetrySettings = tel.NewTelemetrySettings()
	}
	return set
}

func newSRESampling(b *testing.B, next consumer.Traces, wait time.Duration, tel *componenttest.Telemetry) processor.Traces {
	cfg := createDefaultConfig().(*Config)
	cfg.Latency.Threshold = benchSlow
	cfg.DecisionWait, cfg.MaxTraceAge = wait, 2*wait
	cfg.MemoryLimitMiB = 4096
	f := NewFactory()
	p, err := f.CreateTraces(context.Background(), settingsFor(f, tel), cfg, next)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// newTailSampling is contrib's tail_sampling v0.161.0 with the equivalent composite policy, in
// its default (trace-complete) mode or in span-ingest mode, which decides terminal policies
// (errors, latency) as batches arrive.
func newTailSampling(strategy string) func(*testing.B, consumer.Traces, time.Duration, *componenttest.Telemetry) processor.Traces {
	return func(b *testing.B, next consumer.Traces, wait time.Duration, tel *componenttest.Telemetry) processor.Traces {
		f := tailsamplingprocessor.NewFactory()
		cfg := f.CreateDefaultConfig()
		conf := confmap.NewFromStringMap(map[string]any{
			"decision_wait":     wait.String(),
			"num_traces":        1_000_000,
			"sampling_strategy": strategy,
			"decision_cache":    map[string]any{"sampled_cache_size": 100_000, "non_sampled_cache_size": 1_000_000},
			"policies": []any{
				map[string]any{"name": "errors", "type": "status_code", "status_code": map[string]any{"status_codes": []any{"ERROR"}}},
				map[string]any{"name": "slow", "type": "latency", "latency": map[string]any{"threshold_ms": benchSlow.Milliseconds()}},
				map[string]any{"name": "ratio", "type": "probabilistic", "probabilistic": map[string]any{"sampling_percentage": 10}},
			},
		})
		if err := conf.Unmarshal(cfg); err != nil {
			b.Fatal(err)
		}
		p, err := f.CreateTraces(context.Background(), settingsFor(f, tel), cfg, next)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
}

type contender struct {
	name string
	make func(*testing.B, consumer.Traces, time.Duration, *componenttest.Telemetry) processor.Traces
}

var contenders = []contender{
	{"sre_sampling", newSRESampling},
	{"tail_sampling", newTailSampling("trace-complete")},
	{"tail_sampling_span_ingest", newTailSampling("span-ingest")},
}

// harnessBaseline drops every batch: its CPU is the harness's own (input pdata, GC), which both
// contenders pay on top of their work, so it can be subtracted from each.
type harnessBaseline struct {
	component.StartFunc
	component.ShutdownFunc
}

func (harnessBaseline) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}
func (harnessBaseline) ConsumeTraces(context.Context, ptrace.Traces) error { return nil }

var baseline = contender{"harness_baseline", func(*testing.B, consumer.Traces, time.Duration, *componenttest.Telemetry) processor.Traces {
	return harnessBaseline{}
}}

// BenchmarkEndToEnd measures the whole path, ingest, decide and forward, on a realistic
// workload: 300 batches of 100 spans, each trace's 10 spans spread over 10 consecutive batches,
// random ids, three per-request attributes, 1 % error and 5 % slow traces. The batches are
// built before the clock starts; the run ends when the contender has decided every trace (its
// own decision counters), with a 1 s decision wait for all. cpu-ns/span is getrusage over the
// run (every goroutine and the GC); wall time mostly waits for the decision and is not
// reported.
func BenchmarkEndToEnd(b *testing.B) {
	const batches = 300
	for _, c := range append([]contender{baseline}, contenders...) {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			spans := 0
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				tel := componenttest.NewTelemetry()
				p := c.make(b, consumertest.NewNop(), time.Second, tel)
				if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
					b.Fatal(err)
				}
				w := newSpreadWorkload(uint64(i+1), 1)
				inputs := make([]ptrace.Traces, batches)
				traces := map[pcommon.TraceID]bool{}
				for j := range inputs {
					inputs[j] = w.next(0)
					spans += inputs[j].SpanCount()
					harnessEachTrace(inputs[j], func(id pcommon.TraceID) { traces[id] = true })
				}
				runtime.GC()
				b.StartTimer()
				before := cpuTime()
				for j := range inputs {
					if err := p.ConsumeTraces(context.Background(), inputs[j]); err != nil {
						b.Fatal(err)
					}
					inputs[j] = ptrace.Traces{}
				}
				waitDecided(b, c.name, tel, int64(len(traces)))
				cpu += cpuTime() - before
				b.StopTimer()
				_ = p.Shutdown(context.Background())
				_ = tel.Shutdown(context.Background())
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(spans), "cpu-ns/span")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func harnessEachTrace(td ptrace.Traces, fn func(pcommon.TraceID)) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				fn(sss.At(j).Spans().At(k).TraceID())
			}
		}
	}
}

// waitDecided polls the contender's own counters until it has decided `traces` traces,
// bounded at 60 s: sre_sampling's kept + dropped traces, tail_sampling's global count.
func waitDecided(b *testing.B, name string, tel *componenttest.Telemetry, traces int64) {
	if name == "harness_baseline" {
		return
	}
	counters := []string{"otelcol_processor_sre_sampling_traces_kept", "otelcol_processor_sre_sampling_traces_dropped"}
	if name != "sre_sampling" {
		counters = []string{"otelcol_processor_tail_sampling_global_count_traces_sampled"}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var decided int64
		for _, n := range counters {
			if m, err := tel.GetMetric(n); err == nil {
				if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
					for _, dp := range sum.DataPoints {
						decided += dp.Value
					}
				}
			}
		}
		if decided >= traces {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s decided %d of %d traces in 60s", name, decided, traces)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkParallelIngest feeds pre-built batches from every goroutine at once (run with
// -cpu 1,2) through the whole path with a 100 ms decision wait: the throughput ratio between
// the two is the scaling the shards allow, and the serial fraction follows by Amdahl's law.
func BenchmarkParallelIngest(b *testing.B) {
	cfg := createDefaultConfig().(*Config)
	cfg.Latency.Threshold = benchSlow
	cfg.DecisionWait, cfg.MaxTraceAge = 100*time.Millisecond, time.Second
	cfg.MemoryLimitMiB = 4096
	p, err := newProcessor(componenttest.NewNopTelemetrySettings(), cfg, consumertest.NewNop(), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Shutdown(context.Background()) }()
	w := newSpreadWorkload(9, 1)
	inputs := make([]ptrace.Traces, b.N)
	spans := 0
	for i := range inputs {
		inputs[i] = w.next(0)
		spans += inputs[i].SpanCount()
	}
	var next atomic.Int64
	runtime.GC()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if err := p.ConsumeTraces(context.Background(), inputs[i]); err != nil {
				b.Error(err)
				return
			}
			inputs[i] = ptrace.Traces{}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBufferedHeap measures the live heap each buffered span costs on the realistic
// workload (each trace over 10 batches, random ids, per-request attributes): 2 000 batches,
// 200 000 spans, wait for a decision that does not come during the measurement.
func BenchmarkBufferedHeap(b *testing.B) {
	const batches = 2000
	buffered := batches * 100
	// tail_sampling's span-ingest mode is left out: it decides the traces a terminal policy
	// keeps (here the 10 % ratio among them) on their first batch, so it buffers another set.
	for _, c := range contenders[:2] {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tel := componenttest.NewTelemetry()
				p := c.make(b, consumertest.NewNop(), 10*time.Minute, tel)
				if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
					b.Fatal(err)
				}
				before := liveHeap() // the processor's fixed cost (cache rings) is already in here
				inputs := make([]ptrace.Traces, batches)
				w := newSpreadWorkload(uint64(i+1), 1)
				for j := range inputs {
					inputs[j] = w.next(0)
				}
				for j := range inputs {
					if err := p.ConsumeTraces(context.Background(), inputs[j]); err != nil {
						b.Fatal(err)
					}
					inputs[j] = ptrace.Traces{} // handed over: what stays live is the processor's
				}
				if c.name != "sre_sampling" {
					waitTailSamplingHolds(b, tel, batches*10) // 10 new traces per batch
				}
				after := liveHeap()
				b.ReportMetric(float64(after-before)/float64(buffered), "B/buffered-span")
				runtime.KeepAlive(p)
				_ = p.Shutdown(context.Background())
				_ = tel.Shutdown(context.Background())
			}
		})
	}
}

// waitTailSamplingHolds polls tail_sampling's own gauge until its shard goroutine has taken in
// every trace, bounded at 30 s.
func waitTailSamplingHolds(b *testing.B, tel *componenttest.Telemetry, traces int64) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		m, err := tel.GetMetric("otelcol_processor_tail_sampling_sampling_traces_on_memory")
		if err == nil {
			if g, ok := m.Data.(metricdata.Gauge[int64]); ok && len(g.DataPoints) > 0 && g.DataPoints[0].Value >= traces {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("tail_sampling did not take in %d traces: %v %v", traces, m, err)
		}
		time.Sleep(time.Millisecond)
	}
}

func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkErrorDecisionLatency measures how long an error trace waits between the arrival of
// its error span and its export downstream, with a 1 s decision wait for both.
func BenchmarkErrorDecisionLatency(b *testing.B) {
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			arrived := make(chan struct{}, 1)
			sink := consumerFunc(func(td ptrace.Traces) {
				select {
				case arrived <- struct{}{}:
				default:
				}
			})
			p := c.make(b, sink, time.Second, nil)
			if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = p.Shutdown(context.Background()) }()
			var total time.Duration
			for i := 0; i < b.N; i++ {
				td := errorTrace(uint64(i + 1))
				start := time.Now()
				if err := p.ConsumeTraces(context.Background(), td); err != nil {
					b.Fatal(err)
				}
				select {
				case <-arrived:
				case <-time.After(5 * time.Second):
					b.Fatal("error trace not exported within 5s")
				}
				total += time.Since(start)
			}
			b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/error-trace")
		})
	}
}

func errorTrace(seq uint64) ptrace.Traces {
	td := benchWorkload(1_000_000 + seq)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	spans.RemoveIf(func(s ptrace.Span) bool { return s.TraceID() != spans.At(0).TraceID() })
	spans.At(5).Status().SetCode(ptrace.StatusCodeError)
	return td
}

type consumerFunc func(ptrace.Traces)

func (f consumerFunc) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (f consumerFunc) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	f(td)
	return nil
}

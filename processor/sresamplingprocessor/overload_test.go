package sresamplingprocessor

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// A 1 MiB budget against a working set of ~15 MiB of compressed spans (300 batches of the
// benchmark workload, nothing decided by time): the buffer stays within its budget, the heap
// stays bounded, early decisions are counted, and every error trace still reaches the exporter.
func TestOverloadDecidesEarlyKeepsEveryErrorAndBoundsMemory(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	cfg := testConfig()
	cfg.MemoryLimitMiB = 1
	cfg.DecisionCache = DecisionCacheCfg{Kept: 1000, Dropped: 1000}
	cfg.DecisionWait, cfg.MaxTraceAge = time.Hour, time.Hour
	cfg.Latency.Threshold = benchSlow
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	errorTraces := map[pcommon.TraceID]bool{}
	sink := &countingSink{}
	p, err := newProcessor(tel.NewTelemetrySettings(), cfg, sink, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, peak runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 300; i++ {
		td := benchWorkload(uint64(i + 1))
		spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for k := 0; k < spans.Len(); k++ {
			if spans.At(k).Status().Code() == ptrace.StatusCodeError {
				errorTraces[spans.At(k).TraceID()] = true
			}
		}
		if err := p.ConsumeTraces(context.Background(), td); err != nil {
			t.Fatal(err)
		}
		if buffered := p.budget.Used() - p.releases.heldBytes(); buffered > 1<<20 {
			t.Fatalf("buffer at %d B after batch %d, over the 1 MiB budget", buffered, i)
		}
		if i%50 == 49 {
			runtime.GC()
			runtime.ReadMemStats(&peak)
			if grown := int64(peak.HeapAlloc) - int64(before.HeapAlloc); grown > 64<<20 {
				t.Fatalf("heap grew %d MiB under a 1 MiB budget", grown>>20)
			}
		}
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for id := range errorTraces {
		if !sink.traces[id] {
			t.Fatalf("error trace %v was not kept under overload", id)
		}
	}
	m, err := tel.GetMetric("otelcol_processor_sre_sampling_early_decisions")
	if err != nil {
		t.Fatalf("early decisions not reported: %v", err)
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok || len(sum.DataPoints) != 1 || sum.DataPoints[0].Value < 1000 {
		t.Fatalf("early decisions: %+v", m.Data)
	}
	t.Logf("%d early decisions; all %d error traces kept", sum.DataPoints[0].Value, len(errorTraces))
}

type countingSink struct {
	mu     sync.Mutex
	traces map[pcommon.TraceID]bool
}

func (s *countingSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (s *countingSink) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.traces == nil {
		s.traces = map[pcommon.TraceID]bool{}
	}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			for k := 0; k < sss.At(j).Spans().Len(); k++ {
				s.traces[sss.At(j).Spans().At(k).TraceID()] = true
			}
		}
	}
	return nil
}

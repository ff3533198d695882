package sloconnector

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// BenchmarkParallelIngest calls ConsumeTraces from every goroutine at once with the shipped
// gateway's two SLOs (an OTTL availability condition, latency by route) and incidents tracked.
// Run it with -cpu 1,2: "shared" is one connector for all goroutines, "own" gives each
// goroutine a connector of its own, so nothing is shared and its speed-up is what this machine
// allows for this work. Amdahl's law gives the serial fraction on two CPUs as 2/speed-up − 1
// (README, "Parallel ingest").
func BenchmarkParallelIngest(b *testing.B) {
	newOne := func() *sloConnector { return everyServiceConnector(b, benchSLOs(2)) }
	for _, shared := range []bool{true, false} {
		name := map[bool]string{true: "shared", false: "own"}[shared]
		b.Run(name, func(b *testing.B) {
			one := newOne()
			td := benchBatch() // the connector does not mutate it, so every goroutine sends the same one
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c := one
				if !shared {
					c = newOne()
				}
				for pb.Next() {
					if err := c.ConsumeTraces(ctx, td); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)*float64(td.SpanCount())/b.Elapsed().Seconds(), "spans/s")
		})
	}
}

// Batches planned concurrently count exactly what one goroutine would: every span in one
// series, none twice, none lost, with incidents and a maintenance window in play (go test -race
// checks that the planning reads nothing the lock guards).
func TestConcurrentBatchesCountExactly(t *testing.T) {
	c := everyServiceConnector(t, withWindows(benchSLOs(2)))
	td := benchBatch()
	const goroutines, batches = 4, 25
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < batches; i++ {
				if err := c.ConsumeTraces(context.Background(), td); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	sent := float64(goroutines * batches)
	total := func(si int) (good, bad float64) {
		for _, s := range c.slos[si].series {
			good, bad = good+s.state.Total.Good, bad+s.state.Total.Bad
		}
		return good, bad
	}
	// availability: 1 in 10 spans fails; latency (errors count as slow): the errors, plus the
	// spans over 300 ms among the other nine tenths
	if good, bad := total(0); good != 900*sent || bad != 100*sent {
		t.Errorf("availability: %v good, %v bad; want %v and %v", good, bad, 900*sent, 100*sent)
	}
	slow := 0
	for i := 0; i < 1000; i++ {
		if i%10 == 0 || time.Duration(i%600)*time.Millisecond > 300*time.Millisecond {
			slow++
		}
	}
	if good, bad := total(1); good != float64(1000-slow)*sent || bad != float64(slow)*sent {
		t.Errorf("latency: %v good, %v bad; want %v and %v", good, bad, float64(1000-slow)*sent, float64(slow)*sent)
	}
	if n := len(c.slos[1].series); n != 8 {
		t.Errorf("latency by route: %d series, want 8", n)
	}
	for _, s := range c.slos[0].series {
		if s.evidence == nil || len(s.exemplars) != maxExemplars {
			t.Errorf("availability series %v: evidence %v, %d exemplars", s.attrs, s.evidence != nil, len(s.exemplars))
		}
	}
}

// everyServiceConnector is a connector for slos applied to every service, with incidents
// tracked.
func everyServiceConnector(tb testing.TB, slos []SLO) *sloConnector {
	cfg := baseConfig(slos...)
	for i := range cfg.SLOs {
		cfg.SLOs[i].Service = ""
		cfg.SLOs[i].applyDefaults()
	}
	c, err := newConnector(componenttest.NewNopTelemetrySettings(), cfg, new(consumertest.MetricsSink), time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	c.incidents = newIncidents(cfg, c.slos, new(consumertest.LogsSink), c.labels, time.Now())
	return c
}

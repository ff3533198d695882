package sloconnector

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// BenchmarkParallelIngest calls ConsumeTraces from every goroutine at once with the shipped
// gateway's two SLOs (an OTTL availability condition, latency by route) and incidents tracked.
// Run it with -cpu 1,2: the throughput ratio is the speed-up, and Amdahl's law gives the serial
// fraction as 2/speed-up − 1 on two CPUs (README, "Parallel ingest").
func BenchmarkParallelIngest(b *testing.B) {
	cfg := baseConfig(benchSLOs(2)...)
	for i := range cfg.SLOs {
		cfg.SLOs[i].Service = ""
		cfg.SLOs[i].applyDefaults()
	}
	c, err := newConnector(componenttest.NewNopTelemetrySettings(), cfg, new(consumertest.MetricsSink), time.Now)
	if err != nil {
		b.Fatal(err)
	}
	c.incidents = newIncidents(cfg, c.slos, new(consumertest.LogsSink), c.labels, time.Now())
	td := benchBatch() // the connector does not mutate it, so every goroutine sends the same one
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := c.ConsumeTraces(ctx, td); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(td.SpanCount())/b.Elapsed().Seconds(), "spans/s")
}

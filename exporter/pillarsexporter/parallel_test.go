package pillarsexporter

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// wholeTraces is one service's batch of 100 whole traces: a SERVER root and 4 CLIENT children
// each, six attributes on every span, 1 % errors, as the gateway bench's whole workload sends.
func wholeTraces(svc string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", svc)
	rs.Resource().Attributes().PutStr("service.version", "1.4.2")
	rs.Resource().Attributes().PutStr("deployment.environment.name", "prod")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	for t := 0; t < 100; t++ {
		id := pcommon.TraceID{byte(t), 7, 1}
		root := spans.AppendEmpty()
		root.SetTraceID(id)
		root.SetSpanID(pcommon.SpanID{byte(t), 1})
		root.SetKind(ptrace.SpanKindServer)
		root.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Duration(5+t) * time.Millisecond)))
		root.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		a := root.Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutStr("http.route", fmt.Sprintf("/r/%d", t%8))
		a.PutInt("http.response.status_code", 200)
		a.PutStr("url.scheme", "https")
		a.PutStr("user.id", fmt.Sprintf("u-%d", t))
		a.PutStr("session.id", fmt.Sprintf("s-%d", t))
		if t == 0 {
			root.Status().SetCode(ptrace.StatusCodeError)
		}
		for c := 0; c < 4; c++ {
			s := spans.AppendEmpty()
			s.SetTraceID(id)
			s.SetSpanID(pcommon.SpanID{byte(t), byte(2 + c)})
			s.SetParentSpanID(root.SpanID())
			s.SetKind(ptrace.SpanKindClient)
			s.SetStartTimestamp(root.StartTimestamp())
			s.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Millisecond)))
			a := s.Attributes()
			a.PutStr("db.system.name", "postgresql")
			a.PutStr("db.namespace", "orders")
			a.PutStr("db.operation.name", "SELECT")
			a.PutStr("db.query.text", "SELECT * FROM orders WHERE id = $1")
			a.PutStr("server.address", "orders-db.internal")
			a.PutInt("server.port", 5432)
		}
	}
	return td
}

// BenchmarkParallelIngest calls consumeTraces from every goroutine at once, each call one of 8
// services' batches. Run it with -cpu 1,2: "shared" is one exporter for all goroutines, "own"
// gives each goroutine an exporter of its own, so nothing is shared and its speed-up is what
// this machine allows for this work. Amdahl's law gives the serial fraction on two CPUs as
// 2/speed-up − 1 (README, "Parallel ingest").
func BenchmarkParallelIngest(b *testing.B) {
	var batches []ptrace.Traces
	for i := 0; i < 8; i++ {
		batches = append(batches, wholeTraces(fmt.Sprintf("svc-%d", i)))
	}
	newOne := func() *pillars {
		return newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	}
	for _, shared := range []bool{true, false} {
		name := map[bool]string{true: "shared", false: "own"}[shared]
		b.Run(name, func(b *testing.B) {
			one := newOne()
			ctx := context.Background()
			var next atomic.Uint64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				p := one
				if !shared {
					p = newOne()
				}
				for pb.Next() {
					if err := p.consumeTraces(ctx, batches[next.Add(1)%8]); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)*500/b.Elapsed().Seconds(), "spans/s")
		})
	}
}

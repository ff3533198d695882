package pillarsexporter

import (
	"context"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// perServiceBound is the live heap one held service may cost with full rings (README, Limits).
const perServiceBound = 10 << 10

func serverTrace(svc string, spans int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", svc)
	ss := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	for i := 0; i < spans; i++ {
		s := ss.AppendEmpty()
		s.SetKind(ptrace.SpanKindServer)
		s.SetTraceID(pcommon.TraceID{1, byte(i)})
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Duration(i%100) * time.Millisecond)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		s.Attributes().PutInt("http.response.status_code", 200)
	}
	return td
}

// 100 000 distinct service names against max_services 10 000 (five times the default): the
// held ones and their scorecard stay within the documented memory and are all scored, the rest
// are refused and counted.
// perServiceScorecardBound is the documented size of one service's entry in the published
// scorecard (README, Limits).
const perServiceScorecardBound = 20 << 10

func TestHundredThousandServices(t *testing.T) {
	if testing.Short() {
		t.Skip("feeds 100 000 services")
	}
	cfg := createDefaultConfig().(*Config)
	cfg.MaxServices = 10_000
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), time.Now)
	ctx := context.Background()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// The exporter does not mutate what it consumes, so one batch is renamed and sent again.
	one, full := serverTrace("", 1), serverTrace("", latencySamples)
	for i := 0; i < 100_000; i++ {
		one.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "svc-"+strconv.Itoa(i))
		_ = p.consumeTraces(ctx, one)
	}
	for i := 0; i < 10_000; i++ { // fill the held services' latency rings
		full.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "svc-"+strconv.Itoa(i))
		_ = p.consumeTraces(ctx, full)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if len(p.services) != cfg.MaxServices || p.refusedServices != 90_000 {
		t.Fatalf("%d held, %d refused", len(p.services), p.refusedServices)
	}
	t.Logf("10 000 services held in %.1f MiB (%.0f B each); 90 000 refused", float64(held)/(1<<20), float64(held)/10_000)
	if held > perServiceBound*10_000 {
		t.Errorf("%d B for 10 000 services, over the %d B per service documented", held, perServiceBound)
	}

	p.evaluate()
	if n := len(p.latest.Load().Services); n != 10_000 {
		t.Errorf("%d services on the scorecard", n)
	}
	// The published scorecard is held until the next evaluation, beside the state.
	runtime.GC()
	var scored runtime.MemStats
	runtime.ReadMemStats(&scored)
	card := int64(scored.HeapAlloc) - int64(after.HeapAlloc)
	t.Logf("their scorecard holds %.1f MiB (%.0f B a service)", float64(card)/(1<<20), float64(card)/10_000)
	if card > perServiceScorecardBound*10_000 {
		t.Errorf("%d B of scorecard for 10 000 services, over the %d B per service documented", card, perServiceScorecardBound)
	}
	runtime.KeepAlive(p)
}

// BenchmarkIngestDuringEvaluation measures ingest latency while evaluations of 10 000 services
// run back to back: an evaluation holds the ingest lock only to copy 8 services at a time.
// Reports p50 and p99 of one consume call (`go test -run xxx -bench IngestDuringEvaluation`).
func BenchmarkIngestDuringEvaluation(b *testing.B) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	ctx := context.Background()
	full := serverTrace("", latencySamples)
	for i := 0; i < 10_000; i++ {
		full.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "svc-"+strconv.Itoa(i))
		_ = p.consumeTraces(ctx, full)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				p.evaluate()
			}
		}
	}()
	batch := serverTrace("svc-42", 10)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		_ = p.consumeTraces(ctx, batch)
		lat = append(lat, time.Since(start))
		time.Sleep(100 * time.Microsecond) // a steady sender, not one that hogs the lock
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkEvaluate10000 measures one evaluation of 10 000 services with full latency rings:
// pillars, DORA, maturity and the standards views (`go test -run xxx -bench Evaluate10000`).
func BenchmarkEvaluate10000(b *testing.B) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	ctx := context.Background()
	full := serverTrace("", latencySamples)
	for i := 0; i < 10_000; i++ {
		full.ResourceSpans().At(0).Resource().Attributes().PutStr("service.name", "svc-"+strconv.Itoa(i))
		_ = p.consumeTraces(ctx, full)
	}
	b.ResetTimer()
	for range b.N {
		p.evaluate()
	}
}

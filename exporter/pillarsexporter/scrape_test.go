package pillarsexporter

import (
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Scrapes racing evaluations always see every service: a scrape gets the previous complete set
// or the new one, never one half reset.
func TestConcurrentScrapesNeverSeeAPartialSet(t *testing.T) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	td := ptrace.NewTraces()
	for _, svc := range []string{"a", "b", "c", "d", "e"} {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetKind(ptrace.SpanKindServer)
		s.SetTraceID(pcommon.TraceID{1})
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Now().Add(-time.Millisecond)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	}
	p.collectTraces(td, time.Now())
	p.evaluate()
	h := p.metricsHandler()
	count := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return strings.Count(rec.Body.String(), "\nsre_maturity_level{")
	}
	if n := count(); n != 5 {
		t.Fatalf("after one evaluation: %d services on /metrics, want 5", n)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
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
	var partial atomic.Int64
	var scrapers sync.WaitGroup
	for g := 0; g < 10; g++ { // 1 000 scrapes, 10 at a time
		scrapers.Add(1)
		go func() {
			defer scrapers.Done()
			for i := 0; i < 100; i++ {
				if count() != 5 {
					partial.Add(1)
				}
			}
		}()
	}
	scrapers.Wait()
	close(stop)
	wg.Wait()
	if partial.Load() > 0 {
		t.Fatalf("%d of 1000 concurrent scrapes saw a partial set", partial.Load())
	}
}

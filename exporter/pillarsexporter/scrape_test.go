package pillarsexporter

import (
	"net/http/httptest"
	"strings"
	"sync"
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
	partial := 0
	for i := 0; i < 1000; i++ {
		if count() != 5 {
			partial++
		}
	}
	close(stop)
	wg.Wait()
	if partial > 0 {
		t.Fatalf("%d of 1000 scrapes saw a partial set", partial)
	}
}

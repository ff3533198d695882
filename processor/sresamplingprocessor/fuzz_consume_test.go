package sresamplingprocessor

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/fuzzpdata"
)

// Any traces a sender can build, consumed twice (a retry) and then flushed by Shutdown, come
// out without a panic, and no span comes out that did not go in.
func FuzzConsumeTraces(f *testing.F) {
	for _, seed := range []string{"", "\x00", "\x01\x02ot=th:8", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := createDefaultConfig().(*Config)
		cfg.MemoryLimitMiB = 1
		cfg.DecisionCache = DecisionCacheCfg{Kept: 1000, Dropped: 1000}
		sink := new(consumertest.TracesSink)
		p, err := newProcessor(componenttest.NewNopTelemetrySettings(), cfg, sink, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		td := fuzzpdata.Traces(data)
		in := spansOf(td)
		for i := 0; i < 2; i++ {
			batch := ptrace.NewTraces()
			td.CopyTo(batch)
			if err := p.ConsumeTraces(context.Background(), batch); err != nil {
				t.Fatalf("consume: %v", err)
			}
		}
		if err := p.Shutdown(context.Background()); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		for _, out := range sink.AllTraces() {
			for key := range spansOf(out) {
				if !in[key] {
					t.Fatalf("span %v came out but never went in", key)
				}
			}
		}
	})
}

type spanKey struct {
	traceID [16]byte
	spanID  [8]byte
	name    string
}

func spansOf(td ptrace.Traces) map[spanKey]bool {
	out := map[spanKey]bool{}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				s := spans.At(k)
				out[spanKey{s.TraceID(), s.SpanID(), s.Name()}] = true
			}
		}
	}
	return out
}

//go:build integration

package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

type ruleCase struct {
	name  string
	tp    *sdktrace.TracerProvider
	kind  trace.SpanKind
	attrs []attribute.KeyValue
	err   bool
	keep  bool
}

// Every keep rule on its own, through the built collector with the SDK: each case is 200
// one-span traces, kept whole when the rule holds and otherwise only when the 0.01 % ratio
// admits the trace's randomness.
func TestSamplingKeepRulesEachOnItsOwn(t *testing.T) {
	bins := harness.Bins(t)
	sink := harness.StartTempoStub(t)
	cfg := harness.WriteConfig(t, "sampling-rules.yaml", samplingRulesConfig, nil)
	noErrAddr := harness.Addr(t)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-sampling-rules",
		map[string]string{"SINK_ENDPOINT": sink.Addr, "OTLP_NOERRORS_ENDPOINT": noErrAddr}, cfg)
	res := func(extra ...attribute.KeyValue) []attribute.KeyValue {
		return append([]attribute.KeyValue{attribute.String("service.name", "rules")}, extra...)
	}
	tp := harness.TracerProvider(t, col.OTLPGRPC(), res()...)
	vipTP := harness.TracerProvider(t, col.OTLPGRPC(), res(attribute.String("tenant", "vip"))...)
	noErrTP := harness.TracerProvider(t, noErrAddr, res()...)
	status := func(code int) attribute.KeyValue { return attribute.Int("http.response.status_code", code) }
	server, client, internal := trace.SpanKindServer, trace.SpanKindClient, trace.SpanKindInternal
	cases := []ruleCase{
		{"server 503", tp, server, []attribute.KeyValue{status(503)}, false, true},
		{"server 500 (legacy http.status_code)", tp, server, []attribute.KeyValue{attribute.Int("http.status_code", 500)}, false, true},
		{"server 499", tp, server, []attribute.KeyValue{status(499)}, false, false},
		{"client 503 (server spans only)", tp, client, []attribute.KeyValue{status(503)}, false, false},
		{"grpc UNAVAILABLE (14)", tp, client, []attribute.KeyValue{attribute.Int("rpc.grpc.status_code", 14)}, false, true},
		{"grpc INTERNAL (13)", tp, server, []attribute.KeyValue{attribute.Int("rpc.grpc.status_code", 13)}, false, true},
		{"grpc NOT_FOUND (5)", tp, server, []attribute.KeyValue{attribute.Int("rpc.grpc.status_code", 5)}, false, false},
		{"keep_when priority 1", tp, internal, []attribute.KeyValue{attribute.Int("sampling.priority", 1)}, false, true},
		{"keep_when priority 0", tp, internal, []attribute.KeyValue{attribute.Int("sampling.priority", 0)}, false, false},
		{"status ERROR", tp, internal, nil, true, true},
		{"status ERROR with errors disabled", noErrTP, internal, nil, true, false},
		{"server 503 with errors disabled", noErrTP, server, []attribute.KeyValue{status(503)}, false, false},
		{"rule: VIP tenant", vipTP, internal, nil, false, true},
		{"rule: drop /healthz even when failing", tp, server, []attribute.KeyValue{attribute.String("http.route", "/healthz"), status(503)}, true, false},
		{"ordinary", tp, internal, nil, false, false},
	}
	ratio, _ := sampling.ProbabilityToThresholdWithPrecision(0.0001, 4)
	expect := map[pcommon.TraceID]string{} // trace → case it must come out for
	caseOf := map[pcommon.TraceID]string{}
	for _, c := range cases {
		for i := 0; i < 200; i++ {
			_, s := c.tp.Tracer("rules").Start(context.Background(), c.name, trace.WithSpanKind(c.kind), trace.WithAttributes(c.attrs...))
			if c.err {
				s.SetStatus(codes.Error, "failed")
			}
			s.End()
			id := pcommon.TraceID(s.SpanContext().TraceID())
			caseOf[id] = c.name
			dropRule := c.name == "rule: drop /healthz even when failing"
			if c.keep || (!dropRule && ratio.ShouldSample(sampling.TraceIDToRandomness(id))) {
				expect[id] = c.name
			}
		}
	}
	for _, p := range []*sdktrace.TracerProvider{tp, vipTP, noErrTP} {
		harness.Flush(t, p)
	}
	harness.Eventually(t, 30*time.Second, "every trace decided", func() error { return bufferedTraces(col, 0) })
	harness.Eventually(t, 30*time.Second, "the sink to hold exactly the expected traces", func() error {
		got := map[pcommon.TraceID]bool{}
		for _, td := range sink.Traces() {
			harness.EachSpan(td, func(s ptrace.Span) { got[s.TraceID()] = true })
		}
		for id, name := range expect {
			if !got[id] {
				return fmt.Errorf("case %q: trace %v not kept", name, id)
			}
		}
		for id := range got {
			if _, ok := expect[id]; !ok {
				return fmt.Errorf("case %q: trace %v kept, but no rule keeps it and the ratio does not admit it", caseOf[id], id)
			}
		}
		return nil
	})
	t.Logf("%d of %d traces kept, each for its rule", len(expect), len(caseOf))
}

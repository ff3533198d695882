package sloconnector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// benchBatch is 1000 server spans of one service with 6 attributes, 10 % errors and a spread
// of durations, the same batch for every contender.
func benchBatch() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("deployment.environment.name", "prod")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	for i := 0; i < 1000; i++ {
		s := spans.AppendEmpty()
		s.SetName("POST /checkout")
		s.SetKind(ptrace.SpanKindServer)
		s.SetTraceID(pcommon.TraceID{byte(i), byte(i >> 8), 1})
		s.SetSpanID(pcommon.SpanID{byte(i), 2})
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-time.Duration(i%600) * time.Millisecond)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		a := s.Attributes()
		a.PutStr("http.route", fmt.Sprintf("/r/%d", i%8))
		a.PutStr("http.request.method", "POST")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("url.scheme", "https")
		a.PutStr("server.address", "checkout.internal")
		a.PutInt("server.port", 443)
		if i%10 == 0 {
			s.Status().SetCode(ptrace.StatusCodeError)
			a.PutInt("http.response.status_code", 503)
		}
	}
	return td
}

func benchSLOs(n int) []SLO {
	var out []SLO
	for i := 0; i < n; i++ {
		slo := SLO{Name: fmt.Sprintf("slo-%d", i), Service: "checkout", Objective: 99.9,
			SLI: SLI{Bad: `status.code == STATUS_CODE_ERROR or Int(attributes["http.response.status_code"]) >= 500`}}
		if i%2 == 1 {
			slo.SLI = SLI{Latency: &Latency{Threshold: 300 * time.Millisecond, ErrorsAreBad: true}}
			slo.GroupBy = []string{"http.route"}
		}
		out = append(out, slo)
	}
	return out
}

func runBench(b *testing.B, consume func(context.Context, ptrace.Traces) error) {
	td := benchBatch()
	spans := float64(td.SpanCount())
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := consume(ctx, td); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*spans), "ns/span")
}

func BenchmarkSLOConnector(b *testing.B) {
	cases := []struct {
		name string
		slos []SLO
	}{
		{"slos=1/ottl", benchSLOs(1)},        // availability: an OTTL bad condition
		{"slos=1/latency", benchSLOs(2)[1:]}, // latency threshold by route, evaluated natively
		{"slos=10/mixed", benchSLOs(10)},
		// each SLO with a nightly window that is not open now and a one-off one: the matcher's
		// lookup on every valid span
		{"slos=10/mixed/maintenance", withWindows(benchSLOs(10))},
	}
	for _, tc := range cases {
		for _, incidents := range []bool{false, true} {
			name := tc.name
			if incidents {
				// Incidents tracked: version tracking per resource, and the lift table of the
				// series, which its bad events give it, on every span.
				name += "/incidents"
			}
			b.Run(name, func(b *testing.B) {
				cfg := baseConfig(tc.slos...)
				for i := range cfg.SLOs {
					cfg.SLOs[i].applyDefaults()
				}
				c, err := newConnector(componenttest.NewNopTelemetrySettings(), cfg, new(consumertest.MetricsSink), time.Now)
				if err != nil {
					b.Fatal(err)
				}
				if incidents {
					c.incidents = newIncidents(cfg, c.slos, new(consumertest.LogsSink), c.labels, time.Now())
				}
				runBench(b, c.ConsumeTraces)
			})
		}
	}
}

func withWindows(slos []SLO) []SLO {
	night := time.Now().Add(12*time.Hour).Truncate(time.Hour).AddDate(0, -1, 0)
	for i := range slos {
		slos[i].Maintenance = []MaintenanceWindow{
			{Start: night, Duration: Duration(time.Hour), Recurrence: "FREQ=DAILY", TimeZone: "Europe/Berlin", Reason: "nightly"},
			{Start: night.AddDate(0, 2, 0), Duration: Duration(time.Hour), Reason: "migration"},
		}
	}
	return slos
}

// BenchmarkSpanMetrics is contrib's span_metrics v0.161.0 with its default config counting
// the same spans (calls and the duration histogram by service, span name, kind and status).
func BenchmarkSpanMetrics(b *testing.B) {
	f := spanmetricsconnector.NewFactory()
	c, err := f.CreateTracesToMetrics(context.Background(), connectortest.NewNopSettings(f.Type()), f.CreateDefaultConfig(), new(consumertest.MetricsSink))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Shutdown(context.Background()) }()
	runBench(b, c.ConsumeTraces)
}

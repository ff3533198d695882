package pillarsexporter

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

func spansOf(service, env string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	if env != "" {
		rs.Resource().Attributes().PutStr("deployment.environment.name", env)
	}
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetKind(ptrace.SpanKindServer)
	return td
}

// budgetOf is the slo connector's budget series: service.name on the point, nothing else.
func budgetOf(service string, remaining float64, at time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	m := sloScope(md.ResourceMetrics().AppendEmpty().ScopeMetrics()).AppendEmpty()
	m.SetName(slonames.MetricBudgetRemaining)
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.Attributes().PutStr("service.name", service)
	dp.Attributes().PutStr(slonames.SLOName, "availability")
	dp.SetDoubleValue(remaining)
	dp.SetTimestamp(pcommon.NewTimestampFromTime(at))
	return md
}

func incidentLogOf(service string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetEventName("slo.incident.opened")
	return ld
}

// One service is one entry whatever order its signals arrive in and however many identity
// keys each carries; two environments of it stay apart.
func TestOneServiceOneIdentity(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, order := range []string{"metrics first", "spans first"} {
		t.Run(order, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
			ctx := context.Background()
			if order == "metrics first" {
				_ = p.consumeMetrics(ctx, budgetOf("checkout", 0.9, now))
				_ = p.consumeLogs(ctx, incidentLogOf("checkout"))
				_ = p.consumeTraces(ctx, spansOf("checkout", "prod"))
			} else {
				_ = p.consumeTraces(ctx, spansOf("checkout", "prod"))
				_ = p.consumeMetrics(ctx, budgetOf("checkout", 0.9, now))
				_ = p.consumeLogs(ctx, incidentLogOf("checkout"))
			}
			_ = p.consumeMetrics(ctx, budgetOf("checkout", 0.7, now.Add(time.Second)))
			if len(p.services) != 1 {
				t.Fatalf("%d entries: %v", len(p.services), keysOf(p.services))
			}
			for _, s := range p.services {
				if s.labels[1] != "checkout" || s.labels[2] != "prod" || s.slos["availability"].remaining != 0.7 || !s.signals["traces"] || !s.signals["logs"] {
					t.Errorf("entry %v: budget %v signals %v", s.labels, s.slos["availability"], s.signals)
				}
			}
			// A second environment: its own entry; a partial record is now ambiguous and
			// stays apart instead of joining either.
			_ = p.consumeTraces(ctx, spansOf("checkout", "staging"))
			if len(p.services) != 2 {
				t.Errorf("%d entries after a second environment: %v", len(p.services), keysOf(p.services))
			}
		})
	}
}

// A history stored with the service twice (before identities were unified) is joined at start.
func TestRestoredDuplicatesAreJoined(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cfg := createDefaultConfig().(*Config)
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
	full, _ := p.service([]string{"", "checkout", "prod"}, "\x00checkout\x00prod", now)
	partial, _ := p.service([]string{"", "checkout", ""}, "\x00checkout\x00", now)
	partial.pageAlerts = []time.Time{now.Add(-time.Hour)}
	full.pageAlerts = []time.Time{now.Add(-2 * time.Hour)}
	p.lookup(partial.labels, "\x00checkout\x00", now)
	if len(p.services) != 1 || len(full.pageAlerts) != 2 || !full.pageAlerts[0].Before(full.pageAlerts[1]) {
		t.Errorf("entries %v, page alerts %v", keysOf(p.services), full.pageAlerts)
	}
}

// The routes of a grouped SLO are series of their own, not one budget each overwrites.
func TestGroupedSLOSeriesKeepTheirOwnBudgets(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
	for route, remaining := range map[string]float64{"/pay": -2, "/browse": 0.9} {
		md := budgetOf("checkout", remaining, now)
		md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0).Attributes().PutStr("http.route", route)
		_ = p.consumeMetrics(context.Background(), md)
	}
	_ = p.consumeMetrics(context.Background(), budgetOf("checkout", 0.5, now))
	for _, s := range p.services {
		got := map[string]float64{}
		for name, st := range s.slos {
			got[name] = st.remaining
		}
		want := map[string]float64{"availability{http.route=/pay}": -2, "availability{http.route=/browse}": 0.9, "availability": 0.5}
		if len(got) != len(want) {
			t.Fatalf("series %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %v, want %v", k, got[k], v)
			}
		}
		if b := s.budgetEvidence(); b.Remaining != -2 || b.SLO != "availability{http.route=/pay}" {
			t.Errorf("worst budget %+v, want the /pay series'", b)
		}
	}
}

// sloScope appends a scope as the slo connector names its own, whose slo.* points pillars
// takes without a board.
func sloScope(sms pmetric.ScopeMetricsSlice) pmetric.MetricSlice {
	sm := sms.AppendEmpty()
	sm.Scope().SetName(slonames.Scope)
	return sm.Metrics()
}

func TestIsExternal(t *testing.T) {
	for host, want := range map[string]bool{
		"api.stripe.com": true, "8.8.8.8": true, "2001:4860:4860::8888": true, "[2001:db8::1]": false,
		"orders-db.internal": false, "10.0.0.7": false, "192.168.1.20": false, "::1": false, "127.0.0.1": false,
		"orders": false, "redis.cache.svc.cluster.local": false, "1.2.3.4.nip.io": true, "169.254.169.254": false,
	} {
		attrs := pcommon.NewMap()
		attrs.PutStr("server.address", host)
		if got := isExternal(attrs); got != want {
			t.Errorf("isExternal(%q) = %v, want %v", host, got, want)
		}
	}
}

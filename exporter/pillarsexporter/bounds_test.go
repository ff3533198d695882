package pillarsexporter

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func tracesFor(services ...string) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, svc := range services {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetKind(ptrace.SpanKindServer)
	}
	return td
}

// Identities come from senders: the scorer holds at most max_services, evicts those idle for
// service_ttl to make room, and refuses (and counts) new ones while every held one is active.
func TestServicesAreBoundedAndIdleOnesEvicted(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.MaxServices, cfg.ServiceTTL = 3, time.Hour
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), func() time.Time { return now })

	p.collectTraces(tracesFor("a", "b", "c", "d", "e"), now)
	if len(p.services) != 3 || p.refusedServices != 2 {
		t.Fatalf("after 5 identities with room for 3: %d held, %d refused", len(p.services), p.refusedServices)
	}
	// a stays active; b and c go idle past the TTL; then two new ones arrive.
	later := now.Add(90 * time.Minute)
	p.collectTraces(tracesFor("a"), now.Add(time.Hour))
	p.collectTraces(tracesFor("x", "y"), later)
	if len(p.services) != 3 {
		t.Fatalf("services after eviction: %v", keysOf(p.services))
	}
	held := strings.Join(keysOf(p.services), ",")
	for _, want := range []string{"a", "x", "y"} {
		if !strings.Contains(held, want) {
			t.Errorf("%s not held after eviction: %q", want, held)
		}
	}
	if p.evictedServices != 2 {
		t.Errorf("evicted %d idle services, want 2 (b and c)", p.evictedServices)
	}
	now = later
	p.evaluate()
	if l := p.latest.Load().Limits; l != (Limits{Services: 3, MaxServices: 3, EvictedIdle: 2, RefusedServices: 2}) {
		t.Errorf("scorecard limits %+v", l)
	}
	// Evaluation evicts what has been idle for the TTL even when nothing new arrives.
	now = later.Add(2 * time.Hour)
	p.evaluate()
	if len(p.services) != 0 || len(p.hysteresis) != 0 {
		t.Errorf("after every service idled out: %d services, %d hysteresis entries", len(p.services), len(p.hysteresis))
	}
}

// Incident and page ids come from senders too: open ones are capped per service.
func TestOpenIncidentsAreCappedPerService(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api")
	records := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := 0; i < maxOpenAlerts+500; i++ {
		lr := records.AppendEmpty()
		lr.Attributes().PutStr("event.name", "incident")
		lr.Attributes().PutStr("incident.id", fmt.Sprint(i))
		lr.Attributes().PutStr("incident.state", "opened")
	}
	p.collectLogs(ld, now)
	for _, s := range p.services {
		if len(s.openAlerts) != maxOpenAlerts {
			t.Fatalf("%d open incidents held, want the cap %d", len(s.openAlerts), maxOpenAlerts)
		}
	}
}

func keysOf(m map[string]*serviceState) []string {
	var out []string
	for k := range m {
		out = append(out, strings.Trim(strings.ReplaceAll(k, "\x00", ""), " "))
	}
	return out
}

func TestHysteresisKeysRoundTripServiceKeysWithBars(t *testing.T) {
	for _, key := range []string{"", "a", "\x00api|v2\x00prod", "|||"} {
		if got := hysteresisService(hysteresisKey(key, "aws", "security")); got != key {
			t.Errorf("service key %q came back as %q", key, got)
		}
	}
}

//go:build integration

package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// sloTally is an independent recount of what the connector must report.
type sloTally map[string]float64 // "slo|route|outcome|scope" → count; scope is total or window

func (t sloTally) add(slo, route, outcome string, late bool) {
	t[slo+"|"+route+"|"+outcome+"|total"]++
	if !late {
		t[slo+"|"+route+"|"+outcome+"|window"]++
	}
}

// spanMix emits n spans through the SDK for checkout and search: every kind, root and child, status codes,
// durations one nanosecond around the threshold, and spans that ended 10 minutes ago (late).
func spanMix(t *testing.T, endpoint string, n int, seed uint64, tally sloTally) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	providers := map[string]*sdktrace.TracerProvider{}
	for _, svc := range []string{"checkout", "search"} {
		providers[svc] = harness.TracerProvider(t, endpoint, attribute.String("service.name", svc))
	}
	now := time.Now()
	for i := 0; i < n; i++ {
		svc := []string{"checkout", "checkout", "search"}[rng.IntN(3)]
		kind := []trace.SpanKind{trace.SpanKindServer, trace.SpanKindServer, trace.SpanKindClient, trace.SpanKindInternal,
			trace.SpanKindConsumer, trace.SpanKindProducer}[rng.IntN(6)]
		// Half of the INTERNAL spans are children of a remote parent: only root ones are entry spans.
		ctx, root := context.Background(), true
		if kind == trace.SpanKindInternal && rng.IntN(2) == 0 {
			ctx, root = trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: trace.TraceID{1, byte(i), byte(i >> 8)}, SpanID: trace.SpanID{2, byte(i), byte(i >> 8)}, TraceFlags: trace.FlagsSampled, Remote: true})), false
		}
		route := []string{"/cart", "/pay", "/pay/{id}"}[rng.IntN(3)]
		duration := 300*time.Millisecond + time.Duration(rng.IntN(3)-1) // 300ms -1ns, exactly, +1ns
		if rng.IntN(4) == 0 {
			duration = time.Duration(rng.IntN(2000)) * time.Millisecond
		}
		late := rng.IntN(10) == 0
		end := now.Add(-time.Duration(rng.IntN(30_000)) * time.Millisecond)
		if late {
			end = now.Add(-10 * time.Minute)
		}
		isErr := rng.IntN(10) == 0
		attrs := []attribute.KeyValue{attribute.String("http.route", route)}
		code := []int{0, 200, 201, 404, 500, 503}[rng.IntN(6)]
		if code != 0 {
			attrs = append(attrs, attribute.Int("http.response.status_code", code))
		}
		_, span := providers[svc].Tracer("mix").Start(ctx, "req", trace.WithSpanKind(kind),
			trace.WithTimestamp(end.Add(-duration)), trace.WithAttributes(attrs...))
		if isErr {
			span.SetStatus(codes.Error, "boom")
		}
		span.End(trace.WithTimestamp(end))

		// The default valid condition: SERVER, CONSUMER, and root spans that are not CLIENT or PRODUCER.
		entry := kind == trace.SpanKindServer || kind == trace.SpanKindConsumer || (kind == trace.SpanKindInternal && root)
		if svc != "checkout" || !entry {
			continue
		}
		outcome := "good"
		if isErr || code >= 500 {
			outcome = "bad"
		}
		tally.add("checkout-availability", "", outcome, late)
		outcome = "good"
		if isErr || duration > 300*time.Millisecond {
			outcome = "bad"
		}
		tally.add("checkout-latency", route, outcome, late)
	}
	for _, tp := range providers {
		harness.Flush(t, tp)
	}
}

// sloValue reads one slo_* sample by its labels from scraped families.
func sloValue(families map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	mf := families[name]
	if mf == nil { // the collector's own counters appear with or without _total
		if mf = families[strings.TrimSuffix(name, "_total")]; mf == nil {
			return 0, false
		}
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		if m.Counter != nil {
			return m.Counter.GetValue(), true
		}
		return m.Gauge.GetValue(), true
	}
	return 0, false
}

func sloLabels(slo, route, outcome string) map[string]string {
	l := map[string]string{"slo_name": slo, "service_name": "checkout", "slo_outcome": outcome}
	if route != "" {
		l["http_route"] = route
	}
	return l
}

// expectTally checks every counter and window against the recount; it returns the first mismatch.
func expectTally(families map[string]*dto.MetricFamily, tally sloTally) error {
	for key, want := range tally {
		parts := strings.Split(key, "|")
		labels := sloLabels(parts[0], parts[1], parts[2])
		name := "slo_events_total"
		windows := []string{""}
		if parts[3] == "window" {
			name, windows = "slo_window_events", []string{"5m", "1h", "3d", "period"}
		}
		for _, w := range windows {
			if w != "" {
				labels["slo_window"] = w
			}
			got, ok := sloValue(families, name, labels)
			if !ok || got != want {
				return fmt.Errorf("%s%v = %v (present %v), want %v", name, labels, got, ok, want)
			}
		}
	}
	return nil
}

func startSLOCollector(t *testing.T, env map[string]string) *harness.Collector {
	bins := harness.Bins(t)
	cfg := harness.WriteConfig(t, "slo.yaml", sloTestConfig, nil)
	return harness.StartCollector(t, bins.Collector, "otelcol-sre-slo", env, cfg)
}

// waitForTally waits until every counter and window equals the recount and every extra check
// passes on the same scrape. The Prometheus exporter applies one emitted batch metric by metric,
// so a scrape can see the new windows beside the previous emit's gauges: each check must hold
// on one scrape, not be read once afterwards.
func waitForTally(t *testing.T, col *harness.Collector, tally sloTally, extra ...func(map[string]*dto.MetricFamily) error) map[string]*dto.MetricFamily {
	t.Helper()
	var families map[string]*dto.MetricFamily
	harness.Eventually(t, 60*time.Second, "SLO counts equal to the recount", func() error {
		var err error
		if families, err = harness.Scrape(col.MetricsURL()); err != nil {
			return err
		}
		if err := expectTally(families, tally); err != nil {
			return err
		}
		for _, check := range extra {
			if err := check(families); err != nil {
				return err
			}
		}
		return nil
	})
	return families
}

// derivedFromTally checks the SLI, burn rate, budget and page alert of checkout-availability
// against values recomputed from the recount.
func derivedFromTally(tally sloTally) func(map[string]*dto.MetricFamily) error {
	return func(families map[string]*dto.MetricFamily) error {
		good, bad := tally["checkout-availability||good|window"], tally["checkout-availability||bad|window"]
		sli, ok := sloValue(families, "slo_sli", map[string]string{"slo_name": "checkout-availability", "slo_window": "period"})
		if !ok || sli != good/(good+bad) {
			return fmt.Errorf("slo_sli{period} = %v (present %v), want %v", sli, ok, good/(good+bad))
		}
		objective := 0.999 // a variable, so 1 - objective rounds at run time as in the collector
		burn, ok := sloValue(families, "slo_burn_rate", map[string]string{"slo_name": "checkout-availability", "slo_window": "1h"})
		if want := (1 - good/(good+bad)) / (1 - objective); !ok || burn != want {
			return fmt.Errorf("slo_burn_rate{1h} = %v (present %v), want %v", burn, ok, want)
		}
		remaining, ok := sloValue(families, "slo_error_budget_remaining", map[string]string{"slo_name": "checkout-availability"})
		if want := 1 - bad/((1-objective)*(good+bad)); !ok || remaining != want {
			return fmt.Errorf("slo_error_budget_remaining = %v (present %v), want %v", remaining, ok, want)
		}
		page, ok := sloValue(families, "slo_alert_active", map[string]string{"slo_name": "checkout-availability", "slo_alert_severity": "page"})
		if !ok || page != 1 { // ~20 % bad is a burn of ~200: both page windows exceed 14.4
			return fmt.Errorf("slo_alert_active{page} = %v (present %v), want 1", page, ok)
		}
		return nil
	}
}

func TestSLOCountsEqualAnIndependentRecount(t *testing.T) {
	col := startSLOCollector(t, nil)
	tally := sloTally{}
	spanMix(t, col.OTLPGRPC(), 6000, 11, tally)
	families := waitForTally(t, col, tally, derivedFromTally(tally))
	good, bad := tally["checkout-availability||good|window"], tally["checkout-availability||bad|window"]
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			if v := m.GetGauge().GetValue() + m.GetCounter().GetValue(); v != v || v > 1e300 || v < -1e300 {
				t.Errorf("%s has a non-finite sample", name)
			}
		}
	}
	telemetry, err := harness.Scrape(col.TelemetryURL())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := sloValue(telemetry, "otelcol_connector_slo_late_spans_total", map[string]string{"slo": "checkout-availability"}); v != tally["checkout-availability||good|total"]+tally["checkout-availability||bad|total"]-good-bad {
		t.Errorf("late spans counted %v", v)
	}
}

func TestSLOStateSurvivesRestartAndKill9(t *testing.T) {
	env := harness.CollectorEnv(t)
	col := startSLOCollector(t, env)
	tally := sloTally{}
	spanMix(t, col.OTLPGRPC(), 1500, 21, tally)
	waitForTally(t, col, tally)
	if err := col.Stop(syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	col = startSLOCollector(t, env)
	waitForTally(t, col, tally) // nothing sent yet: counters and windows come from storage
	spanMix(t, col.OTLPGRPC(), 1500, 22, tally)
	waitForTally(t, col, tally)

	// Wait for a full checkpoint after the last spans, then crash.
	checkpoints := func() float64 {
		fam, _ := harness.Scrape(col.TelemetryURL())
		v, _ := sloValue(fam, "otelcol_connector_slo_checkpoints_total", map[string]string{"result": "success"})
		return v
	}
	before := checkpoints()
	harness.Eventually(t, 30*time.Second, "three more state writes", func() error {
		if n := checkpoints(); n < before+3 {
			return fmt.Errorf("%v state writes since, want 3", n-before)
		}
		return nil
	})
	col.Kill9()

	col = startSLOCollector(t, env)
	waitForTally(t, col, tally)
	spanMix(t, col.OTLPGRPC(), 500, 23, tally)
	waitForTally(t, col, tally)
}

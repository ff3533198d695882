//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// What the README's "Exposing the gateway" section states for 100 000 hostile service names.
const (
	floodNames = 100_000
	// floodAnonRSSMiB bounds the anonymous RSS during and after the flood, with the memory
	// limiter at MEMORY_LIMIT_MIB=409 (a 512 MiB container).
	floodAnonRSSMiB = 512
	// floodRecovery is how soon after the flood ends a good request is accepted again.
	floodRecovery = 30 * time.Second
	// maxPillarsMetricsBytes bounds pillars' /metrics: per-service series for at most
	// max_metric_services (100) services, plus aggregates.
	maxPillarsMetricsBytes = 8 << 20
)

// A client's slo.error_budget.remaining, sent as the connector's own name for the series of a
// real service, changes nothing: neither the scorecard nor the gateway's Prometheus exporter
// shows it.
func TestClientSLOMetricsAreNotTheConnectors(t *testing.T) {
	col := startHostileTarget(t, "gateway", nil)
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("slo.error_budget.remaining")
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetDoubleValue(0.01)
	dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	dp.Attributes().PutStr("service.name", "checkout")
	dp.Attributes().PutStr("slo.name", "availability")
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	otlp := "http://" + col.Env[harness.EnvOTLPHTTP]
	harness.Eventually(t, 60*time.Second, "the connector's budget for checkout, and only it", func() error {
		if code := postProto(t, otlp+"/v1/metrics", body); code != http.StatusOK {
			return fmt.Errorf("client metrics refused: %d", code)
		}
		if code := postProto(t, otlp+"/v1/traces", marshal(t, oneSpan("checkout", "/pay"))); code != http.StatusOK {
			return fmt.Errorf("span refused: %d", code)
		}
		fam, err := harness.Scrape(col.MetricsURL())
		if err != nil {
			return err
		}
		var values []float64
		for _, mt := range fam["slo_error_budget_remaining"].GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["service_name"] == "checkout" && labels["slo_name"] == "availability" {
				values = append(values, mt.GetGauge().GetValue())
			}
		}
		if len(values) != 1 || values[0] != 1 {
			return fmt.Errorf("slo_error_budget_remaining{checkout, availability} = %v, want the connector's one series at 1", values)
		}
		page, err := getBody("http://" + col.Env[harness.EnvPillars] + "/scorecard.json?service=checkout")
		if err != nil {
			return err
		}
		var card struct {
			Services []struct {
				ErrorBudgets map[string]float64 `json:"error_budget_remaining"`
			}
			Limits struct {
				RefusedSLOPoints int `json:"refused_slo_points"`
			}
		}
		if err := json.Unmarshal(page, &card); err != nil {
			return err
		}
		if len(card.Services) != 1 || card.Services[0].ErrorBudgets["availability"] != 1 {
			return fmt.Errorf("scorecard budgets %+v, want availability 1", card.Services)
		}
		return nil
	})
}

// 100 000 distinct service names and routes in two minutes, on the gateway config with the
// memory limiter at 409 MiB: anonymous RSS stays under floodAnonRSSMiB throughout, every
// output stays small, and a good request is accepted within floodRecovery of the flood's end.
func TestHostileNamesLeaveMemoryBoundedAndRecover(t *testing.T) {
	col := startHostileTarget(t, "gateway", map[string]string{"MEMORY_LIMIT_MIB": "409"})
	peakAnon, stopSampling := sampleAnonRSS(t, col.PID())
	defer stopSampling()
	otlp := "http://" + col.Env[harness.EnvOTLPHTTP] + "/v1/traces"
	const perBatch, duration = 100, 2 * time.Minute
	batches := floodNames / perBatch
	tick := time.NewTicker(duration / time.Duration(batches))
	defer tick.Stop()
	outcomes := map[int]int{}
	start := time.Now()
	var minuteOne int64
	for b := 0; b < batches; b++ {
		<-tick.C
		outcomes[postProto(t, otlp, marshal(t, hostileBatch(b*perBatch, perBatch)))]++
		if minuteOne == 0 && time.Since(start) >= duration/2 {
			minuteOne = *peakAnon
		}
	}
	floodEnd := time.Now()
	t.Logf("flood of %d names in %s: outcomes %v; peak anonymous RSS %.0f MiB (first half %.0f MiB)",
		floodNames, floodEnd.Sub(start).Round(time.Second), outcomes, float64(*peakAnon)/(1<<20), float64(minuteOne)/(1<<20))
	if outcomes[http.StatusOK] == 0 {
		t.Fatalf("nothing of the flood was accepted: %v", outcomes)
	}
	for code, n := range outcomes {
		if code != http.StatusOK && code != http.StatusServiceUnavailable && code != http.StatusTooManyRequests {
			t.Errorf("%d flood requests got %d", n, code)
		}
	}

	good := marshal(t, oneSpan("checkout", "/pay"))
	harness.Eventually(t, floodRecovery, "a good request accepted after the flood", func() error {
		if code := postProto(t, otlp, good); code != http.StatusOK {
			return fmt.Errorf("refused with %d", code)
		}
		return nil
	})
	t.Logf("good requests accepted again %s after the flood", time.Since(floodEnd).Round(time.Second))
	for range 10 { // and they stay accepted
		if code := postProto(t, otlp, good); code != http.StatusOK {
			t.Errorf("a good request after recovery refused: %d", code)
		}
	}

	pillars := "http://" + col.Env[harness.EnvPillars]
	for u, limit := range map[string]int{pillars + "/scorecard.json": maxScorecardBytes, pillars + "/metrics": maxPillarsMetricsBytes, col.MetricsURL(): 64 << 20} {
		body, err := getBody(u)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", u, len(body))
		if len(body) > limit {
			t.Errorf("%s is %d bytes, over %d", u, len(body), limit)
		}
		if strings.HasSuffix(u, ".json") && !json.Valid(body) {
			t.Errorf("%s is not valid JSON", u)
		}
	}
	stopSampling()
	if *peakAnon > floodAnonRSSMiB<<20 {
		t.Errorf("peak anonymous RSS %.0f MiB, over %d MiB", float64(*peakAnon)/(1<<20), floodAnonRSSMiB)
	}
}

// hostileBatch is n server spans, each of its own service and route, numbered from first.
func hostileBatch(first, n int) ptrace.Traces {
	td := ptrace.NewTraces()
	now := time.Now()
	for i := first; i < first+n; i++ {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", fmt.Sprintf("hostile-%06d", i))
		s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		s.SetTraceID(pcommon.TraceID{byte(i), byte(i >> 8), byte(i >> 16), 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9})
		s.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), byte(i >> 16), 1, 1, 1, 1, 1})
		s.SetName("GET")
		s.SetKind(ptrace.SpanKindServer)
		s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-5 * time.Millisecond)))
		s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
		s.Attributes().PutStr("http.route", fmt.Sprintf("/r/%06d", i))
	}
	return td
}

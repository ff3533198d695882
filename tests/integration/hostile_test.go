//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
	"github.com/otelcol-sre/otelcol-sre/tests/loadgen"
)

// The bounds the README's "Exposing the gateway" section states for the default limits.
const (
	// maxMetricsBytes bounds either /metrics after one span with a 1 MiB service.name and one
	// with a 1 MiB route: every label is at most max_label_length (256 bytes).
	maxMetricsBytes = 1 << 20
	// maxScorecardBytes bounds one /scorecard.json response (page_size 100 services).
	maxScorecardBytes = 8 << 20
)

// startHostileTarget runs one of the shipped configs with a pillars evaluation every second
// where the config lets the environment choose it.
func startHostileTarget(t *testing.T, config string, extra map[string]string) *harness.Collector {
	t.Helper()
	bins := harness.Bins(t)
	if config == "default" {
		return harness.StartCollector(t, bins.Collector, "default", extra)
	}
	sink, err := loadgen.StartSink(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sink.Stop)
	env := gatewayEnv(t, sink.Addr, sink.Addr)
	env["PILLARS_EVALUATION_INTERVAL"] = "1s"
	for k, v := range extra {
		env[k] = v
	}
	return harness.StartCollector(t, bins.Collector, "gateway", env, harness.ConfigPath(t, "gateway.yaml"))
}

func postProto(t *testing.T, url string, body []byte) int {
	t.Helper()
	resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func getBody(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %.200s", url, resp.StatusCode, body)
	}
	return body, err
}

// A single span with a 1 MiB service.name and one with a 1 MiB http.route (a group_by label of
// the default latency SLO) once turned /metrics into 122 MB: now both scrape endpoints stay
// under maxMetricsBytes, and the long values are still told apart.
func TestLongLabelValuesLeaveMetricsSmall(t *testing.T) {
	for _, config := range []string{"default", "gateway"} {
		t.Run(config, func(t *testing.T) {
			col := startHostileTarget(t, config, nil)
			base := "http://" + col.Env[harness.EnvOTLPHTTP] + "/v1/traces"
			long := strings.Repeat("x", 1<<20)
			for _, td := range []ptrace.Traces{oneSpan(long, "/ok"), oneSpan("web", "/"+long)} {
				if code := postProto(t, base, marshal(t, td)); code != http.StatusOK {
					t.Fatalf("span refused: %d", code)
				}
			}
			pillars := "http://" + col.Env[harness.EnvPillars]
			harness.Eventually(t, 60*time.Second, "both services scored and counted", func() error {
				fam, err := harness.Scrape(col.MetricsURL())
				if err != nil {
					return err
				}
				if _, ok := sloValue(fam, "slo_events_total", map[string]string{"service_name": "web"}); !ok {
					return fmt.Errorf("no slo_events_total for web yet")
				}
				body, err := getBody(pillars + "/scorecard.json")
				if err != nil {
					return err
				}
				var card struct {
					Services []struct{ Identity map[string]string }
				}
				if err := json.Unmarshal(body, &card); err != nil {
					return err
				}
				if len(card.Services) < 2 {
					return fmt.Errorf("%d services scored", len(card.Services))
				}
				return nil
			})
			for _, u := range []string{col.MetricsURL(), pillars + "/metrics"} {
				body, err := getBody(u)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: %d bytes", u, len(body))
				if len(body) > maxMetricsBytes {
					t.Errorf("%s is %d bytes, over %d", u, len(body), maxMetricsBytes)
				}
				if !strings.Contains(string(body), strings.Repeat("x", 200)+"…") {
					t.Errorf("%s does not carry the cut service name", u)
				}
			}
		})
	}
}

// Finite values that overflow a sum (1.7e308 CPU) or underflow a quotient (a subnormal count)
// once left /scorecard.json empty or non-finite. Sent as a client's metrics, including the
// connector's names, they leave it valid JSON with every number finite.
func TestHugeAndSubnormalValuesKeepTheScorecardValid(t *testing.T) {
	col := startHostileTarget(t, "gateway", nil)
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "cpuhog")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("github.com/otelcol-sre/otelcol-sre/connector/sloconnector") // a forged scope
	for _, v := range []float64{1.7e308, math.MaxFloat64, 5e-324, -1.7e308} {
		for _, name := range []string{"process.cpu.utilization", "slo.window.events", "slo.objective", "slo.error_budget.remaining"} {
			m := sm.Metrics().AppendEmpty()
			m.SetName(name)
			dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
			dp.SetDoubleValue(v)
			dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
			dp.Attributes().PutStr("slo.name", "availability")
			dp.Attributes().PutStr("slo.window", "period")
			dp.Attributes().PutStr("slo.outcome", "bad")
		}
	}
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if code := postProto(t, "http://"+col.Env[harness.EnvOTLPHTTP]+"/v1/metrics", body); code != http.StatusOK {
			t.Fatalf("metrics refused: %d", code)
		}
	}
	if code := postProto(t, "http://"+col.Env[harness.EnvOTLPHTTP]+"/v1/traces", marshal(t, oneSpan("cpuhog", "/"))); code != http.StatusOK {
		t.Fatalf("span refused: %d", code)
	}
	harness.Eventually(t, 60*time.Second, "cpuhog scored, valid and finite", func() error {
		body, err := getBody("http://" + col.Env[harness.EnvPillars] + "/scorecard.json?service=cpuhog")
		if err != nil {
			return err
		}
		var card struct {
			Services []struct {
				ErrorBudgets map[string]float64 `json:"error_budget_remaining"`
			}
		}
		if err := json.Unmarshal(body, &card); err != nil {
			return fmt.Errorf("scorecard JSON: %v", err)
		}
		if len(card.Services) != 1 {
			return fmt.Errorf("%d cpuhog entries", len(card.Services))
		}
		for _, bad := range []string{"NaN", "Inf", "e+308"} {
			if strings.Contains(string(body), bad) {
				return fmt.Errorf("scorecard holds %q", bad)
			}
		}
		if b := card.Services[0].ErrorBudgets["availability"]; b != 1 {
			return fmt.Errorf("budget %v, want the connector's 1 (every span good), not a client's", b)
		}
		return nil
	})
}

//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

type scorecard struct {
	Services []struct {
		Identity   map[string]string `json:"identity"`
		Frameworks []struct {
			Framework string `json:"framework"`
			Pillars   []struct {
				Pillar     string   `json:"pillar"`
				Label      string   `json:"label"`
				Score      *float64 `json:"score"`
				Status     string   `json:"status"`
				Coverage   float64  `json:"coverage"`
				HighRisk   int      `json:"high_risk_checks"`
				MediumRisk int      `json:"medium_risk_checks"`
			} `json:"pillars"`
		} `json:"frameworks"`
		Checks []struct {
			ID          string            `json:"id"`
			Value       *float64          `json:"value"`
			Score       *float64          `json:"score"`
			Result      string            `json:"result"`
			Reason      string            `json:"reason"`
			Inputs      []string          `json:"inputs"`
			Remediation string            `json:"remediation"`
			References  map[string]string `json:"references"`
			Exemplars   []string          `json:"exemplar_trace_ids"`
		} `json:"checks"`
		Dora struct {
			Deployments         int      `json:"deployments"`
			DeploymentFrequency float64  `json:"deployment_frequency_per_day"`
			LeadTimeSeconds     *float64 `json:"lead_time_seconds"`
			ChangeFailureRate   *float64 `json:"change_failure_rate"`
			Level               string   `json:"level"`
		} `json:"dora"`
		Maturity struct {
			Level int `json:"level"`
		} `json:"maturity"`
	} `json:"services"`
}

func fetchScorecard(url string) (scorecard, error) {
	var sc scorecard
	resp, err := http.Get(url)
	if err != nil {
		return sc, err
	}
	defer resp.Body.Close()
	return sc, json.NewDecoder(resp.Body).Decode(&sc)
}

type pillarService struct {
	name     string
	requests int
	errorsAt func(i int) bool
	duration func(i int) time.Duration
}

// The four services through the built collector, from the Go SDK, against a 99.9 %
// availability SLO and a 300 ms p95 target:
//   - healthy: plain HTTP behind (presumably) a load balancer, 0.05 % errors;
//   - burning: 5 % errors;
//   - slow: no errors, p95 at 3× the target;
//   - bad-deploy: v1 runs clean, v2 is deployed (a service.version change) and fails until paged.
//
// Healthy passes Reliability and is never failed on Security for its plain HTTP; burning fails
// Reliability; slow fails Performance and nothing else; bad-deploy has one deployment and a
// change failure rate of 1. Values are recomputed here from what was sent.
func TestPillarsScorecardFromTelemetry(t *testing.T) {
	bins := harness.Bins(t)
	cfg := harness.WriteConfig(t, "pillars.yaml", pillarsTestConfig, nil)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-pillars", nil, cfg)
	pillarsURL := "http://" + col.Env[harness.EnvPillars]
	ctx := context.Background()
	now := time.Now()
	p95s := map[string]float64{}
	send := func(svc pillarService, version string) {
		tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", svc.name), attribute.String("service.version", version))
		var durations []float64
		for i := 0; i < svc.requests; i++ {
			d := svc.duration(i)
			_, span := tp.Tracer("pillars").Start(ctx, "GET /cart", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(now.Add(-d)),
				trace.WithAttributes(attribute.String("url.scheme", "http"), attribute.Int("http.response.status_code", 200)))
			if svc.errorsAt(i) {
				span.SetStatus(codes.Error, "failed")
			}
			span.End(trace.WithTimestamp(now))
			durations = append(durations, float64(d.Milliseconds()))
		}
		harness.Flush(t, tp)
		sort.Float64s(durations)
		p95s[svc.name] = durations[int(math.Ceil(0.95*float64(len(durations))))-1]
	}
	fast := func(i int) time.Duration { return time.Duration(20+i%50) * time.Millisecond }
	never := func(int) bool { return false }
	send(pillarService{"healthy", 4000, func(i int) bool { return i%2000 == 7 }, fast}, "1.0.0") // 2 of 4 000
	send(pillarService{"burning", 2000, func(i int) bool { return i%20 == 3 }, fast}, "1.0.0")   // 100 of 2 000
	send(pillarService{"slow", 400, never, func(i int) time.Duration { return time.Duration(850+i%100) * time.Millisecond }}, "1.0.0")
	send(pillarService{"bad-deploy", 300, never, fast}, "1.0.0")
	deployedAt := time.Now()
	send(pillarService{"bad-deploy", 300, func(int) bool { return true }, fast}, "2.0.0") // pages within seconds (test_seconds windows)

	byName := func(sc scorecard, name string) (int, bool) {
		for i, s := range sc.Services {
			if s.Identity["service.name"] == name {
				return i, true
			}
		}
		return 0, false
	}
	pillarStatus := func(sc scorecard, i int, framework, pillar string) string {
		for _, fw := range sc.Services[i].Frameworks {
			if fw.Framework == framework {
				for _, p := range fw.Pillars {
					if p.Pillar == pillar {
						return p.Status
					}
				}
			}
		}
		return "absent"
	}
	check := func(sc scorecard, i int, id string) (result string, value float64) {
		for _, c := range sc.Services[i].Checks {
			if c.ID == id {
				return c.Result, deref(c.Value)
			}
		}
		return "absent", math.NaN()
	}
	inputs := func(sc scorecard, i int, id string) string {
		for _, c := range sc.Services[i].Checks {
			if c.ID == id {
				return strings.Join(c.Inputs, " ")
			}
		}
		return ""
	}
	var sc scorecard
	harness.Eventually(t, 90*time.Second, "the four services scored as their telemetry says", func() error {
		var err error
		if sc, err = fetchScorecard(pillarsURL + "/scorecard.json"); err != nil {
			return err
		}
		for _, want := range []struct{ name, framework, pillar, status string }{
			{"healthy", "aws", "reliability", "pass"},
			{"burning", "aws", "reliability", "fail"},
			{"slow", "aws", "performance_efficiency", "fail"},
			{"slow", "aws", "reliability", "pass"},
		} {
			i, ok := byName(sc, want.name)
			if !ok {
				return fmt.Errorf("%s not scored yet", want.name)
			}
			if got := pillarStatus(sc, i, want.framework, want.pillar); got != want.status {
				return fmt.Errorf("%s %s %s: %s, want %s", want.name, want.framework, want.pillar, got, want.status)
			}
		}
		for name, left := range map[string]string{"healthy": "50.0 %", "burning": "-4900.0 %"} {
			if i, _ := byName(sc, name); !strings.Contains(inputs(sc, i, "reliability.error_budget"), left) {
				return fmt.Errorf("%s budget %q: not every span counted yet", name, inputs(sc, i, "reliability.error_budget"))
			}
		}
		i, ok := byName(sc, "bad-deploy")
		if !ok {
			return fmt.Errorf("bad-deploy not scored yet")
		}
		if d := sc.Services[i].Dora; d.Deployments != 1 || d.ChangeFailureRate == nil || *d.ChangeFailureRate != 1 {
			return fmt.Errorf("bad-deploy dora %+v: want 1 deployment that failed", d)
		}
		return nil
	})

	for _, name := range []string{"healthy", "burning", "slow", "bad-deploy"} {
		i, _ := byName(sc, name)
		svc := sc.Services[i]
		for _, fw := range svc.Frameworks {
			for _, p := range fw.Pillars {
				if name == "healthy" && strings.HasPrefix(p.Pillar, "security") && p.Status == "fail" {
					t.Errorf("healthy %s %s fails for plain HTTP", fw.Framework, p.Pillar)
				}
				if name == "slow" && p.Status == "fail" && p.Pillar != "performance_efficiency" && p.Pillar != "performance_optimization" {
					t.Errorf("slow fails %s %s as well as performance", fw.Framework, p.Pillar)
				}
			}
		}
		if r, _ := check(sc, i, "security.tls"); r != "not_applicable" {
			t.Errorf("%s TLS %s, want not_applicable (plain HTTP behind an unknown terminator)", name, r)
		}
		if r, v := check(sc, i, "performance.latency_p95"); v != p95s[name] {
			t.Errorf("%s p95 %v (%s), recomputed %v", name, v, r, p95s[name])
		}
		for _, c := range svc.Checks {
			if c.Remediation == "" || c.References["aws"] == "" || c.References["azure"] == "" || c.References["gcp"] == "" {
				t.Errorf("%s check %s lacks a fix or its references", name, c.ID)
			}
		}
	}
	// Budgets recomputed: 1 − bad ÷ (0.001 × valid).
	if i, _ := byName(sc, "burning"); true {
		if r, v := check(sc, i, "reliability.error_budget"); r != "fail" || v != 0 || !strings.Contains(inputs(sc, i, "reliability.error_budget"), "-4900.0 %") {
			t.Errorf("burning budget %s %v (%s), want fail with 1 − 100 ÷ 2 = −49 left", r, v, inputs(sc, i, "reliability.error_budget"))
		}
	}
	if i, _ := byName(sc, "healthy"); true {
		if r, v := check(sc, i, "reliability.error_budget"); r != "pass" || v != 2 || !strings.Contains(inputs(sc, i, "reliability.error_budget"), "50.0 %") {
			t.Errorf("healthy budget %s %v (%s): 1 − 2 ÷ 4 = half the budget left is a pass", r, v, inputs(sc, i, "reliability.error_budget"))
		}
		// No 401/403 in 4 000 responses is no evidence of access control: not a pass.
		if r, _ := check(sc, i, "security.auth_failures"); r != "insufficient_data" || !strings.Contains(inputs(sc, i, "security.auth_failures"), "0 of 4000") {
			t.Errorf("healthy auth failures %s (%s), want insufficient_data from 0 of 4000", r, inputs(sc, i, "security.auth_failures"))
		}
		if l := sc.Services[i].Maturity.Level; l != 3 {
			t.Errorf("healthy maturity %d, want 3 (telemetry, an SLO with data, alerting that can fire; no full period yet)", l)
		}
	}
	t.Logf("bad-deploy deployed at %s; p95 %v", deployedAt.Format(time.RFC3339), p95s)

	// A real Prometheus scrapes the pillars endpoint.
	prom := harness.StartPrometheus(t, bins.Prometheus, harness.PrometheusOptions{ScrapeTargets: []string{col.Env[harness.EnvPillars]}})
	harness.Eventually(t, 30*time.Second, "wellarchitected_pillar_score in Prometheus", func() error {
		res, err := prom.Query(`count(wellarchitected_pillar_risks{service_name="burning",risk="high"})`)
		if err != nil || len(res) != 1 || res[0].Value < 15 {
			return fmt.Errorf("%v %v", res, err)
		}
		return nil
	})

	// A real browser renders every pillar with its status, fixes and references.
	checkScorecardInChromium(t, pillarsURL+"/scorecard", sc.Services[0].Frameworks[0].Pillars[0].Label)
}

func deref(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

func checkScorecardInChromium(t *testing.T, url, mustContain string) {
	t.Helper()
	checkPageInChromium(t, url, "scorecard", mustContain, "Operational Excellence", "Sustainability", "Security, privacy, and compliance", "Performance optimization",
		`class="status">fail`, "Telemetry-derived mapping", "SRE maturity level", "high / medium risk", "SEC09-BP02", "RE:04", "not_applicable")
}

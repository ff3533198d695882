package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

const pillarsTestConfig = `
extensions:
  health_check: {endpoint: "${env:HEALTH_CHECK_ENDPOINT}"}
receivers:
  otlp: {protocols: {grpc: {endpoint: "${env:OTLP_GRPC_ENDPOINT}"}}}
connectors:
  slo:
    emit_interval: 500ms
    slos:
      - name: shop-availability
        service: shop
        objective: 99
        sli: {bad: 'status.code == STATUS_CODE_ERROR'}
exporters:
  pillars:
    endpoint: "${env:PILLARS_ENDPOINT}"
    evaluation_interval: 500ms
    frameworks: [aws, azure, gcp]
service:
  extensions: [health_check]
  telemetry:
` + harness.SelfMetrics + `  pipelines:
    traces: {receivers: [otlp], exporters: [slo, pillars]}
    metrics: {receivers: [otlp, slo], exporters: [pillars]}
    logs: {receivers: [otlp], exporters: [pillars]}
`

type scorecard struct {
	Services []struct {
		Identity   map[string]string `json:"identity"`
		Frameworks []struct {
			Framework string `json:"framework"`
			Pillars   []struct {
				Pillar   string   `json:"pillar"`
				Label    string   `json:"label"`
				Score    *float64 `json:"score"`
				Status   string   `json:"status"`
				Coverage float64  `json:"coverage"`
			} `json:"pillars"`
		} `json:"frameworks"`
		Checks []struct {
			ID        string   `json:"id"`
			Value     *float64 `json:"value"`
			Score     *float64 `json:"score"`
			Result    string   `json:"result"`
			Exemplars []string `json:"exemplar_trace_ids"`
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

func otlpConn(t *testing.T, endpoint string) *grpc.ClientConn {
	conn, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// The scorecard through the built collector, from real OTLP clients: SDK server spans (half over
// TLS, 401s, 5xx, exception events), a deployment log event followed by the burst of errors, and
// host CPU utilisation. Every expected value is recomputed here from what was sent.
func TestPillarsScorecardFromTelemetry(t *testing.T) {
	bins := harness.Bins(t)
	cfg := harness.WriteConfig(t, "pillars.yaml", pillarsTestConfig, nil)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-pillars", nil, cfg)
	pillarsURL := "http://" + col.Env[harness.EnvPillars]
	ctx := context.Background()
	resource := func(m pcommon.Map) {
		m.PutStr("service.name", "shop")
		m.PutStr("service.namespace", "demo")
		m.PutStr("deployment.environment.name", "test")
	}

	// 1. The deployment, as a log event, with its commit two hours earlier.
	deployedAt := time.Now()
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	resource(rl.Resource().Attributes())
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(deployedAt))
	lr.Attributes().PutStr("event.name", "deployment")
	lr.Attributes().PutStr("service.version", "2.0.0")
	lr.Attributes().PutStr("vcs.ref.head.revision.timestamp", deployedAt.Add(-2*time.Hour).Format(time.RFC3339))
	if _, err := plogotlp.NewGRPCClient(otlpConn(t, col.OTLPGRPC())).Export(ctx, plogotlp.NewExportRequestFromLogs(ld)); err != nil {
		t.Fatal(err)
	}

	// 2. Host CPU: 35 % busy (idle 0.65) on two CPUs → utilisation 0.35.
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("host.name", "node-1")
	g := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	g.SetName("system.cpu.utilization")
	g.SetEmptyGauge()
	for _, cpu := range []string{"cpu0", "cpu1"} {
		for state, v := range map[string]float64{"idle": 0.65, "user": 0.30} {
			p := g.Gauge().DataPoints().AppendEmpty()
			p.Attributes().PutStr("cpu", cpu)
			p.Attributes().PutStr("state", state)
			p.SetDoubleValue(v)
			p.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		}
	}
	if _, err := pmetricotlp.NewGRPCClient(otlpConn(t, col.OTLPGRPC())).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(md)); err != nil {
		t.Fatal(err)
	}

	// 3. Server spans after the deployment: 200 requests.
	tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "shop"),
		attribute.String("service.namespace", "demo"), attribute.String("deployment.environment.name", "test"), attribute.String("service.version", "2.0.0"))
	var total, tls, auth, errs, exceptions float64
	var durations []float64
	now := time.Now()
	for i := 0; i < 200; i++ {
		code := 200
		switch {
		case i%20 == 1:
			code = 401
		case i%10 == 3:
			code = 503
		}
		d := time.Duration(100+(i%10)*50) * time.Millisecond
		attrs := []attribute.KeyValue{attribute.Int("http.response.status_code", code)}
		if i%2 == 0 {
			attrs = append(attrs, attribute.String("url.scheme", "https"))
			tls++
		} else {
			attrs = append(attrs, attribute.String("url.scheme", "http"))
		}
		_, span := tp.Tracer("shop").Start(ctx, "GET /cart", trace.WithSpanKind(trace.SpanKindServer), trace.WithTimestamp(now.Add(-d)), trace.WithAttributes(attrs...))
		if code == 503 {
			span.SetStatus(codes.Error, "unavailable")
			errs++
		}
		if code == 401 {
			auth++
		}
		if i%25 == 0 {
			span.RecordError(fmt.Errorf("boom %d", i))
			exceptions++
		}
		span.End(trace.WithTimestamp(now))
		total++
		durations = append(durations, float64(d.Milliseconds()))
	}
	harness.Flush(t, tp)

	// Independent expectations.
	sort.Float64s(durations)
	p95 := durations[int(math.Ceil(0.95*float64(len(durations))))-1]
	remaining := 1 - errs/((1-0.99)*total) // far below 0: the burst spent the budget
	expectValue := map[string]float64{
		"security.tls":            tls / total,
		"security.auth_failures":  auth / total,
		"security.exceptions":     exceptions / total,
		"performance.latency_p95": p95,
		"reliability.slo_budget":  remaining,
		"cost.idle_capacity":      0.35,
	}
	lin := func(v, good, bad float64) float64 { return math.Max(0, math.Min(1, (v-bad)/(good-bad))) }
	// Security: tls 2·lin(0.5; .99,.90)=0, auth 1·lin(0.05; .01,.10), exceptions 1·lin(0.04; .001,.05), key tls fails.
	securityScore := 100 * (2*lin(tls/total, 0.99, 0.90) + lin(auth/total, 0.01, 0.10) + lin(exceptions/total, 0.001, 0.05)) / 4
	var sc scorecard
	harness.Eventually(t, 60*time.Second, "the scorecard to reflect everything sent", func() error {
		var err error
		if sc, err = fetchScorecard(pillarsURL + "/scorecard.json"); err != nil {
			return err
		}
		if len(sc.Services) != 1 {
			return fmt.Errorf("%d services", len(sc.Services))
		}
		svc := sc.Services[0]
		values := map[string]*float64{}
		for _, c := range svc.Checks {
			values[c.ID] = c.Value
		}
		for id, want := range expectValue {
			if got := values[id]; got == nil || math.Abs(*got-want) > 1e-9 {
				return fmt.Errorf("check %s = %v, want %v", id, deref(got), want)
			}
		}
		if svc.Dora.Deployments != 1 || svc.Dora.ChangeFailureRate == nil || *svc.Dora.ChangeFailureRate != 1 {
			return fmt.Errorf("dora %+v: want 1 deployment, failed by the page alert that followed", svc.Dora)
		}
		if svc.Maturity.Level != 2 {
			return fmt.Errorf("maturity %d, want 2 (telemetry, SLOs; no resolved incident yet)", svc.Maturity.Level)
		}
		return nil
	})

	svc := sc.Services[0]
	if svc.Identity["service.name"] != "shop" || svc.Identity["service.namespace"] != "demo" || svc.Identity["deployment.environment.name"] != "test" {
		t.Errorf("identity %v", svc.Identity)
	}
	if lt := deref(svc.Dora.LeadTimeSeconds); math.Abs(lt-7200) > 1 {
		t.Errorf("lead time %v s, want 7200", lt)
	}
	if math.Abs(svc.Dora.DeploymentFrequency-1.0/30) > 1e-6 || svc.Dora.Level != "low" {
		t.Errorf("frequency %v/day level %s, want 1/30 and low (every change failed)", svc.Dora.DeploymentFrequency, svc.Dora.Level)
	}
	wantPillars := map[string]int{"aws": 6, "azure": 5, "gcp": 6}
	for _, fw := range svc.Frameworks {
		if len(fw.Pillars) != wantPillars[fw.Framework] {
			t.Errorf("%s has %d pillars", fw.Framework, len(fw.Pillars))
		}
		for _, p := range fw.Pillars {
			switch p.Pillar {
			case "security", "security_privacy_compliance":
				if p.Status != "fail" || p.Score == nil || math.Abs(*p.Score-securityScore) > 1e-9 || p.Coverage != 1 {
					t.Errorf("%s %s: %+v, want fail (key TLS check) with score %v", fw.Framework, p.Pillar, p, securityScore)
				}
			case "reliability":
				if p.Status != "fail" {
					t.Errorf("%s reliability %s, want fail (budget spent)", fw.Framework, p.Status)
				}
			case "sustainability":
				want := 100 * lin(0.35, 0.4, 0.05)
				if p.Score == nil || math.Abs(*p.Score-want) > 1e-9 {
					t.Errorf("%s sustainability score %v, want %v", fw.Framework, deref(p.Score), want)
				}
			}
			if p.Status == "" || p.Label == "" {
				t.Errorf("%s %s lacks a status or label", fw.Framework, p.Pillar)
			}
		}
	}

	// A real Prometheus scrapes the pillars endpoint.
	prom := harness.StartPrometheus(t, bins.Prometheus, harness.PrometheusOptions{ScrapeTargets: []string{col.Env[harness.EnvPillars]}})
	harness.Eventually(t, 30*time.Second, "wellarchitected_pillar_score in Prometheus", func() error {
		res, err := prom.Query(`count(wellarchitected_pillar_score{service_name="shop"})`)
		if err != nil || len(res) != 1 || res[0].Value < 15 {
			return fmt.Errorf("%v %v", res, err)
		}
		return nil
	})

	// A real browser renders every pillar with its status.
	checkScorecardInChromium(t, pillarsURL+"/scorecard", svc.Frameworks[0].Pillars[0].Label)
}

func deref(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}

func checkScorecardInChromium(t *testing.T, url, mustContain string) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not installed (apt-get install -y chromium)")
	}
	root, _ := harness.RepoRoot()
	outDir := filepath.Join(root, "tests", "integration", "testoutput")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, chromium, append(flags, "--dump-dom", url)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	page := string(dom)
	for _, want := range []string{mustContain, "Operational Excellence", "Sustainability", "Security, privacy, and compliance", "Performance optimization",
		`class="status">fail`, "Telemetry-derived mapping", "SRE maturity level"} {
		if !strings.Contains(page, want) {
			t.Errorf("rendered scorecard lacks %q", want)
		}
	}
	shot := filepath.Join(outDir, "scorecard.png")
	if out, err := exec.CommandContext(ctx, chromium, append(flags, "--window-size=1400,2400", "--screenshot="+shot, url)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("screenshot %s missing or empty: %v", shot, err)
	}
}

//go:build integration

package integration

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// The embedded default config emits every 5 s.
const rolloutEmit = 5 * time.Second

// rollout is a user's story through `otelcol-sre` with no --config: a fresh service warms up at
// 1 % errors on /pay, v1.5.0 fails half of /pay (the exception on a child span, as Node's
// auto-instrumentation records it), v1.4.0 comes back, the collector restarts.
type rollout struct {
	t    *testing.T
	env  map[string]string
	col  *harness.Collector
	sent int
}

// send emits n requests round-robin over /pay, /browse and /cart, each a SERVER span with an
// INTERNAL child. failPay(i) says whether the i-th /pay request fails: the server span gets
// status ERROR and a 500; the child charge-card records PaymentGatewayError.
func (r *rollout) send(tp *sdktrace.TracerProvider, n int, failPay func(pay int) bool) {
	tracer := tp.Tracer("checkout")
	for i := 0; i < n; i++ {
		route := []string{"/pay", "/browse", "/cart"}[r.sent%3]
		bad := route == "/pay" && failPay(r.sent/3)
		r.sent++
		status := 200
		if bad {
			status = 500
		}
		ctx, server := tracer.Start(context.Background(), "POST "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.route", route), attribute.String("http.request.method", "POST")))
		_, child := tracer.Start(ctx, "charge-card", trace.WithSpanKind(trace.SpanKindInternal))
		if bad {
			child.RecordError(fmt.Errorf("gateway timeout"), trace.WithAttributes(attribute.String("exception.type", "PaymentGatewayError")))
			child.SetStatus(codes.Error, "PaymentGatewayError")
		}
		child.End()
		server.SetAttributes(attribute.Int("http.response.status_code", status))
		if bad {
			server.SetStatus(codes.Error, "")
		}
		server.End()
	}
	harness.Flush(r.t, tp)
}

// paced sends 40 requests a second for d, checking between seconds.
func (r *rollout) paced(tp *sdktrace.TracerProvider, d time.Duration, failPay func(int) bool, check func()) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		for range 4 {
			r.send(tp, 10, failPay)
			time.Sleep(250 * time.Millisecond)
		}
		if check != nil {
			check()
		}
	}
}

func (r *rollout) page() bool {
	fam := scrapeOrFail(r.t, r.col.MetricsURL())
	v, ok := sloValue(fam, "slo_alert_active", map[string]string{"slo_name": "availability", "slo_alert_severity": "page", "service_name": "checkout"})
	return ok && v == 1
}

func (r *rollout) incidents() []rolloutIncident {
	var body struct {
		Incidents []rolloutIncident `json:"incidents"`
	}
	if err := getJSON("http://"+r.env[harness.EnvPillars]+"/incidents?format=json", &body); err != nil {
		r.t.Fatal(err)
	}
	var out []rolloutIncident
	for _, inc := range body.Incidents {
		if inc.SLO == "availability" {
			out = append(out, inc)
		}
	}
	return out
}

type rolloutIncident struct {
	ID        string    `json:"id"`
	SLO       string    `json:"slo"`
	Status    string    `json:"status"`
	Start     time.Time `json:"start"`
	Recovered time.Time `json:"recovered"`
	Reopened  int       `json:"reopened"`
	Trigger   *struct {
		Version  string `json:"version"`
		Rollback bool   `json:"rollback"`
	} `json:"trigger"`
	Deployments []struct {
		Version  string    `json:"version"`
		At       time.Time `json:"at"`
		Rollback bool      `json:"rollback"`
	} `json:"deployments"`
	Factors []struct {
		Attribute string `json:"attribute"`
		Value     string `json:"value"`
	} `json:"contributing_factors"`
	Episodes []struct {
		Start time.Time `json:"start"`
	} `json:"episodes"`
}

type rolloutService struct {
	Identity map[string]string `json:"identity"`
	Checks   []struct {
		ID     string   `json:"id"`
		Result string   `json:"result"`
		Value  *float64 `json:"value"`
		Inputs []string `json:"inputs"`
	} `json:"checks"`
	Dora struct {
		Deployments       int      `json:"deployments"`
		FailedDeployments int      `json:"failed_deployments"`
		ChangeFailureRate *float64 `json:"change_failure_rate"`
		Rework            int      `json:"rework_deployments"`
		ReworkRate        *float64 `json:"rework_rate"`
		RecoverySeconds   *float64 `json:"recovery_time_seconds"`
	} `json:"dora"`
	Budgets map[string]float64 `json:"error_budget_remaining"`
}

// checkout returns the scorecard's entries for checkout (there must be one).
func (r *rollout) checkout() []rolloutService {
	var card struct {
		Services []rolloutService `json:"services"`
	}
	if err := getJSON("http://"+r.env[harness.EnvPillars]+"/scorecard.json", &card); err != nil {
		r.t.Fatal(err)
	}
	var out []rolloutService
	for _, s := range card.Services {
		if s.Identity["service.name"] == "checkout" {
			out = append(out, s)
		}
	}
	return out
}

func (s rolloutService) check(id string) (result string, value float64, inputs string) {
	for _, c := range s.Checks {
		if c.ID == id {
			if c.Value != nil {
				value = *c.Value
			}
			return c.Result, value, strings.Join(c.Inputs, "; ")
		}
	}
	return "", 0, ""
}

func TestRolloutThroughTheDefaultConfig(t *testing.T) {
	bins := harness.Bins(t)
	r := &rollout{t: t, env: harness.CollectorEnv(t)}
	r.col = harness.StartCollector(t, bins.Collector, "otelcol-sre-rollout", r.env) // the embedded default
	resource := func(version string) *sdktrace.TracerProvider {
		return harness.TracerProvider(t, r.col.OTLPGRPC(), attribute.String("service.name", "checkout"),
			attribute.String("service.version", version), attribute.String("deployment.environment.name", "prod"))
	}
	v14, v15 := resource("1.4.0"), resource("1.5.0")

	// Warm-up from zero: 3 of the first 76 /pay requests fail (3 of the first 227 requests:
	// the flap that paged), then 1 % of /pay (0.33 % of all requests, under the 0.6 % page
	// threshold). No page, no incident.
	warmFail := func(pay int) bool { return pay == 10 || pay == 40 || pay == 70 || (pay > 76 && pay%100 == 0) }
	noPage := func() {
		if r.page() {
			t.Fatalf("page during the warm-up after %d requests", r.sent)
		}
	}
	r.paced(v14, 40*time.Second, warmFail, noPage)
	if incs := r.incidents(); len(incs) != 0 {
		t.Fatalf("incidents during the warm-up: %+v", incs)
	}
	// The sampler keeps 10 % of ordinary traces (and every error): the keep-ratio check reads
	// its decisions, not the unsampled stream pillars sees.
	harness.Eventually(t, 40*time.Second, "keep ratio from sre_sampling's decisions", func() error {
		r.send(v14, 10, warmFail)
		svc := r.checkout()
		if len(svc) != 1 {
			return fmt.Errorf("%d scorecard entries for checkout", len(svc))
		}
		result, value, inputs := svc[0].check("cost.sampling_keep_ratio")
		if result != "pass" || value < 0.06 || value > 0.16 {
			return fmt.Errorf("keep ratio %s %v (%s)", result, value, inputs)
		}
		t.Logf("keep ratio %.3f: %s", value, inputs)
		return nil
	})

	// v1.5.0 fails half of /pay until the page fires, and runs 20 s in all (a version must be
	// gone 10 s for its return to be a rollback).
	deployAt := time.Now()
	badFail := func(pay int) bool { return pay%2 == 0 }
	paged := time.Time{}
	r.paced(v15, 20*time.Second, badFail, func() {
		if paged.IsZero() && r.page() {
			paged = time.Now()
		}
	})
	if paged.IsZero() {
		t.Fatal("no page within 20 s of the failing deployment")
	}
	t.Logf("paged %v after the deploy", paged.Sub(deployAt).Round(time.Second))

	// Rollback to v1.4.0: the errors stop.
	rollbackAt := time.Now()
	r.paced(v14, 4*rolloutEmit, func(int) bool { return false }, nil)
	var inc rolloutIncident
	harness.Eventually(t, 30*time.Second, "the incident recovered, its trigger and its rollback", func() error {
		r.send(v14, 10, func(int) bool { return false })
		incs := r.incidents()
		if len(incs) != 1 {
			return fmt.Errorf("%d availability incidents: %+v", len(incs), incs)
		}
		inc = incs[0]
		if inc.Recovered.IsZero() {
			return fmt.Errorf("not recovered yet: %+v", inc)
		}
		return nil
	})
	if inc.Reopened != 0 || len(inc.Episodes) != 1 {
		t.Errorf("one page for the bad deploy, got %d episodes (reopened %d)", len(inc.Episodes), inc.Reopened)
	}
	if inc.Trigger == nil || inc.Trigger.Version != "1.5.0" || inc.Trigger.Rollback {
		t.Errorf("trigger %+v, want the v1.5.0 deployment", inc.Trigger)
	}
	rollback := false
	for _, d := range inc.Deployments {
		rollback = rollback || (d.Rollback && d.Version == "1.4.0" && d.At.After(inc.Start))
	}
	if !rollback {
		t.Errorf("no rollback to 1.4.0 after the page in %+v", inc.Deployments)
	}
	factors := fmt.Sprint(inc.Factors)
	if !strings.Contains(factors, "exception.type PaymentGatewayError") || !strings.Contains(factors, "error.span.name charge-card") {
		t.Errorf("factors %s lack the child span's exception", factors)
	}
	// Within one emit of the rollback (and the SDK's 200 ms batching).
	if d := inc.Recovered.Sub(rollbackAt); math.Abs(d.Seconds()) > (rolloutEmit + time.Second).Seconds() {
		t.Errorf("recovered %v, %v from the rollback at %v", inc.Recovered, d, rollbackAt)
	}
	pillars := "http://" + r.env[harness.EnvPillars]
	checkPageInChromium(t, pillars+"/incidents", "incidents", inc.ID, "1.5.0", "availability", "(recovered)")
	checkPageInChromium(t, pillars+"/incidents/"+inc.ID, "incident", "deployment of <code>1.5.0</code>", "rollback of checkout to version 1.4.0 (version_change): remediation",
		"service recovered", "the service recovers", "PaymentGatewayError", "charge-card", "consumed since open")
	if opened := incidentLogRecords(t, r.env[harness.EnvDataDir], "availability", "slo.incident.opened"); len(opened) != 1 {
		t.Errorf("%d slo.incident.opened records for availability in logs.jsonl, want 1", len(opened))
	}

	// DORA from the board and the spans: one change (v1.5.0), failed; the rollback is rework;
	// recovery is the incident's, to the recovery, not to the page clearing.
	wantRecovery := inc.Recovered.Sub(inc.Start).Seconds()
	doraAsScripted := func(what string) {
		harness.Eventually(t, 40*time.Second, "DORA "+what, func() error {
			svc := r.checkout()
			if len(svc) != 1 {
				return fmt.Errorf("%d scorecard entries for checkout: %+v", len(svc), svc)
			}
			d := svc[0].Dora
			if d.Deployments != 1 || d.FailedDeployments != 1 || d.ChangeFailureRate == nil || *d.ChangeFailureRate != 1 ||
				d.Rework != 1 || d.ReworkRate == nil || *d.ReworkRate != 0.5 {
				return fmt.Errorf("dora %+v", d)
			}
			if d.RecoverySeconds == nil || math.Abs(*d.RecoverySeconds-wantRecovery) > rolloutEmit.Seconds() {
				return fmt.Errorf("recovery time %v, want %v", d.RecoverySeconds, wantRecovery)
			}
			return nil
		})
	}
	doraAsScripted("after the rollback")

	// Restart: one entry for checkout, with its environment, whose budget is the connector's.
	if err := r.col.Stop(syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	r.col = harness.StartCollector(t, bins.Collector, "otelcol-sre-rollout", r.env)
	v14 = resource("1.4.0")
	r.paced(v14, 2*rolloutEmit, func(int) bool { return false }, nil)
	doraAsScripted("after the restart")
	harness.Eventually(t, 60*time.Second, "one scorecard entry whose budget is slo_error_budget_remaining", func() error {
		svc := r.checkout()
		if len(svc) != 1 || svc[0].Identity["deployment.environment.name"] != "prod" {
			return fmt.Errorf("scorecard entries for checkout: %+v", svc)
		}
		want, ok := sloValue(scrapeOrFail(t, r.col.MetricsURL()), "slo_error_budget_remaining", map[string]string{"slo_name": "availability", "service_name": "checkout"})
		got, has := svc[0].Budgets["availability"]
		if !ok || !has || got != want {
			return fmt.Errorf("scorecard budget %v (%v), slo_error_budget_remaining %v (%v)", got, has, want, ok)
		}
		if want >= 1 {
			return fmt.Errorf("budget %v: the bad deploy spent none", want)
		}
		return nil
	})
}

func scrapeOrFail(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	fam, err := harness.Scrape(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	return fam
}

// incidentLogRecords reads the incident records of an SLO with the given event name from the
// default config's logs.jsonl.
func incidentLogRecords(t *testing.T, dataDir, slo, event string) []plog.LogRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, "logs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var um plog.JSONUnmarshaler
	var out []plog.LogRecord
	for sc.Scan() {
		ld, err := um.UnmarshalLogs(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					lr := lrs.At(k)
					if name, _ := lr.Attributes().Get("slo.name"); lr.EventName() == event && name.Str() == slo {
						out = append(out, lr)
					}
				}
			}
		}
	}
	return out
}

// checkPageInChromium renders url in headless Chromium at 1 400 px: no console error, the
// rendered DOM holds every want, and a screenshot lands in testoutput/name.png.
// crashRetried runs a headless Chromium command again, up to three times, when the browser
// itself crashed (killed by a signal, as headless Chromium now and then is on this VM); any
// other failure is returned at once.
func crashRetried(run func() error) error {
	var err error
	for range 3 {
		var exit *exec.ExitError
		if err = run(); err == nil || !errors.As(err, &exit) || !signaled(exit) {
			return err
		}
	}
	return err
}

func checkPageInChromium(t *testing.T, url, name string, wants ...string) {
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
		"--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0", "--window-size=1400,1800", "--user-data-dir=" + t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stderr strings.Builder
	var dom []byte
	err = crashRetried(func() error {
		stderr.Reset()
		cmd := exec.CommandContext(ctx, chromium, append(flags, "--dump-dom", url)...)
		cmd.Stderr = &stderr
		var err error
		dom, err = cmd.Output()
		return err
	})
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v", url, err)
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console message on %s: %s", url, line)
		}
	}
	for _, want := range wants {
		if !strings.Contains(string(dom), want) {
			t.Errorf("%s as rendered lacks %q", url, want)
		}
	}
	shot := filepath.Join(outDir, name+".png")
	var out []byte
	if err := crashRetried(func() error {
		var err error
		out, err = exec.CommandContext(ctx, chromium, append(flags, "--screenshot="+shot, url)...).CombinedOutput()
		return err
	}); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("screenshot %s missing or empty: %v", shot, err)
	}
}

func signaled(exit *exec.ExitError) bool {
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled()
}

//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
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

const incidentEmit = time.Second

// incidentRun drives one service through a clean period, a bad deployment, a page and a
// recovery, and keeps the truth: every root span sent and whether it was bad.
type incidentRun struct {
	t        *testing.T
	col      *harness.Collector
	jaeger   *harness.Jaeger
	loki     *harness.LokiStub
	env      map[string]string
	cfg      string
	good     float64
	bad      float64
	traceIDs map[string]bool // every trace sent: id -> bad
}

type incidentJSON struct {
	ID          string            `json:"id"`
	SLO         string            `json:"slo"`
	Service     string            `json:"service"`
	Status      string            `json:"status"`
	Start       time.Time         `json:"start"`
	Resolved    time.Time         `json:"resolved"`
	PeakBurn    float64           `json:"peak_burn_rate"`
	Consumed    float64           `json:"budget_consumed"`
	BadEvents   float64           `json:"bad_events"`
	Identity    map[string]string `json:"identity"`
	Deployments []struct {
		Version string    `json:"version"`
		At      time.Time `json:"at"`
	} `json:"deployments"`
	Factors []struct {
		Attribute string  `json:"attribute"`
		Value     string  `json:"value"`
		Lift      float64 `json:"lift"`
		Bad       float64 `json:"bad_events"`
	} `json:"contributing_factors"`
	Exemplars  []string `json:"exemplar_trace_ids"`
	Postmortem string   `json:"postmortem_markdown"`
}

func (r *incidentRun) pillarsURL(path string) string {
	return "http://" + r.col.Env[harness.EnvPillars] + path
}

func (r *incidentRun) incidents() ([]incidentJSON, error) {
	var body struct {
		Incidents []incidentJSON `json:"incidents"`
	}
	err := getJSON(r.pillarsURL("/incidents?format=json"), &body)
	return body.Incidents, err
}

func getJSON(url string, into any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// send emits n requests alternating /pay and /browse (a root SERVER span with a CLIENT child);
// /pay fails when failPay. It returns the trace IDs of the good requests.
func (r *incidentRun) send(tp *sdktrace.TracerProvider, n int, failPay bool) []string {
	ctx := context.Background()
	tracer := tp.Tracer("checkout")
	var good []string
	for i := 0; i < n; i++ {
		route := []string{"/pay", "/browse"}[i%2]
		bad := failPay && route == "/pay"
		status := 200
		if bad {
			status = 500
		}
		rctx, root := tracer.Start(ctx, "GET "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status)))
		_, child := tracer.Start(rctx, "SELECT", trace.WithSpanKind(trace.SpanKindClient))
		child.End()
		if bad {
			root.RecordError(fmt.Errorf("card declined"))
			root.SetStatus(codes.Error, "payment failed")
		}
		root.End()
		id := root.SpanContext().TraceID().String()
		r.traceIDs[id] = bad
		if bad {
			r.bad++
		} else {
			r.good++
			good = append(good, id)
		}
	}
	harness.Flush(r.t, tp)
	return good
}

func (r *incidentRun) scrape(url string) map[string]*dto.MetricFamily {
	fam, err := harness.Scrape(url)
	if err != nil {
		r.t.Fatalf("scrape %s: %v", url, err)
	}
	return fam
}

func (r *incidentRun) pageActive() bool {
	v, ok := sloValue(r.scrape(r.col.MetricsURL()), "slo_alert_active", map[string]string{"slo_name": "availability", "slo_alert_severity": "page", "slo_connector": "slo"})
	return ok && v == 1
}

func (r *incidentRun) boosted() float64 {
	v, _ := sloValue(r.scrape(r.col.TelemetryURL()), "otelcol_processor_sre_sampling_boosted", map[string]string{"service": "checkout"})
	return v
}

// logEvents returns the incident records that reached the logs exporter, by event name.
func (r *incidentRun) logEvents() map[string][]plog.LogRecord {
	out := map[string][]plog.LogRecord{}
	for _, ld := range r.loki.Logs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				lrs := sls.At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					lr := lrs.At(k)
					out[lr.EventName()] = append(out[lr.EventName()], lr)
				}
			}
		}
	}
	return out
}

// found counts the traces Jaeger has among ids.
func (r *incidentRun) found(ids []string) int {
	n := 0
	for _, id := range ids {
		if _, ok, err := r.jaeger.Trace(id); err != nil {
			r.t.Fatal(err)
		} else if ok {
			n++
		}
	}
	return n
}

func (r *incidentRun) start() {
	r.col = harness.StartCollector(r.t, harness.Bins(r.t).Collector, "otelcol-sre-incidents", r.env, r.cfg)
}

func TestIncidentFromBadDeployment(t *testing.T) {
	for _, restart := range []bool{false, true} {
		name := "straight"
		if restart {
			name = "restart_mid_incident"
		}
		t.Run(name, func(t *testing.T) { runIncident(t, restart) })
	}
}

func runIncident(t *testing.T, restart bool) {
	bins := harness.Bins(t)
	r := &incidentRun{t: t, jaeger: harness.StartJaeger(t, bins.Jaeger), loki: harness.StartLokiStub(t), traceIDs: map[string]bool{}}
	cooldown := 8 * time.Second
	r.cfg = harness.WriteConfig(t, "incidents.yaml", incidentsTestConfig, map[string]any{
		"Jaeger": r.jaeger.OTLPGRPC, "Loki": r.loki.URL, "Emit": incidentEmit, "Cooldown": cooldown})
	r.env = harness.CollectorEnv(t)
	r.start()
	v1 := harness.TracerProvider(t, r.col.OTLPGRPC(), attribute.String("service.name", "checkout"), attribute.String("service.version", "1.0.0"))
	v2 := harness.TracerProvider(t, r.col.OTLPGRPC(), attribute.String("service.name", "checkout"), attribute.String("service.version", "2.0.0"))
	tick := func() { time.Sleep(250 * time.Millisecond) } // paces the load, 40 requests a second

	// Clean: 240 requests of v1 over 6 s.
	var calmGood []string
	for i := 0; i < 24; i++ {
		calmGood = append(calmGood, r.send(v1, 10, false)...)
		tick()
	}
	if r.pageActive() {
		t.Fatal("page active on clean traffic")
	}

	// Deploy v2, whose /pay fails, until the page fires.
	deadline := time.Now().Add(60 * time.Second)
	for !r.pageActive() {
		if time.Now().After(deadline) {
			t.Fatal("no page within 60 s of the failing deployment")
		}
		r.send(v2, 10, true)
		tick()
	}
	var inc incidentJSON
	harness.Eventually(t, 3*incidentEmit, "the incident within one emit of the page", func() error {
		if n := len(r.logEvents()["slo.incident.opened"]); n != 1 {
			return fmt.Errorf("%d slo.incident.opened records at the logs exporter", n)
		}
		list, err := r.incidents()
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].Status != "open" {
			return fmt.Errorf("/incidents lists %+v", list)
		}
		inc = list[0]
		return nil
	})
	checkOpened(t, inc, r.logEvents()["slo.incident.opened"][0])

	if restart {
		if err := r.col.Stop(syscall.SIGTERM, 20*time.Second); err != nil {
			t.Fatalf("graceful stop: %v", err)
		}
		r.start()
		harness.Eventually(t, 10*time.Second, "the open incident back on /incidents after the restart", func() error {
			list, err := r.incidents()
			if err != nil {
				return err
			}
			if len(list) != 1 || list[0].ID != inc.ID || list[0].Status != "open" {
				return fmt.Errorf("/incidents lists %+v, want %s open", list, inc.ID)
			}
			return nil
		})
	}

	// Still burning: the sampler boosts checkout, so every good request now reaches Jaeger.
	harness.Eventually(t, 10*time.Second, "checkout boosted", func() error {
		r.send(v2, 10, true)
		if b := r.boosted(); b != 1 {
			return fmt.Errorf("boosted gauge %v", b)
		}
		return nil
	})
	var burningGood []string
	for i := 0; i < 8; i++ {
		burningGood = append(burningGood, r.send(v2, 10, true)...)
		tick()
	}

	// Recovery: v2 is fixed (a config flag, not a deploy); the page clears.
	deadline = time.Now().Add(90 * time.Second)
	for len(r.logEvents()["slo.incident.resolved"]) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no slo.incident.resolved within 90 s of the recovery")
		}
		r.send(v2, 10, false)
		tick()
	}
	if r.pageActive() {
		t.Error("incident resolved while the page is active")
	}
	events := r.logEvents()
	if n := len(events["slo.incident.opened"]); n != 1 {
		t.Errorf("%d slo.incident.opened records, want 1 (a restart must not open a second)", n)
	}
	resolved := events["slo.incident.resolved"]
	if id, _ := resolved[0].Attributes().Get("incident.id"); len(resolved) != 1 || id.Str() != inc.ID {
		t.Errorf("resolved records %d, id %v, want one for %s", len(resolved), id.AsString(), inc.ID)
	}

	var detail incidentJSON
	if err := getJSON(r.pillarsURL("/incidents/"+inc.ID+"?format=json"), &detail); err != nil {
		t.Fatal(err)
	}
	if detail.Status != "resolved" || !detail.Resolved.After(detail.Start) || detail.Consumed <= 0 || detail.BadEvents <= 0 {
		t.Errorf("resolved incident: %+v", detail)
	}
	checkDraft(t, r.env[harness.EnvDataDir], detail)
	checkHTML(t, r.pillarsURL("/incidents"), inc.ID)
	checkHTML(t, r.pillarsURL("/incidents/"+inc.ID), "/pay")

	// Every exemplar is a bad request whose whole trace (root and child) is in Jaeger.
	harness.Eventually(t, 15*time.Second, "exemplar traces complete in Jaeger", func() error {
		for _, id := range detail.Exemplars {
			if !r.traceIDs[id] {
				return fmt.Errorf("exemplar %s is not a bad request sent", id)
			}
			td, ok, err := r.jaeger.Trace(id)
			if err != nil || !ok || td.SpanCount() != 2 {
				return fmt.Errorf("exemplar %s in Jaeger: found %v, %d spans of 2, %v", id, ok, td.SpanCount(), err)
			}
		}
		return nil
	})
	if len(detail.Exemplars) == 0 {
		t.Error("no exemplar traces")
	}

	// After the cooldown checkout is back at its ratio.
	harness.Eventually(t, cooldown+15*time.Second, "boost over after the cooldown", func() error {
		if b := r.boosted(); b != 0 {
			return fmt.Errorf("boosted gauge %v", b)
		}
		return nil
	})
	var afterGood []string
	for i := 0; i < 30; i++ {
		afterGood = append(afterGood, r.send(v2, 10, false)...)
		tick()
	}

	// Sampled shares of good requests, from Jaeger: 10 % while calm and after, 100 % boosted.
	harness.Eventually(t, 20*time.Second, "sampled shares in Jaeger", func() error {
		if n := r.found(burningGood); n != len(burningGood) {
			return fmt.Errorf("boosted: %d of %d good traces in Jaeger", n, len(burningGood))
		}
		for name, ids := range map[string][]string{"calm": calmGood, "after cooldown": afterGood} {
			n, want := float64(r.found(ids)), 0.1*float64(len(ids))
			if math.Abs(n-want) > 4*math.Sqrt(want*0.9) {
				return fmt.Errorf("%s: %v of %d good traces in Jaeger, want about %v", name, n, len(ids), want)
			}
		}
		return nil
	})

	// The estimate behind the sampler equals the truth on bad events and is within 3σ on good.
	harness.Eventually(t, 20*time.Second, "the sampled estimate within 3σ of the truth", func() error {
		fam := r.scrape(r.col.MetricsURL())
		get := func(conn, outcome string) float64 {
			v, _ := sloValue(fam, "slo_events_total", map[string]string{"slo_name": "availability", "slo_connector": conn, "slo_outcome": outcome})
			return v
		}
		if g, b := get("slo", "good"), get("slo", "bad"); g != r.good || b != r.bad {
			return fmt.Errorf("truth: connector counted %v good, %v bad; sent %v, %v", g, b, r.good, r.bad)
		}
		sigma := math.Sqrt(r.good * 0.9 / 0.1)
		g, b := get("slo/sampled", "good"), get("slo/sampled", "bad")
		if b != r.bad || math.Abs(g-r.good) > 3*sigma {
			return fmt.Errorf("estimate behind the sampler: %v good (truth %v, 3σ %.0f), %v bad (truth %v)", g, r.good, 3*sigma, b, r.bad)
		}
		t.Logf("estimate behind the sampler: %v good of %v (3σ %.0f), %v bad of %v", g, r.good, 3*sigma, b, r.bad)
		return nil
	})
}

func checkOpened(t *testing.T, inc incidentJSON, lr plog.LogRecord) {
	t.Helper()
	if id, _ := lr.Attributes().Get("incident.id"); id.Str() != inc.ID {
		t.Errorf("log record incident.id %q, /incidents %q", id.Str(), inc.ID)
	}
	if name, _ := lr.Attributes().Get("event.name"); name.Str() != "slo.incident.opened" {
		t.Errorf("event.name attribute %q", name.Str())
	}
	if inc.SLO != "availability" || inc.Service != "checkout" || inc.PeakBurn < 14.4 {
		t.Errorf("incident %+v", inc)
	}
	var v2 bool
	for _, d := range inc.Deployments {
		v2 = v2 || d.Version == "2.0.0"
	}
	if !v2 || len(inc.Deployments) != 1 {
		t.Errorf("deployments %+v, want the v2 deployment alone", inc.Deployments)
	}
	if len(inc.Factors) == 0 || inc.Factors[0].Attribute != "http.route" || inc.Factors[0].Value != "/pay" {
		t.Errorf("contributing factors %+v, want http.route=/pay first", inc.Factors)
	}
	for _, f := range inc.Factors {
		if f.Attribute == "http.route" && f.Value == "/browse" {
			t.Errorf("the healthy route is listed as a factor: %+v", f)
		}
	}
}

// checkDraft reads the postmortem draft written to incidents_dir and checks each section holds
// the incident's own data.
func checkDraft(t *testing.T, dataDir string, inc incidentJSON) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dataDir, "incidents", "*"+inc.ID+".md"))
	if len(files) != 1 {
		t.Fatalf("draft files for %s: %v", inc.ID, files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	draft := string(b)
	for _, want := range []string{
		"## Summary", "## Impact", "## Detection", "## Trigger", "## Timeline", "## Contributing factors", "## Exemplar traces", "## Action items",
		"resolved, awaiting review", "version `2.0.0`", "SLOErrorBudgetBurn", "page clears", "| `http.route` | `/pay` |", inc.Exemplars[0],
	} {
		if !strings.Contains(draft, want) {
			t.Errorf("draft lacks %q:\n%s", want, draft)
		}
	}
	if draft != inc.Postmortem {
		t.Errorf("the draft on disk differs from /incidents/%s's", inc.ID)
	}
}

func checkHTML(t *testing.T, url, want string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), want) {
		t.Errorf("GET %s: %s %s, body lacks %q", url, resp.Status, resp.Header.Get("Content-Type"), want)
	}
}

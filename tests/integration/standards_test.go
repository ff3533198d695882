//go:build integration

package integration

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

type standardsCard struct {
	Services []struct {
		Identity map[string]string `json:"identity"`
		Findings []struct {
			Check    string   `json:"check"`
			Status   string   `json:"status"`
			Value    *float64 `json:"value"`
			Evidence string   `json:"evidence"`
		} `json:"standards_findings"`
		Dora struct {
			Deployments int      `json:"deployments"`
			Rework      int      `json:"rework_deployments"`
			ReworkRate  *float64 `json:"rework_rate"`
		} `json:"dora"`
	} `json:"services"`
	Frameworks map[string]struct {
		Coverage struct {
			Controls      int `json:"controls"`
			Measured      int `json:"measured"`
			NotMeasurable int `json:"not_measurable"`
		} `json:"coverage"`
		Controls []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"controls"`
	} `json:"frameworks"`
	PagerLoad []struct {
		Rotation    string `json:"rotation"`
		Pages       int    `json:"pages"`
		MaxPerShift int    `json:"max_pages_per_shift"`
	} `json:"pager_load"`
}

func (c standardsCard) finding(service, check string) (status string, value float64, evidence string) {
	for _, s := range c.Services {
		if s.Identity["service.name"] == service {
			for _, f := range s.Findings {
				if f.Check == check {
					return f.Status, deref(f.Value), f.Evidence
				}
			}
		}
	}
	return "absent", math.NaN(), ""
}

func (c standardsCard) control(framework, id string) string {
	for _, ctl := range c.Frameworks[framework].Controls {
		if ctl.ID == id {
			return ctl.Status
		}
	}
	return "absent"
}

// pod is one instance of checkout with the Go SDK's three signals: spans, log records inside
// them (collected a moment later, as a log agent does, so event and observed time come from
// two clocks) and process.cpu.time as delta sums.
type pod struct {
	tp     *sdktrace.TracerProvider
	lp     *sdklog.LoggerProvider
	mp     *sdkmetric.MeterProvider
	cpu    metric.Float64Counter
	logger otellog.Logger
}

func startPod(t *testing.T, endpoint string, res ...attribute.KeyValue) *pod {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	le, err := otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(endpoint), otlploggrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	me, err := otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpoint(endpoint), otlpmetricgrpc.WithInsecure(),
		otlpmetricgrpc.WithTemporalitySelector(func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }))
	if err != nil {
		t.Fatal(err)
	}
	r := resource.NewSchemaless(res...)
	p := &pod{tp: harness.TracerProvider(t, endpoint, res...),
		lp: sdklog.NewLoggerProvider(sdklog.WithResource(r), sdklog.WithProcessor(sdklog.NewSimpleProcessor(le))),
		mp: sdkmetric.NewMeterProvider(sdkmetric.WithResource(r), sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me, sdkmetric.WithInterval(time.Hour))))}
	p.logger = p.lp.Logger("checkout")
	if p.cpu, err = p.mp.Meter("runtime").Float64Counter("process.cpu.time", metric.WithUnit("s")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.lp.Shutdown(ctx)
		_ = p.mp.Shutdown(ctx)
	})
	return p
}

// flush pushes out what the pod has: spans, then metrics (log records go synchronously).
func (p *pod) flush(t *testing.T) {
	harness.Flush(t, p.tp)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.mp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
}

func deploySpan(t *testing.T, tp *sdktrace.TracerProvider, revision, change string) {
	_, s := tp.Tracer("ci").Start(context.Background(), "deploy checkout", trace.WithAttributes(
		attribute.String("cicd.pipeline.name", "release"), attribute.String("cicd.pipeline.task.type", "deploy"),
		attribute.String("vcs.ref.head.revision", revision), attribute.String("vcs.change.id", change)))
	s.End()
	harness.Flush(t, tp)
}

// The standards views through the built collector, from the Go SDK: checkout (team payments)
// sends spans, logs and CPU time from two pods in two zones and is deployed with a revision and
// a change ID; ledger sends spans only. A bad deployment of checkout pages; a hotfix shipped
// while the incident is open is rework; the page resolves and the recovery holds.
func TestStandardsFromTelemetry(t *testing.T) {
	bins := harness.Bins(t)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-standards", nil, harness.WriteConfig(t, "standards.yaml", standardsTestConfig, nil))
	base := "http://" + col.Env[harness.EnvPillars]
	checkout := func(pd, zone, version string) []attribute.KeyValue {
		return []attribute.KeyValue{attribute.String("service.name", "checkout"), attribute.String("service.version", version),
			attribute.String("deployment.environment.name", "production"), attribute.String("k8s.pod.name", pd), attribute.String("cloud.availability_zone", zone)}
	}
	pods := []*pod{startPod(t, col.OTLPGRPC(), checkout("checkout-a", "eu-west-1a", "1.0.0")...), startPod(t, col.OTLPGRPC(), checkout("checkout-b", "eu-west-1b", "1.0.0")...)}
	hotfix := []*pod{startPod(t, col.OTLPGRPC(), checkout("checkout-a", "eu-west-1a", "1.0.1")...), startPod(t, col.OTLPGRPC(), checkout("checkout-b", "eu-west-1b", "1.0.1")...)}
	ledger := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "ledger"), attribute.String("service.version", "3.2.0"),
		attribute.String("deployment.environment.name", "production"))
	requests, cpuSeconds := 0, 0.0
	ctx := context.Background()
	send := func(ps []*pod, n int, fail bool) {
		for i := 0; i < n; i++ {
			p := ps[i%2]
			rctx, span := p.tp.Tracer("checkout").Start(ctx, "POST /pay", trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.route", "/pay")))
			_, call := p.tp.Tracer("checkout").Start(rctx, "GET", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attribute.String("server.address", "ledger")))
			call.End()
			var rec otellog.Record
			rec.SetTimestamp(time.Now().Add(-300 * time.Millisecond))
			rec.SetObservedTimestamp(time.Now())
			rec.SetBody(attribute.StringValue("payment processed"))
			p.logger.Emit(rctx, rec)
			if fail {
				span.SetStatus(codes.Error, "card processor down")
			}
			span.End()
			p.cpu.Add(ctx, 0.05, metric.WithAttributes(attribute.String("cpu.mode", "user")))
			requests++
			cpuSeconds += 0.05
		}
		for _, p := range ps {
			p.flush(t)
		}
		for i := 0; i < n/4; i++ {
			_, s := ledger.Tracer("ledger").Start(ctx, "POST /entries", trace.WithSpanKind(trace.SpanKindServer))
			s.End()
		}
		harness.Flush(t, ledger)
	}

	deploySpan(t, pods[0].tp, "4be1c0d", "PR-812")
	for range 12 { // 6 s of clean traffic
		send(pods, 20, false)
		time.Sleep(500 * time.Millisecond)
	}
	pageOpen := func() (bool, error) {
		var body struct {
			Incidents []struct {
				Service  string    `json:"service"`
				Resolved time.Time `json:"resolved"`
			} `json:"incidents"`
		}
		err := getJSON(base+"/incidents.json", &body)
		return len(body.Incidents) == 1 && body.Incidents[0].Resolved.IsZero(), err
	}
	deadline := time.Now().Add(60 * time.Second)
	for open, _ := pageOpen(); !open; open, _ = pageOpen() {
		if time.Now().After(deadline) {
			t.Fatal("no page within 60 s of checkout failing")
		}
		send(pods, 20, true)
		time.Sleep(500 * time.Millisecond)
	}
	deploySpan(t, hotfix[0].tp, "9a7f3e2", "PR-815") // the hotfix, shipped while the incident is open
	deadline = time.Now().Add(90 * time.Second)
	for open, _ := pageOpen(); open; open, _ = pageOpen() {
		if time.Now().After(deadline) {
			t.Fatal("the page did not resolve within 90 s of the hotfix")
		}
		send(hotfix, 20, false)
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("%d checkout requests, %.2f CPU-seconds", requests, cpuSeconds)

	var card standardsCard
	harness.Eventually(t, 30*time.Second, "the standards findings as the telemetry says", func() error {
		if err := getJSON(base+"/scorecard.json", &card); err != nil {
			return err
		}
		for _, w := range []struct{ service, check, status string }{
			{"checkout", "standards.log_coverage", "pass"}, {"checkout", "standards.log_correlation", "pass"},
			{"checkout", "standards.redundancy", "pass"}, {"checkout", "standards.change_traceability", "pass"},
			{"checkout", "standards.clock_skew", "pass"}, {"checkout", "standards.data_flows", "pass"},
			{"checkout", "standards.recovery_confirmed", "pass"}, {"checkout", "standards.incident_evidence", "pass"},
			{"ledger", "standards.log_coverage", "fail"}, {"ledger", "standards.redundancy", "not_applicable"},
		} {
			if got, _, ev := card.finding(w.service, w.check); got != w.status {
				return fmt.Errorf("%s %s: %s (%s), want %s", w.service, w.check, got, ev, w.status)
			}
		}
		if _, _, ev := card.finding("checkout", "finops.unit_cost"); !strings.Contains(ev, fmt.Sprintf("%d requests", requests)) {
			return fmt.Errorf("unit cost %q: not every request counted yet", ev)
		}
		return nil
	})
	_, perK, ev := card.finding("checkout", "finops.unit_cost")
	if want := 1000 * (cpuSeconds / 3600 * 0.036) / float64(requests); math.Abs(perK-want) > 1e-9*want {
		t.Errorf("cost per 1000 requests %v (%s), recomputed from the CPU seconds sent %v", perK, ev, want)
	}
	if _, v, ev := card.finding("checkout", "standards.redundancy"); v != 2 {
		t.Errorf("redundancy %v %s", v, ev)
	}
	if st, _, ev := card.finding("checkout", "dora.rework_rate"); !strings.Contains(ev, "1 rework deployments") {
		t.Errorf("rework %s %s: the hotfix during the incident is rework", st, ev)
	}
	found := false
	for _, r := range card.PagerLoad {
		if r.Rotation == "payments" {
			found = r.Pages == 1 && r.MaxPerShift == 1
			t.Logf("pager load %+v", r)
		}
	}
	if !found {
		t.Errorf("no pager load of 1 page for the payments rotation: %+v", card.PagerLoad)
	}
	for fw, want := range map[string]map[string]string{
		"nist_csf_2":     {"PR.PS-04": "fail", "PR.IR-03": "pass", "DE.AE-03": "pass", "ID.RA-07": "pass", "GV.OC-01": "not_measurable"},
		"iso_27001_2022": {"8.15": "fail", "8.14": "pass", "8.17": "pass", "8.13": "not_measurable"},
	} {
		for id, status := range want {
			if got := card.control(fw, id); got != status {
				t.Errorf("%s %s: %s, want %s", fw, id, got, status)
			}
		}
	}
	if c := card.Frameworks["nist_csf_2"].Coverage; c.Controls != 106 || c.Measured != 22 || c.NotMeasurable != 84 {
		t.Errorf("NIST coverage %+v", c)
	}

	resp, err := http.Get(base + "/standards/iso_27001_2022.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	resp.Body.Close()
	if err != nil || len(rows) != 94 {
		t.Errorf("ISO CSV: %v, %d rows", err, len(rows))
	}

	prom := harness.StartPrometheus(t, bins.Prometheus, harness.PrometheusOptions{ScrapeTargets: []string{col.Env[harness.EnvPillars]}})
	harness.Eventually(t, 30*time.Second, "the control status in Prometheus", func() error {
		res, err := prom.Query(`compliance_control_status{framework="nist_csf_2",control="PR.PS-04",status="fail"}`)
		if err != nil || len(res) != 1 || res[0].Value != 1 {
			return fmt.Errorf("%v %v", res, err)
		}
		return nil
	})
	checkPageInChromium(t, base+"/standards", "standards", "NIST Cybersecurity Framework 2.0", "ISO/IEC 27001:2022 Annex A", `data-rotation="payments"`,
		`data-not-measurable="84"`, "Cost budgets (estimates, never billed cost)")
	checkPageInChromium(t, base+"/standards/nist_csf_2", "standards-nist", `data-control="PR.PS-04"`, `class="status">fail`,
		"not measurable from telemetry", "ledger/production")
}

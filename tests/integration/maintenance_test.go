//go:build integration

package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// downtime is the planned-downtime story of one checkout service.
type downtime struct {
	t   *testing.T
	col *harness.Collector
	tp  *sdktrace.TracerProvider
}

// send emits n requests, each a SERVER span with an INTERNAL child, all failed when failing.
func (d *downtime) send(n int, failing bool) {
	tracer := d.tp.Tracer("checkout")
	for i := 0; i < n; i++ {
		ctx, server := tracer.Start(context.Background(), "POST /pay", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.route", "/pay")))
		_, child := tracer.Start(ctx, "charge-card", trace.WithSpanKind(trace.SpanKindInternal))
		if failing {
			child.SetStatus(codes.Error, "PaymentGatewayError")
			server.SetStatus(codes.Error, "")
		}
		child.End()
		server.SetAttributes(attribute.Int("http.response.status_code", map[bool]int{true: 503, false: 200}[failing]))
		server.End()
	}
	harness.Flush(d.t, d.tp)
}

// until sends 40 requests a second until the deadline, running check after each second, and
// returns how many it sent. Every span ends before the deadline.
func (d *downtime) until(deadline time.Time, failing bool, check func()) int {
	sent := 0
	for time.Until(deadline) > 300*time.Millisecond {
		for range 4 {
			if time.Until(deadline) <= 300*time.Millisecond {
				break
			}
			d.send(10, failing)
			sent += 10
			time.Sleep(250 * time.Millisecond)
		}
		if check != nil {
			check()
		}
	}
	return sent
}

func (d *downtime) metric(name, slo string, extra ...string) (float64, bool) {
	labels := map[string]string{"slo_name": slo, "service_name": "checkout"}
	for i := 0; i+1 < len(extra); i += 2 {
		labels[extra[i]] = extra[i+1]
	}
	return sloValue(scrapeOrFail(d.t, d.col.MetricsURL()), name, labels)
}

func (d *downtime) paging(slo string) bool {
	v, ok := d.metric("slo_alert_active", slo, "slo_alert_severity", "page")
	return ok && v == 1
}

func (d *downtime) incidentsOf(console, slo string) []rolloutIncident {
	var body struct {
		Incidents []rolloutIncident `json:"incidents"`
	}
	if err := getJSON(console+"/incidents.json", &body); err != nil {
		d.t.Fatal(err)
	}
	var out []rolloutIncident
	for _, inc := range body.Incidents {
		if inc.SLO == slo {
			out = append(out, inc)
		}
	}
	return out
}

// A total outage inside a planned window, through the built binary and the Go SDK: the budget
// stays whole, nothing pages and no incident opens, and every excluded event is counted; the
// same outage pages as fast as an SLO without the window once the window ends. The unplanned
// part is then corrected by a window added across a restart, which gives the budget back and
// is recorded on the SLO's page.
func TestMaintenanceWindowAndCorrectionThroughTheBinary(t *testing.T) {
	bins := harness.Bins(t)
	cfg, _ := filepath.Abs("testdata/maintenance.yaml")
	windowStart := time.Now().Add(20 * time.Second).Truncate(time.Second)
	windowEnd := windowStart.Add(30 * time.Second)
	env := harness.CollectorEnv(t)
	env["MAINTENANCE_START"] = windowStart.UTC().Format(time.RFC3339)
	env["CORRECTION_START"], env["CORRECTION_DURATION"] = "2020-01-01T00:00:00Z", "1m" // before any stored event
	d := &downtime{t: t, col: harness.StartCollector(t, bins.Collector, "otelcol-sre-maintenance", env, cfg)}
	console := "http://" + env[harness.EnvPillars]
	d.tp = harness.TracerProvider(t, d.col.OTLPGRPC(), attribute.String("service.name", "checkout"))

	d.until(windowStart, false, nil) // warm-up
	time.Sleep(time.Until(windowStart.Add(500 * time.Millisecond)))
	controlPaged := time.Time{}
	inside := d.until(windowEnd, true, func() {
		if budget, _ := d.metric("slo_error_budget_remaining", "availability"); budget != 1 {
			t.Errorf("inside the window the budget is %v, want 1", budget)
		}
		if d.paging("availability") {
			t.Error("the SLO paged inside its maintenance window")
		}
		if active, _ := d.metric("slo_maintenance_active", "availability"); active != 1 {
			t.Errorf("slo_maintenance_active = %v inside the window", active)
		}
		if controlPaged.IsZero() && d.paging("control") {
			controlPaged = time.Now()
		}
	})
	if controlPaged.IsZero() {
		t.Fatal("the control SLO never paged on the outage")
	}
	controlTook := controlPaged.Sub(windowStart)
	harness.Eventually(t, 10*time.Second, "excluded events", func() error {
		if v, _ := d.metric("slo_events_excluded_total", "availability", "reason", "db-upgrade"); v != float64(inside) {
			return fmt.Errorf("slo_events_excluded_total = %v, want the %d events sent inside the window", v, inside)
		}
		return nil
	})
	if n := len(d.incidentsOf(console, "availability")); n != 0 {
		t.Fatalf("%d incidents opened inside the window", n)
	}

	time.Sleep(time.Until(windowEnd.Add(500 * time.Millisecond)))
	outageFrom := time.Now()
	var paged time.Time
	unplanned := d.until(outageFrom.Add(controlTook+15*time.Second), true, func() {
		if paged.IsZero() && d.paging("availability") {
			paged = time.Now()
		}
	})
	if paged.IsZero() {
		t.Fatalf("no page within %v of the outage after the window (the control paged in %v)", controlTook+15*time.Second, controlTook)
	}
	if took := paged.Sub(outageFrom); took > controlTook+2*time.Second {
		t.Errorf("after the window the outage paged in %v; without a window it paged in %v", took, controlTook)
	}
	if incs := d.incidentsOf(console, "availability"); len(incs) != 1 || incs[0].Start.Before(windowEnd) {
		t.Errorf("incidents %+v: want one, opened after the window", incs)
	}
	outageTo := time.Now()
	harness.Eventually(t, 10*time.Second, "the unplanned outage counted", func() error {
		if v, _ := d.metric("slo_events_total", "availability", "slo_outcome", "bad"); v != float64(unplanned) {
			return fmt.Errorf("bad events %v, want %d", v, unplanned)
		}
		return nil
	})
	burned, _ := d.metric("slo_error_budget_remaining", "availability")
	if burned >= 0 {
		t.Fatalf("the unplanned outage left budget %v", burned)
	}
	if err := d.col.Stop(syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatal(err)
	}

	env["CORRECTION_START"] = outageFrom.Add(-200 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	env["CORRECTION_DURATION"] = (outageTo.Sub(outageFrom) + time.Second).Round(time.Second).String()
	d.col = harness.StartCollector(t, bins.Collector, "otelcol-sre-maintenance-restarted", env, cfg)
	harness.Eventually(t, 15*time.Second, "the correction's budget", func() error {
		if v, _ := d.metric("slo_error_budget_remaining", "availability"); v != 1 {
			return fmt.Errorf("budget after the correction %v, want 1 (it was %v)", v, burned)
		}
		if v, _ := d.metric("slo_events_excluded_total", "availability", "reason", "db-upgrade"); v != float64(inside) {
			return fmt.Errorf("after the restart slo_events_excluded_total = %v, want the %d of the window", v, inside)
		}
		return nil
	})
	var list []consoleRow
	var detail struct {
		Corrections []struct {
			Reason string  `json:"reason"`
			Bad    float64 `json:"bad_events_taken_back"`
		} `json:"corrections"`
		Annotations []struct {
			Kind string `json:"kind"`
		} `json:"annotations"`
	}
	harness.Eventually(t, 15*time.Second, "the correction on the console", func() error {
		var body struct {
			Series []consoleRow `json:"series"`
		}
		if err := getJSON(console+"/slos.json?slo=availability", &body); err != nil || len(body.Series) != 1 {
			return fmt.Errorf("list: %v %+v", err, body)
		}
		list = body.Series
		if err := getJSON(console+list[0].URL+".json?range=period", &detail); err != nil {
			return err
		}
		if len(detail.Corrections) != 1 || detail.Corrections[0].Reason != "payment-provider" || detail.Corrections[0].Bad != float64(unplanned) {
			return fmt.Errorf("corrections %+v, want one taking back the %d unplanned bad events", detail.Corrections, unplanned)
		}
		return nil
	})
	bands := 0
	for _, a := range detail.Annotations {
		if a.Kind == "maintenance" {
			bands++
		}
	}
	if bands != 2 {
		t.Errorf("%d maintenance bands on the charts, want the planned window and the correction", bands)
	}
	checkPageInChromium(t, console+list[0].URL+"?range=1h", "console-maintenance", `id="corrections"`, "payment-provider", `class="mark maintenance"`, "db-upgrade")
}

package pillarsexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-sre/otelcol-sre/internal/label"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// clientBudget is slo.error_budget.remaining as any OTLP client can send it: no connector scope.
func clientBudget(service string, remaining float64, at time.Time) pmetric.Metrics {
	md := budgetOf(service, remaining, at)
	md.ResourceMetrics().At(0).ScopeMetrics().At(0).Scope().SetName("io.opentelemetry.sdk")
	return md
}

func serve(t *testing.T, p *pillars, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	p.routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestClientSLOMetricsChangeNothing(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
	ctx := context.Background()
	_ = p.consumeTraces(ctx, spansOf("checkout", "prod"))
	_ = p.consumeMetrics(ctx, budgetOf("checkout", 0.8, now))    // the connector's
	_ = p.consumeMetrics(ctx, clientBudget("checkout", -5, now)) // a client's, same series
	_ = p.consumeMetrics(ctx, clientBudget("phantom", 0.1, now)) // a client's, a service of its own
	p.evaluate()
	card := p.latest.Load()
	if len(card.Services) != 1 || card.Services[0].ErrorBudgets["availability"] != 0.8 {
		t.Fatalf("services %+v", card.Services)
	}
	if card.Limits.RefusedSLOPoints != 2 {
		t.Errorf("refused slo points %d, want 2", card.Limits.RefusedSLOPoints)
	}
}

// With a board, SLO state comes from the board only: even a point in the connector's scope
// is refused, since a client can name any scope.
func TestWithABoardSLOStateComesFromTheBoard(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
	p.board = srestate.NewBoard(srestate.Limits{})
	p.board.PublishSeries("slo", []srestate.SeriesState{{
		SLO: "availability", Service: "checkout", Identity: [][2]string{{"service.name", "checkout"}},
		BudgetRemaining: 0.25, Updated: now, Objective: 0.999, Good1h: 990, Bad1h: 10, GoodPeriod: 9990, BadPeriod: 10,
		HasAlerts: true, Page: true,
	}})
	ctx := context.Background()
	_ = p.consumeTraces(ctx, spansOf("checkout", "prod"))
	_ = p.consumeMetrics(ctx, budgetOf("checkout", 1, now)) // a forged connector scope
	p.evaluate()
	card := p.latest.Load()
	if len(card.Services) != 1 {
		t.Fatalf("services %+v", card.Services)
	}
	if got := card.Services[0].ErrorBudgets["availability"]; got != 0.25 {
		t.Errorf("budget %v, want the board's 0.25", got)
	}
	if card.Limits.RefusedSLOPoints != 1 {
		t.Errorf("refused %d, want 1", card.Limits.RefusedSLOPoints)
	}
}

func TestLongServiceNamesAreBoundedAndDistinct(t *testing.T) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	prefix := strings.Repeat("n", 1<<20)
	_ = p.consumeTraces(context.Background(), spansOf(prefix+"1", "prod"))
	_ = p.consumeTraces(context.Background(), spansOf(prefix+"2", "prod"))
	p.evaluate()
	card := p.latest.Load()
	if len(card.Services) != 2 {
		t.Fatalf("%d services, want 2", len(card.Services))
	}
	for _, s := range card.Services {
		if n := len(s.Identity["service.name"]); n > label.DefaultMaxLength {
			t.Errorf("service.name of %d bytes", n)
		}
	}
	if card.Limits.TruncatedLabels == 0 {
		t.Error("truncations not counted")
	}
	if body := serve(t, p, "/metrics").Body.Len(); body > 2*64<<10 { // about 52 KiB a service at the bound
		t.Errorf("/metrics is %d bytes for two services", body)
	}
}

// However many services there are, a response holds at most page_size (JSON and HTML) or
// max_metric_services (/metrics) of them, worst first, and says what it left out.
func TestOutputsAreBoundedWorstFirst(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.PageSize, cfg.MaxMetricServices = 10, 5
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
	for i := range 40 {
		_ = p.consumeTraces(context.Background(), spansOf(fmt.Sprintf("svc-%02d", i), "prod"))
	}
	p.evaluate()

	var card Scorecard
	rec := serve(t, p, "/scorecard.json")
	if err := json.Unmarshal(rec.Body.Bytes(), &card); err != nil {
		t.Fatal(err)
	}
	if len(card.Services) != 10 || card.Page == nil || card.Page.Total != 40 || card.Page.Omitted != 30 || card.Page.Next != "/scorecard.json?offset=10" {
		t.Fatalf("%d services, page %+v", len(card.Services), card.Page)
	}
	var last Scorecard
	if err := json.Unmarshal(serve(t, p, "/scorecard.json?offset=35").Body.Bytes(), &last); err != nil {
		t.Fatal(err)
	}
	if len(last.Services) != 5 || last.Page.Next != "" {
		t.Errorf("last page: %d services, %+v", len(last.Services), last.Page)
	}
	var one Scorecard
	if err := json.Unmarshal(serve(t, p, "/scorecard.json?service=svc-07").Body.Bytes(), &one); err != nil {
		t.Fatal(err)
	}
	if len(one.Services) != 1 || one.Services[0].Identity["service.name"] != "svc-07" {
		t.Errorf("?service=: %+v", one.Services)
	}
	html := serve(t, p, "/scorecard").Body.String()
	if n := strings.Count(html, "<h2>Service "); n != 10 || !strings.Contains(html, `data-page-total="40"`) {
		t.Errorf("page shows %d services", n)
	}
	metrics := serve(t, p, "/metrics").Body.String()
	if !strings.Contains(metrics, "wellarchitected_services_omitted 35") {
		t.Error("/metrics does not say 35 services were left out")
	}
	services := map[string]bool{}
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "sre_maturity_level{") {
			services[line] = true
		}
	}
	if len(services) != 5 {
		t.Errorf("%d services with series on /metrics, want 5", len(services))
	}
	if !strings.Contains(metrics, `wellarchitected_pillar_services{framework="aws"`) {
		t.Error("no aggregate over every service")
	}
}

func TestRankWorstFirst(t *testing.T) {
	s := func(name string, scores ...float64) ServiceResult {
		r := ServiceResult{Identity: map[string]string{"service.name": name}}
		for _, v := range scores {
			r.Frameworks = append(r.Frameworks, FrameworkResult{Score: ptr(v)})
		}
		return r
	}
	services := []ServiceResult{s("unscored"), s("good", 95, 99), s("bad", 99, 40), s("mid", 70)}
	rankWorstFirst(services)
	var got []string
	for _, r := range services {
		got = append(got, r.Identity["service.name"])
	}
	if strings.Join(got, ",") != "bad,mid,good,unscored" {
		t.Errorf("order %v", got)
	}
}

func TestAnUnencodableResponseIsA500(t *testing.T) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	p.latest.Store(&Scorecard{Thresholds: map[string]any{"pass": math.NaN()}})
	rec := serve(t, p, "/scorecard.json")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "{") {
		t.Errorf("status %d, body %q", rec.Code, rec.Body)
	}
}

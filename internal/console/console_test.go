package console

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func series(slo, service string, budget float64, page bool) srestate.SeriesState {
	return srestate.SeriesState{SLO: slo, Service: service, Identity: [][2]string{{"service.name", service}}, Page: page,
		BudgetRemaining: budget, Objective: 0.999, Kind: "ratio", Window: "30d", GoodPeriod: 990, BadPeriod: 10,
		BurnRates:   map[string]float64{"5m": 20, "1h": 15, "3d": 2},
		PeriodStart: now.Add(-30 * 24 * time.Hour), PeriodLength: 30 * 24 * time.Hour, Updated: now,
		Tiers: []srestate.TierState{
			{Severity: "page", Short: "5m", Long: "1h", Factor: 14.4, ShortBurn: 20, LongBurn: 15, ShortOK: true, LongOK: true, Firing: page},
			{Severity: "ticket", Short: "6h", Long: "3d", Factor: 1, LongBurn: 2, LongOK: true},
		}}
}

// source is an SLOSource with a fixed history.
type source struct {
	detail srestate.SLODetail
	asked  []time.Time
}

func (s *source) SLODetail(_ string, since time.Time) (srestate.SLODetail, bool) {
	s.asked = append(s.asked, since)
	return s.detail, true
}

func get(t *testing.T, h http.Handler, path string, into any) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body := rec.Body.String()
	if into != nil && rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), into); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
	}
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(body, bad) {
			t.Errorf("%s holds %s:\n%s", path, bad, body)
		}
	}
	if rec.Header().Get("Content-Security-Policy") != CSP || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s lacks the security headers: %v", path, rec.Header())
	}
	return rec.Code, body
}

func newConsole(b *srestate.Board) http.Handler {
	return New(b, Options{PageSize: 2, Now: func() time.Time { return now }}).Handler()
}

// The list is worst budget first, filters by query parameter, pages, and counts alert states
// over every series, filtered or not.
func TestListSortsFiltersAndPages(t *testing.T) {
	b := srestate.NewBoard(srestate.Limits{})
	b.PublishSeries("slo", []srestate.SeriesState{
		series("availability", "checkout", -0.5, true), series("availability", "cart", 0.9, false),
		series("latency", "checkout", 0.2, false), series("latency", "cart", 0.9, false),
	})
	h := newConsole(b)
	var l List
	get(t, h, "/slos.json", &l)
	if l.Page.Total != 4 || len(l.Series) != 2 || l.Page.Omitted != 2 || l.Page.Next != "/slos?offset=2" || l.Page.Prev != "" {
		t.Fatalf("page %+v, %d rows", l.Page, len(l.Series))
	}
	if l.Series[0].SLO != "availability" || l.Series[0].Service != "checkout" || l.Series[1].SLO != "latency" || l.Series[1].Service != "checkout" {
		t.Errorf("not worst budget first: %+v", l.Series)
	}
	if l.Alerts["page"] != 1 || l.Alerts["none"] != 3 {
		t.Errorf("alert counts %v", l.Alerts)
	}
	r := l.Series[0]
	if r.Alert != "page" || r.ShortBurn == nil || r.ShortBurn.Window != "5m" || *r.ShortBurn.Rate != 20 || r.LongBurn.Window != "3d" || *r.LongBurn.Rate != 2 {
		t.Errorf("row %+v: the shortest and longest alert windows", r)
	}
	if r.SLI == nil || *r.SLI != 0.99 || r.URL != "/slos/"+r.ID || len(r.ID) != 16 {
		t.Errorf("row %+v", r)
	}

	l = List{}
	get(t, h, "/slos.json?offset=2", &l)
	if len(l.Series) != 2 || l.Series[0].Service != "cart" || l.Series[1].Service != "cart" || l.Page.Prev != "/slos?offset=0" || l.Page.Next != "" {
		t.Errorf("second page %+v %+v", l.Page, l.Series)
	}
	l = List{}
	get(t, h, "/slos.json?service=cart&slo=latency", &l)
	if l.Page.Total != 1 || l.Series[0].SLO != "latency" || l.Series[0].Service != "cart" || l.Filters.Service != "cart" {
		t.Errorf("filtered %+v", l)
	}
	l = List{}
	get(t, h, "/slos.json?alert=page", &l)
	if l.Page.Total != 1 || l.Series[0].Alert != "page" {
		t.Errorf("alert=page %+v", l.Series)
	}
	_, body := get(t, h, "/slos?service=cart&offset=0", nil)
	for _, want := range []string{`href="/slos?service=cart&amp;slo=availability"`, `href="/slos.json?service=cart"`, "service=cart.", `data-total="2"`} {
		if !strings.Contains(body, want) {
			t.Errorf("filtered page lacks %q:\n%s", want, body)
		}
	}
	get(t, h, "/slos.json?offset=-5", &l)
	if l.Page.Offset != 0 {
		t.Errorf("negative offset %d", l.Page.Offset)
	}
}

// A service name is text on every page, and no value turns into NaN.
func TestHostileNamesAreEscapedAndEmptyWindowsStayAbsent(t *testing.T) {
	b := srestate.NewBoard(srestate.Limits{})
	s := series("availability", `<script>alert(1)</script>`, math.NaN(), false)
	s.GoodPeriod, s.BadPeriod = 0, 0
	s.BurnRates = map[string]float64{"5m": math.Inf(1)}
	b.PublishSeries("slo", []srestate.SeriesState{s})
	src := &source{detail: srestate.SLODetail{Windows: []string{"5m", "1h"}, Step: time.Minute, Points: []srestate.HistoryPoint{
		{At: now.Add(-2 * time.Minute), Good: 0, Bad: 0, BudgetRemaining: math.NaN(), SLI: math.NaN(), BurnRates: []float64{math.NaN(), math.Inf(1)}},
	}, Exemplars: []srestate.Exemplar{{TraceID: `"><b>x`, At: now}}, TraceURL: "http://jaeger/trace/{trace_id}"}}
	b.SetSource("slo", src)
	h := newConsole(b)
	var l List
	_, page := get(t, h, "/slos", nil)
	get(t, h, "/slos.json", &l)
	if len(l.Series) != 1 || l.Series[0].SLI != nil || l.Series[0].ShortBurn.Rate != nil || l.Series[0].BudgetRemaining != nil {
		t.Fatalf("rows %+v: no events is no SLI, an infinite burn no burn, a NaN budget none", l.Series)
	}
	id := l.Series[0].ID
	_, detail := get(t, h, "/slos/"+id, nil)
	var d Detail
	get(t, h, "/slos/"+id+".json", &d)
	for name, body := range map[string]string{"list": page, "detail": detail} {
		if strings.Contains(body, "<script>") || strings.Contains(body, "<b>x") {
			t.Errorf("%s page carries markup from telemetry", name)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s page lacks the escaped name", name)
		}
	}
	if len(d.History) != 1 || d.History[0].BudgetRemaining != nil || d.History[0].SLI != nil || len(d.History[0].BurnRates) != 0 {
		t.Errorf("history %+v: gauges without a value are absent", d.History)
	}
	if len(d.Exemplars) != 1 || d.Exemplars[0].URL != "http://jaeger/trace/%22%3E%3Cb%3Ex" {
		t.Errorf("exemplar %+v: the trace ID is escaped into the link", d.Exemplars)
	}
}

// The detail page carries the tiles, the alert table, every chart with its annotations, the
// compliance table and the definition; ranges longer than the period are not offered.
func TestDetailDrawsHistoryAlertsAndAnnotations(t *testing.T) {
	b := srestate.NewBoard(srestate.Limits{})
	s := series("availability", "checkout", 0.25, true)
	s.PeriodLength, s.PeriodStart = 3*24*time.Hour, now.Add(-3*24*time.Hour)
	b.PublishSeries("slo", []srestate.SeriesState{s})
	deployAt := now.Add(-40 * time.Minute)
	b.SetDeployments(map[string][]srestate.Deployment{"checkout": {{Service: "checkout", Version: "1.5.0", At: deployAt, Source: "cicd"}}})
	b.PutIncident(srestate.Incident{ID: "inc-1", SLO: "availability", Service: "checkout", Identity: map[string]string{"service.name": "checkout"},
		Start: now.Add(-30 * time.Minute), PeakBurn: 20})
	var points []srestate.HistoryPoint
	for i := range 60 {
		points = append(points, srestate.HistoryPoint{At: now.Add(time.Duration(i-60) * time.Minute), Good: 100, Bad: float64(i % 3),
			BudgetRemaining: 1 - float64(i)/80, SLI: 0.99, BurnRates: []float64{float64(i), 1}})
	}
	src := &source{detail: srestate.SLODetail{Definition: "name: availability\nobjective: 99.9\n", Rules: "groups: []\n",
		Windows: []string{"5m", "1h"}, Step: time.Minute, Points: points, HistoryFrom: points[0].At,
		Deployments: []srestate.Deployment{{Service: "checkout", Version: "1.5.0", At: deployAt.Add(time.Second), Source: "version_change"}},
		Compliance:  []srestate.PeriodCompliance{{Start: now.Add(-60 * 24 * time.Hour), End: now.Add(-30 * 24 * time.Hour), SLI: 0.9995, Met: true, Good: 9995, Bad: 5}}}}
	b.SetSource("slo", src)
	h := newConsole(b)
	var d Detail
	id := srestate.ConsoleID(s.Key())
	get(t, h, "/slos/"+id+".json?range=1h", &d)
	if want := []string{"1h", "12h", "1d", "period"}; fmt.Sprint(d.Ranges) != fmt.Sprint(want) {
		t.Errorf("ranges %v, want %v (1w is longer than the 3d period)", d.Ranges, want)
	}
	if d.Range != "1h" || !d.From.Equal(now.Add(-time.Hour)) || len(src.asked) != 1 || !src.asked[0].Equal(d.From) {
		t.Errorf("range %s from %v, source asked from %v", d.Range, d.From, src.asked)
	}
	if d.BudgetConsumed == nil || *d.BudgetConsumed != 0.75 || len(d.History) != 60 || d.History[59].BurnRates["5m"] != 59 || len(d.Alerts) != 2 || d.Alerts[0].State != "firing" {
		t.Errorf("detail: consumed %v, %d points, alerts %+v", d.BudgetConsumed, len(d.History), d.Alerts)
	}
	if len(d.Annotations) != 2 || d.Annotations[0].Kind != "deployment" || d.Annotations[1].Kind != "incident" || d.Annotations[1].URL != "/incidents/inc-1" {
		t.Errorf("annotations %+v: one deployment (the board's and the connector's are one), one incident", d.Annotations)
	}
	if d.Incident == nil || d.Incident.ID != "inc-1" || len(d.Compliance) != 1 {
		t.Errorf("incident %+v, compliance %+v", d.Incident, d.Compliance)
	}
	code, body := get(t, h, "/slos/"+id+"?range=1h", nil)
	if code != http.StatusOK {
		t.Fatalf("detail page %d", code)
	}
	for _, want := range []string{`id="chart-budget"`, `id="chart-events"`, `id="chart-sli"`, `id="chart-burn"`,
		`data-name="budget remaining" data-points="60"`, `data-name="burn 5m" data-points="60"`, `data-name="burn 1h" data-points="60"`,
		`class="mark deployment"`, `<a href="/incidents/inc-1"><g class="mark incident"`, `id="tile-consumed">75.0 %`,
		`<td>firing</td><td>page</td><td>20.00× (5m)</td><td>15.00× (1h)</td><td>14.40×</td>`, `id="compliance"`, "objective: 99.9"} {
		if !strings.Contains(body, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	if n := strings.Count(body, `class="mark incident"`); n != 4 {
		t.Errorf("the incident is on %d charts, want all 4", n)
	}
}

func TestRoutes(t *testing.T) {
	b := srestate.NewBoard(srestate.Limits{})
	h := newConsole(b)
	if code, _ := get(t, h, "/slos/0123456789abcdef", nil); code != http.StatusNotFound {
		t.Errorf("unknown series: %d", code)
	}
	if code, body := get(t, h, "/scorecard", nil); code != http.StatusNotFound || !strings.Contains(body, "No pillars exporter") {
		t.Errorf("scorecard without pillars: %d %s", code, body)
	}
	b.Mount("/scorecard", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("card")) }))
	if code, body := get(t, h, "/scorecard", nil); code != http.StatusOK || body != "card" {
		t.Errorf("mounted scorecard: %d %q", code, body)
	}
	// One handler mounted at /standards serves every framework's pages under it.
	b.Mount("/standards", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("std " + r.URL.Path)) }))
	b.Mount("/standards.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("std " + r.URL.Path)) }))
	for _, path := range []string{"/standards", "/standards.json", "/standards/nist_csf_2", "/standards/iso_27001_2022.csv"} {
		if code, body := get(t, h, path, nil); code != http.StatusOK || body != "std "+path {
			t.Errorf("%s: %d %q", path, code, body)
		}
	}
	if code, _ := get(t, h, "/dependencies.json", nil); code != http.StatusNotFound {
		t.Errorf("/dependencies.json unmounted: %d", code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/slos" {
		t.Errorf("/ → %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if code, body := get(t, h, "/slos", nil); code != http.StatusOK || !strings.Contains(body, `id="empty"`) {
		t.Errorf("empty list: %d", code)
	}
	req := httptest.NewRequest(http.MethodGet, "/slos", nil)
	req.Header.Set("Accept", "application/json")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("Accept: application/json gave %s", rec.Header().Get("Content-Type"))
	}
	if code, _ := get(t, New(nil, Options{}).Handler(), "/slos", nil); code != http.StatusNotFound {
		t.Errorf("no board: %d", code)
	}
}

// BenchmarkList1000 renders the list page of 1000 series, the connector's default bound.
func BenchmarkList1000(b *testing.B) {
	board := srestate.NewBoard(srestate.Limits{MaxSeries: 1000})
	var states []srestate.SeriesState
	for i := range 1000 {
		states = append(states, series("availability", fmt.Sprintf("svc-%04d", i), float64(i%100)/100, i%17 == 0))
	}
	board.PublishSeries("slo", states)
	h := New(board, Options{Now: func() time.Time { return now }}).Handler()
	b.ResetTimer()
	for range b.N {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/slos", nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// A row names its group, its latency threshold and the shortest short and longest long
// window of all its tiers, whatever their order; one valid event is an SLI.
func TestRowFieldsAndPageText(t *testing.T) {
	b := srestate.NewBoard(srestate.Limits{})
	s := series("latency", "checkout", -0.25, false)
	s.Kind, s.LatencyThreshold = "latency", 300*time.Millisecond
	s.Identity = append(s.Identity, [2]string{"http.route", "/pay"})
	s.GoodPeriod, s.BadPeriod = 1, 0
	s.BurnRates = map[string]float64{"5m": 1, "30m": 2, "6h": 3, "1h": 4, "3d": 5, "1d": 6}
	s.Tiers = []srestate.TierState{{Severity: "page", Short: "30m", Long: "6h"}, {Severity: "page", Short: "5m", Long: "1h"},
		{Severity: "ticket", Short: "6h", Long: "3d"}, {Severity: "ticket", Short: "2h", Long: "1d"}}
	s.ExhaustsWithinPeriod, s.ExhaustionSeconds = true, 0
	b.PublishSeries("slo", []srestate.SeriesState{s})
	h := newConsole(b)
	var l List
	_, page := get(t, h, "/slos", nil)
	get(t, h, "/slos.json", &l)
	r := l.Series[0]
	if r.Group["http.route"] != "/pay" || len(r.Group) != 1 || r.LatencyThresholdSeconds == nil || *r.LatencyThresholdSeconds != 0.3 ||
		r.SLI == nil || *r.SLI != 1 || r.ShortBurn.Window != "5m" || r.LongBurn.Window != "3d" || *r.LongBurn.Rate != 5 {
		t.Errorf("row %+v", r)
	}
	for _, want := range []string{`<td>http.route=/pay</td>`, `<td>99.900 %</td>`, `<td>100.000 %</td>`, `class="budget neg">-25.0 %`,
		"Series 1–1 of 1", `<td>exhausted</td>`, `<a href="/slos" class="here">SLOs</a><a href="/incidents">Incidents</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
	_, detail := get(t, h, "/slos/"+r.ID, nil)
	for _, want := range []string{"Share of requests under the latency threshold", "Good and bad events per 0s", `id="tile-sli">100.000 %`,
		`id="tile-budget" class="neg">-25.0 %`, `id="tile-consumed">125.0 %`} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	if strings.Contains(detail, "SLI over the period</h2>") {
		t.Error("a latency SLO's SLI chart is titled as a ratio's")
	}
	b.PublishSeries("slo", []srestate.SeriesState{func() srestate.SeriesState { s.PeriodLength = 7 * 24 * time.Hour; return s }()})
	var d Detail
	get(t, h, "/slos/"+r.ID+".json?range=1w", &d)
	if fmt.Sprint(d.Ranges) != "[1h 12h 1d period]" || d.Range != "period" {
		t.Errorf("a 7d period offers %v (range %s): 1w is the period itself", d.Ranges, d.Range)
	}
	if windowDuration("3d") != 72*time.Hour || windowDuration("xd") != math.MaxInt64 || windowDuration("90s") != 90*time.Second {
		t.Error("windowDuration")
	}
}

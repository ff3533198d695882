package console

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

func incidentBoard() (*srestate.Board, srestate.SeriesState) {
	b := srestate.NewBoard(srestate.Limits{})
	s := series("latency", "checkout", 0.4, false)
	s.Identity = append(s.Identity, [2]string{"http.route", "/pay"})
	b.PublishSeries("slo", []srestate.SeriesState{s})
	b.PutIncident(srestate.Incident{ID: "open-1", SLO: "latency", Service: "checkout", Severity: "page", PeakBurn: 20,
		Identity: map[string]string{"service.name": "checkout", "http.route": "/pay"}, Start: now.Add(-20 * time.Minute), TriggerCutoff: now.Add(-22 * time.Minute),
		Deployments: []srestate.Deployment{{Service: "checkout", Version: "2.0", At: now.Add(-25 * time.Minute), Source: "version_change"}},
		Factors:     []srestate.Factor{{Attribute: "exception.type", Value: "Timeout", Bad: 40, Good: 1, Lift: 30, Coverage: 0.9}}})
	b.PutIncident(srestate.Incident{ID: "done-1", SLO: "availability", Service: "cart", Severity: "page",
		Identity: map[string]string{"service.name": "cart"}, Start: now.Add(-3 * time.Hour), Resolved: now.Add(-2 * time.Hour)})
	return b, s
}

// /incidents links each incident to its SLO page while the series is published, with its
// status and trigger; /incidents/{id} answers as HTML, JSON and Markdown.
func TestIncidentPages(t *testing.T) {
	b, s := incidentBoard()
	h := New(b, Options{Now: func() time.Time { return now }, TraceURL: "http://jaeger/{trace_id}"}).Handler()
	var list struct {
		State     bool           `json:"state_configured"`
		Incidents []IncidentView `json:"incidents"`
	}
	get(t, h, "/incidents.json", &list)
	if !list.State || len(list.Incidents) != 2 {
		t.Fatalf("incidents %+v", list)
	}
	byID := map[string]IncidentView{}
	for _, v := range list.Incidents {
		byID[v.ID] = v
	}
	open, done := byID["open-1"], byID["done-1"]
	if open.Status != "open" || open.SLOURL != "/slos/"+srestate.ConsoleID(s.Key()) || open.Trigger == nil || open.Trigger.Version != "2.0" ||
		open.DurationSeconds != 1200 || open.URL != "/incidents/open-1" {
		t.Errorf("open incident %+v", open)
	}
	if done.Status != "resolved" || done.SLOURL != "" || done.Trigger != nil || done.DurationSeconds != 3600 {
		t.Errorf("resolved incident %+v: no published series, no link", done)
	}
	_, page := get(t, h, "/incidents", nil)
	for _, want := range []string{`<a href="/incidents/open-1">open-1</a>`, `<a href="` + open.SLOURL + `">latency</a>`, "http.route=/pay",
		"exception.type=Timeout (lift 30.00)", `class="resolved"`, "20m0s"} {
		if !strings.Contains(page, want) {
			t.Errorf("/incidents lacks %q", want)
		}
	}

	var one struct {
		IncidentView
		Postmortem string `json:"postmortem_markdown"`
	}
	get(t, h, "/incidents/open-1.json", &one)
	if one.ID != "open-1" || !strings.Contains(one.Postmortem, "open-1") || one.SLOURL != open.SLOURL {
		t.Errorf("incident JSON %+v", one)
	}
	for path, want := range map[string]string{
		"/incidents/open-1.md":                 "# ",
		"/incidents/open-1?format=md":          "# ",
		"/incidents/open-1":                    "Trigger hypothesis: deployment of <code>2.0</code>",
		"/incidents/open-1?format=json":        `"postmortem_markdown"`,
		"/incidents/done-1":                    "alert cleared",
		"/incidents.json?format=json":          `"incidents"`,
		"/incidents?format=json":               `"state_configured": true`,
		"/incidents/open-1.json?x=1":           `"id": "open-1"`,
		"/incidents/open-1?format=html":        "<h1>latency · checkout · http.route=/pay · open</h1>",
		"/slos/" + srestate.ConsoleID(s.Key()): `<a href="/incidents/open-1">incident open-1</a>`,
	} {
		code, body := get(t, h, path, nil)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s: %d, lacks %q", path, code, want)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/incidents/open-1", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !json.Valid(rec.Body.Bytes()) {
		t.Errorf("Accept: application/json on an incident gave %s", rec.Header().Get("Content-Type"))
	}
	if code, _ := get(t, h, "/incidents/nope", nil); code != http.StatusNotFound {
		t.Errorf("unknown incident: %d", code)
	}
	noBoard := New(nil, Options{}).Handler()
	if code, body := get(t, noBoard, "/incidents", nil); code != http.StatusOK || !strings.Contains(body, "No <code>state</code>") {
		t.Errorf("no board: %d", code)
	}
	if code, _ := get(t, noBoard, "/incidents/open-1", nil); code != http.StatusNotFound {
		t.Errorf("no board, an incident: %d", code)
	}
}

// Filters and paging compose into one URL; a filtered list pages with its filters.
func TestFilterURLs(t *testing.T) {
	for f, want := range map[Filters]string{
		{}:                                      "/slos",
		{Service: "a b"}:                        "/slos?service=a+b",
		{Service: "s", SLO: "x", Alert: "page"}: "/slos?alert=page&service=s&slo=x",
	} {
		if got := filterURL(f); got != want {
			t.Errorf("filterURL(%+v) = %q, want %q", f, got, want)
		}
	}
	b := srestate.NewBoard(srestate.Limits{})
	var states []srestate.SeriesState
	for _, svc := range []string{"a", "b", "c", "d", "e"} {
		states = append(states, series("availability", svc, 0.5, false))
	}
	b.PublishSeries("slo", states)
	l := buildList(b, map[string][]string{"slo": {"availability"}, "offset": {"2"}}, 2, now)
	if l.Page.Next != "/slos?slo=availability&offset=4" || l.Page.Prev != "/slos?slo=availability&offset=0" || l.Series[0].Service != "c" {
		t.Errorf("page %+v, first %s", l.Page, l.Series[0].Service)
	}
	l = buildList(b, map[string][]string{"offset": {"99"}}, 2, now)
	if l.Page.Offset != 5 || len(l.Series) != 0 || l.Page.Prev != "/slos?offset=3" || l.Page.Omitted != 5 {
		t.Errorf("past the end: %+v", l.Page)
	}
	if c := New(b, Options{}); c.opts.PageSize != 100 || c.opts.Now == nil {
		t.Errorf("defaults %+v", c.opts)
	}
}

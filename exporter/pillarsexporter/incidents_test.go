package pillarsexporter

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

func get(t *testing.T, h http.Handler, target, accept string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// With a state extension, /incidents serves its incidents in HTML, JSON and Markdown, DORA
// reads them (change failure and time to restore), and the de-duplicated deployments go back
// to the board for incident timelines.
func TestIncidentsFromTheBoard(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cfg := createDefaultConfig().(*Config)
	cfg.Dora.MinDeployments = 1
	clock := now.Add(-15 * time.Minute) // the service is first seen before its deployment
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), func() time.Time { return clock })
	p.board = srestate.NewBoard(srestate.Limits{})
	resolved := srestate.Incident{
		ID: "aaaa000011112222", SLO: "availability", Service: "api", Severity: "page", Alert: "SLOErrorBudgetBurn",
		Start: now.Add(-5 * time.Minute), Resolved: now.Add(-2 * time.Minute), PeakBurn: 40, BudgetConsumed: 0.1,
		Factors:   []srestate.Factor{{Attribute: "http.route", Value: "/pay", Bad: 90, Lift: 3, Coverage: 0.9}},
		Exemplars: []string{"4bf92f3577b34da6a3ce929d0e0e4736"},
	}
	open := srestate.Incident{ID: "bbbb000011112222", SLO: "latency", Service: "web", Severity: "page", Start: now.Add(-time.Minute)}
	p.board.PutIncident(resolved)
	p.board.PutIncident(open)

	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "api")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.NewTimestampFromTime(now.Add(-10 * time.Minute)))
	lr.Attributes().PutStr("event.name", "deployment")
	lr.Attributes().PutStr("service.version", "2.0.0")
	if err := p.consumeLogs(context.Background(), ld); err != nil {
		t.Fatal(err)
	}
	clock = now
	p.evaluate()
	card := p.latest.Load()
	if len(card.Services) != 1 {
		t.Fatalf("services %+v", card.Services)
	}
	dora := card.Services[0].Dora
	if dora.ChangeFailureRate == nil || *dora.ChangeFailureRate != 1 || dora.RecoveryTimeSeconds == nil || *dora.RecoveryTimeSeconds != 180 {
		t.Errorf("DORA from the board's incident: %+v", dora)
	}
	if deps := p.board.Deployments("api", now.Add(-time.Hour), now); len(deps) != 1 || deps[0].Version != "2.0.0" || deps[0].Source != "log_event" {
		t.Errorf("deployments on the board %+v", deps)
	}

	h := p.routes()
	var list struct {
		State     bool `json:"state_configured"`
		Incidents []struct {
			ID       string  `json:"id"`
			Status   string  `json:"status"`
			Duration float64 `json:"duration_seconds"`
			URL      string  `json:"url"`
		} `json:"incidents"`
	}
	for _, req := range []struct{ target, accept string }{{"/incidents?format=json", ""}, {"/incidents.json", ""}, {"/incidents", "application/json"}} {
		rec := get(t, h, req.target, req.accept)
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %v %s", req.target, err, rec.Header().Get("Content-Type"))
		}
		if !list.State || len(list.Incidents) != 2 || list.Incidents[0].ID != open.ID || list.Incidents[0].Status != "open" ||
			list.Incidents[1].Status != "resolved" || list.Incidents[1].Duration != 180 || list.Incidents[1].URL != "/incidents/"+resolved.ID {
			t.Errorf("%s: %+v", req.target, list)
		}
	}
	page := get(t, h, "/incidents", "text/html,application/json").Body.String()
	for _, want := range []string{resolved.ID, open.ID, "http.route=/pay (lift 3", `class="open"`} {
		if !strings.Contains(page, want) {
			t.Errorf("/incidents page lacks %q", want)
		}
	}
	var detail struct {
		ID         string `json:"id"`
		Postmortem string `json:"postmortem_markdown"`
	}
	for _, target := range []string{"/incidents/" + resolved.ID + "?format=json", "/incidents/" + resolved.ID + ".json"} {
		if err := json.Unmarshal(get(t, h, target, "").Body.Bytes(), &detail); err != nil || detail.ID != resolved.ID || !strings.Contains(detail.Postmortem, "## Contributing factors") {
			t.Errorf("%s: %v %+v", target, err, detail)
		}
	}
	for _, target := range []string{"/incidents/" + resolved.ID + "?format=md", "/incidents/" + resolved.ID + ".md"} {
		rec := get(t, h, target, "")
		if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/markdown") || !strings.HasPrefix(rec.Body.String(), "# Postmortem: availability") {
			t.Errorf("%s: %s %q", target, rec.Header().Get("Content-Type"), rec.Body.String()[:min(80, rec.Body.Len())])
		}
	}
	html := get(t, h, "/incidents/"+resolved.ID, "").Body.String()
	for _, want := range []string{"availability · api · resolved", "<td>/pay</td>", resolved.Exemplars[0], "Postmortem draft"} {
		if !strings.Contains(html, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	if rec := get(t, h, "/incidents/missing", ""); rec.Code != http.StatusNotFound {
		t.Errorf("missing incident: %d", rec.Code)
	}
}

func TestIncidentsWithoutState(t *testing.T) {
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	h := p.routes()
	var list struct {
		State     bool  `json:"state_configured"`
		Incidents []any `json:"incidents"`
	}
	if err := json.Unmarshal(get(t, h, "/incidents.json", "").Body.Bytes(), &list); err != nil || list.State || list.Incidents == nil || len(list.Incidents) != 0 {
		t.Errorf("without state: %v %+v", err, list)
	}
	if page := get(t, h, "/incidents", "").Body.String(); !strings.Contains(page, "No <code>state</code> is configured") {
		t.Errorf("page without state: %s", page)
	}
	if rec := get(t, h, "/incidents/x", ""); rec.Code != http.StatusNotFound {
		t.Errorf("an incident without state: %d", rec.Code)
	}
}

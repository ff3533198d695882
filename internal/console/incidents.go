package console

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// IncidentView is an incident as /incidents shows it: the record plus what follows from it.
type IncidentView struct {
	srestate.Incident
	Status string `json:"status"` // open or resolved
	// DurationSeconds is the latest episode's impact: to the recovery, else to the page
	// clearing, else to now.
	DurationSeconds float64 `json:"duration_seconds"`
	URL             string  `json:"url"`
	// SLOURL is the series' page on the console, when the series is still published.
	SLOURL string `json:"slo_url,omitempty"`
	// Trigger is the hypothesis: the last deployment before the burn began (see ALERTING.md).
	Trigger *srestate.Deployment `json:"trigger"`
}

func viewOf(inc srestate.Incident, now time.Time) IncidentView {
	status := "resolved"
	if inc.Open() {
		status = "open"
	}
	v := IncidentView{Incident: inc, Status: status, DurationSeconds: inc.Duration(now).Seconds(), URL: "/incidents/" + inc.ID}
	if d, ok := inc.Trigger(); ok {
		v.Trigger = &d
	}
	return v
}

// seriesIDs maps each published series' canonical key to its console id.
func (c *Console) seriesIDs() map[string]string {
	out := map[string]string{}
	if c.board != nil {
		for _, s := range c.board.Series() {
			out[canonicalKey(s.SLO, s.Identity)] = s.ID
		}
	}
	return out
}

func (c *Console) ServeIncidents(w http.ResponseWriter, r *http.Request) {
	now := c.opts.Now()
	views := []IncidentView{}
	if c.board != nil {
		ids := c.seriesIDs()
		for _, inc := range c.board.Incidents() {
			v := viewOf(inc, now)
			if id, ok := ids[incidentKey(inc)]; ok {
				v.SLOURL = "/slos/" + id
			}
			views = append(views, v)
		}
	}
	if WantsJSON(r) || strings.HasSuffix(r.URL.Path, ".json") {
		c.WriteJSON(w, map[string]any{"generated_at": now.UTC(), "state_configured": c.board != nil, "incidents": views})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.render(w, incidentsPage, map[string]any{"Incidents": views, "State": c.board != nil})
}

func (c *Console) ServeIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	format := r.URL.Query().Get("format")
	for ext, f := range map[string]string{".json": "json", ".md": "md"} {
		if trimmed, ok := strings.CutSuffix(id, ext); ok {
			id, format = trimmed, f
		}
	}
	if format == "" && WantsJSON(r) {
		format = "json"
	}
	var inc srestate.Incident
	found := false
	if c.board != nil {
		inc, found = c.board.Incident(id)
	}
	if !found {
		http.Error(w, "no incident with this id", http.StatusNotFound)
		return
	}
	now := c.opts.Now()
	draft := incident.Postmortem(inc, now, c.opts.TraceURL)
	v := viewOf(inc, now)
	if sid, ok := c.seriesIDs()[incidentKey(inc)]; ok {
		v.SLOURL = "/slos/" + sid
	}
	switch format {
	case "json":
		c.WriteJSON(w, struct {
			IncidentView
			Postmortem string `json:"postmortem_markdown"`
		}{v, draft})
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, _ = w.Write([]byte(draft))
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		c.render(w, incidentPage, map[string]any{"I": v, "Draft": draft})
	}
}

// group is a series' identity beyond service.name: its group_by values.
func group(id map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(id)) {
		if k != "service.name" {
			parts = append(parts, k+"="+id[k])
		}
	}
	return strings.Join(parts, ", ")
}

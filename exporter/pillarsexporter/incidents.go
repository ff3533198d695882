package pillarsexporter

import (
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// incidentView is an incident as /incidents shows it: the record plus what follows from it.
type incidentView struct {
	srestate.Incident
	Status string `json:"status"` // open or resolved
	// DurationSeconds is the latest episode's impact: to the recovery, else to the page
	// clearing, else to now.
	DurationSeconds float64 `json:"duration_seconds"`
	URL             string  `json:"url"`
	// Trigger is the hypothesis: the last deployment before the burn began (see ALERTING.md).
	Trigger *srestate.Deployment `json:"trigger"`
}

func viewOf(inc srestate.Incident, now time.Time) incidentView {
	status := "resolved"
	if inc.Open() {
		status = "open"
	}
	v := incidentView{Incident: inc, Status: status, DurationSeconds: inc.Duration(now).Seconds(), URL: "/incidents/" + inc.ID}
	if d, ok := inc.Trigger(); ok {
		v.Trigger = &d
	}
	return v
}

// wantsJSON reads the format a client asked for: ?format=json, a .json path, or an Accept
// header that names JSON and not HTML.
func wantsJSON(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "json"
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

func (p *pillars) serveIncidents(w http.ResponseWriter, r *http.Request) {
	now := p.now()
	views := []incidentView{}
	if p.board != nil {
		for _, inc := range p.board.Incidents() {
			views = append(views, viewOf(inc, now))
		}
	}
	if wantsJSON(r) || strings.HasSuffix(r.URL.Path, ".json") {
		p.writeJSON(w, map[string]any{"generated_at": now.UTC(), "state_configured": p.board != nil, "incidents": views})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := incidentsPage.Execute(w, map[string]any{"Incidents": views, "State": p.board != nil}); err != nil {
		p.set.Logger.Warn("rendering the incidents page failed", zap.Error(err))
	}
}

func (p *pillars) serveIncident(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	format := r.URL.Query().Get("format")
	for ext, f := range map[string]string{".json": "json", ".md": "md"} {
		if trimmed, ok := strings.CutSuffix(id, ext); ok {
			id, format = trimmed, f
		}
	}
	if format == "" && wantsJSON(r) {
		format = "json"
	}
	var inc srestate.Incident
	found := false
	if p.board != nil {
		inc, found = p.board.Incident(id)
	}
	if !found {
		http.Error(w, "no incident with this id", http.StatusNotFound)
		return
	}
	now := p.now()
	draft := incident.Postmortem(inc, now, p.cfg.TraceURL)
	switch format {
	case "json":
		p.writeJSON(w, struct {
			incidentView
			Postmortem string `json:"postmortem_markdown"`
		}{viewOf(inc, now), draft})
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		_, _ = w.Write([]byte(draft))
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := incidentPage.Execute(w, map[string]any{"I": viewOf(inc, now), "Draft": draft}); err != nil {
			p.set.Logger.Warn("rendering the incident page failed", zap.Error(err))
		}
	}
}

// boardIncidents groups the board's incidents by service.name for DORA: with a state extension
// they replace the incidents pillars would derive from slo.alert.active itself.
func (p *pillars) boardIncidents() map[string][]score.Incident {
	if p.board == nil {
		return nil
	}
	out := map[string][]score.Incident{}
	for _, inc := range p.board.Incidents() {
		// One per episode: each page is a failure after the deployment before it. Per-service
		// lists, as the deployments they are matched with: no service on the record.
		if len(inc.Episodes) == 0 {
			out[inc.Service] = append(out[inc.Service], score.Incident{Start: inc.Start, Resolved: inc.Resolved, Recovered: inc.Recovered})
		}
		for _, e := range inc.Episodes {
			out[inc.Service] = append(out[inc.Service], score.Incident{Start: e.Start, Resolved: e.Resolved, Recovered: e.Recovered})
		}
	}
	return out
}

// publishDeployments shows the de-duplicated deployments on the board, for incident timelines.
func (p *pillars) publishDeployments(byService map[string][]score.Deployment) {
	if p.board == nil {
		return
	}
	out := make(map[string][]srestate.Deployment, len(byService))
	for svc, deps := range byService {
		for _, d := range deps {
			out[svc] = append(out[svc], srestate.Deployment{Service: svc, Version: d.Version, SHA: d.Revision, At: d.At, Source: d.Source.String(), Rollback: d.Rollback})
		}
	}
	p.board.SetDeployments(out)
}

var pageFuncs = template.FuncMap{
	"pct":      func(v float64) string { return formatFloat(100*v, 1) + " %" },
	"num":      func(v float64) string { return formatFloat(v, 2) },
	"count":    func(v float64) string { return formatFloat(v, 0) },
	"when":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"dur":      func(s float64) string { return (time.Duration(s) * time.Second).String() },
	"since":    func(from, to time.Time) string { return to.Sub(from).Round(time.Second).String() },
	"rank":     func(i int) int { return i + 1 },
	"timeline": incident.Timeline,
	// plain drops the draft's Markdown code marks from a timeline line.
	"plain": func(s string) string { return strings.ReplaceAll(s, "`", "") },
	"index0": func(fs []srestate.Factor) *srestate.Factor {
		if len(fs) == 0 {
			return nil
		}
		return &fs[0]
	},
	// group is a series' identity beyond service.name: its group_by values.
	"group": func(id map[string]string) string {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(id)) {
			if k != "service.name" {
				parts = append(parts, k+"="+id[k])
			}
		}
		return strings.Join(parts, ", ")
	},
}

const pageStyle = `body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;width:100%;table-layout:auto}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;overflow-wrap:anywhere;word-break:break-word}.open{color:#b00;font-weight:bold}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}`

var incidentsPage = template.Must(template.New("incidents").Funcs(pageFuncs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incidents · otelcol-sre</title>
<style>` + pageStyle + `</style></head>
<body><h1>Incidents</h1><p><a href="/scorecard">Scorecard</a> · <a href="/incidents.json">JSON</a></p>
{{if not .State}}<p>No <code>state</code> is configured for this exporter: incidents come from an sre_state extension the slo connector publishes to.</p>{{end}}
{{if .Incidents}}<table><thead><tr><th>Incident</th><th>Status</th><th>SLO</th><th>Service</th><th>Series</th><th>Start</th><th>Impact</th><th>Episodes</th><th>Peak burn</th><th>Budget consumed since open</th><th>Trigger</th><th>Top contributing factor</th></tr></thead><tbody>
{{range .Incidents}}<tr><td><a href="{{.URL}}">{{.ID}}</a></td><td class="{{.Status}}">{{.Status}}</td><td>{{.SLO}}</td><td>{{.Service}}</td><td>{{with group .Identity}}{{.}}{{else}}–{{end}}</td><td>{{when .Start}}</td><td>{{dur .DurationSeconds}}{{if not .Recovered.IsZero}} (recovered){{end}}</td><td>{{len .Episodes}}</td><td>{{num .PeakBurn}}×</td><td>{{pct .BudgetConsumed}}</td><td>{{with .Trigger}}{{if .Rollback}}rollback to {{.Version}}{{else}}{{.Version}}{{end}}{{else}}–{{end}}</td><td>{{with index0 .Factors}}{{.Attribute}}={{.Value}} (lift {{num .Lift}}){{else}}–{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No incidents.</p>{{end}}
</body></html>`))

var incidentPage = template.Must(template.New("incident").Funcs(pageFuncs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incident {{.I.ID}} · otelcol-sre</title>
<style>` + pageStyle + `</style></head>
<body><p><a href="/incidents">All incidents</a> · <a href="{{.I.URL}}.json">JSON</a> · <a href="{{.I.URL}}.md">Postmortem draft (Markdown)</a></p>
<h1>{{.I.SLO}} · {{.I.Service}}{{with group .I.Identity}} · {{.}}{{end}} · {{.I.Status}}</h1>
<p>Incident <code>{{.I.ID}}</code>, severity {{.I.Severity}}, alert <code>{{.I.Alert}}</code>.{{if gt (len .I.Episodes) 1}} Episode {{len .I.Episodes}} of {{len .I.Episodes}}: the figures below are the latest episode's.{{end}}</p>
<p>Page fired {{when .I.Start}}; {{if .I.Recovered.IsZero}}no recovery seen yet{{else}}service recovered {{when .I.Recovered}} ({{since .I.Start .I.Recovered}} of impact){{end}}; {{if eq .I.Status "resolved"}}alert cleared {{when .I.Resolved}} ({{since .I.Start .I.Resolved}} after it fired: the alert waits for its long window to cool){{else}}alert still firing{{end}}.</p>
<p>Peak burn {{num .I.PeakBurn}}× at {{when .I.PeakAt}}; budget remaining at open {{pct .I.BudgetAtOpen}}; consumed since open {{pct .I.BudgetConsumed}} of this period so far{{if not .I.PeriodStart.IsZero}} (period started {{when .I.PeriodStart}}){{end}}; {{count .I.BadEvents}} bad of {{count .I.ValidEvents}} valid events since open.</p>
<p>Trigger hypothesis: {{with .I.Trigger}}{{if .Rollback}}no new version before the burn (last change: rollback to <code>{{.Version}}</code> at {{when .At}}){{else}}deployment of <code>{{.Version}}</code> at {{when .At}}, the last before the burn began{{end}}{{else}}no deployment before the burn{{end}}.</p>
<h2>Timeline</h2><ul>{{range timeline .I.Incident}}<li>{{when .At}}: {{plain .What}}</li>{{end}}</ul>
<h2>Contributing factors (hypotheses, ranked by lift)</h2>
{{if .I.Factors}}<table><thead><tr><th>#</th><th>Attribute</th><th>Value</th><th>Bad events</th><th>Good events</th><th>Lift</th><th>Share of bad events</th></tr></thead><tbody>
{{range $i, $f := .I.Factors}}<tr><td>{{rank $i}}</td><td>{{$f.Attribute}}</td><td>{{$f.Value}}</td><td>{{count $f.Bad}}</td><td>{{count $f.Good}}</td><td>{{num $f.Lift}}</td><td>{{pct $f.Coverage}}</td></tr>{{end}}
</tbody></table>{{else}}<p>No attribute value separated bad from good events.</p>{{end}}
<h2>Exemplar traces</h2><ul>{{range .I.Exemplars}}<li><code>{{.}}</code></li>{{else}}<li>none</li>{{end}}</ul>
<h2>Postmortem draft</h2><pre>{{.Draft}}</pre>
</body></html>`))

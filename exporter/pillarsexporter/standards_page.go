package pillarsexporter

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
	"github.com/otelcol-sre/otelcol-sre/internal/console"
)

// standardsPage is what /standards and /standards/{framework} render.
type standardsPage struct {
	EvaluatedAt time.Time             `json:"evaluated_at"`
	Window      string                `json:"window"` // what the counts cover
	Period      string                `json:"period"` // what deployments and incidents cover
	Version     string                `json:"collector_version"`
	Frameworks  []standards.View      `json:"frameworks,omitempty"` // the index: every configured framework, without controls
	View        *standards.View       `json:"framework,omitempty"`  // one framework
	PagerLoad   []standards.ShiftLoad `json:"pager_load"`
	Budgets     []BudgetJSON          `json:"cost_budgets"`
}

// serveStandards serves /standards (every framework's coverage) and /standards/{id} as HTML,
// .json, .csv or .md (for an auditor's evidence folder).
func (p *pillars) serveStandards(w http.ResponseWriter, r *http.Request) {
	card := p.latest.Load()
	page := standardsPage{EvaluatedAt: card.EvaluatedAt, Window: p.cfg.Window.String(), Period: p.cfg.Dora.Period.String(),
		Version: p.version, PagerLoad: card.PagerLoad, Budgets: card.CostBudgets}
	name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/standards"), "/")
	if name == "" || name == ".json" {
		for _, id := range p.cfg.Standards.Frameworks {
			if v, ok := card.standards[id]; ok {
				v.Controls = nil // the index shows coverage; each framework's page its controls
				page.Frameworks = append(page.Frameworks, v)
			}
		}
		if name == ".json" {
			p.console().WriteJSON(w, page)
			return
		}
		p.renderStandards(w, standardsIndex, page)
		return
	}
	id, format, _ := strings.Cut(name, ".")
	v, ok := card.standards[id]
	if !ok {
		http.Error(w, fmt.Sprintf("no framework %q: configured are %s", id, strings.Join(p.cfg.Standards.Frameworks, ", ")), http.StatusNotFound)
		return
	}
	page.View = &v
	switch format {
	case "json":
		p.console().WriteJSON(w, page)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, id, page.EvaluatedAt.Format("20060102T150405Z")))
		writeStandardsCSV(w, page)
	case "md":
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		writeStandardsMarkdown(w, page)
	case "":
		p.renderStandards(w, standardsFramework, page)
	default:
		http.Error(w, fmt.Sprintf("format %q: use .json, .csv or .md", format), http.StatusNotFound)
	}
}

func (p *pillars) renderStandards(w http.ResponseWriter, t *template.Template, page standardsPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.Execute(w, page); err != nil {
		p.set.Logger.Warn("rendering a standards page failed", zap.Error(err))
	}
}

// scope says what an export covers: when, over what evidence, from which collector.
func (pg standardsPage) scope() string {
	return fmt.Sprintf("evaluated %s; counts over the last %s, deployments and incidents over the last %s; otelcol-sre %s",
		pg.EvaluatedAt.Format(time.RFC3339), pg.Window, pg.Period, pg.Version)
}

func writeStandardsCSV(w http.ResponseWriter, pg standardsPage) {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"framework", "control", "title", "group", "status", "checks", "evidence", "pass", "fail", "insufficient_data",
		"not_applicable", "remediation", "exemption_reason", "exemption_expires", "evaluated_at", "window", "period", "collector_version"})
	for _, c := range pg.View.Controls {
		reason, expires := "", ""
		if c.Exemption != nil {
			reason, expires = c.Exemption.Reason, c.Exemption.Expires.Format(time.DateOnly)
		}
		_ = cw.Write([]string{pg.View.ID, c.ID, c.Title, c.Group, string(c.Status), strings.Join(c.Checks, " "), c.Summary,
			strconv.Itoa(c.Counts[standards.Pass]), strconv.Itoa(c.Counts[standards.Fail]), strconv.Itoa(c.Counts[standards.InsufficientData]), strconv.Itoa(c.Counts[standards.NotApplicable]),
			strings.Join(c.Remediation, " "), reason, expires, pg.EvaluatedAt.Format(time.RFC3339), pg.Window, pg.Period, pg.Version})
	}
	cw.Flush()
}

func writeStandardsMarkdown(w http.ResponseWriter, pg standardsPage) {
	v := pg.View
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\nSource: %s. %s\n\n", v.Title, pg.scope(), v.Source, Disclaimer)
	fmt.Fprintf(&b, "Coverage: %d controls, %d measured from telemetry, %d not measurable.\n\n", v.Coverage.Controls, v.Coverage.Measured, v.Coverage.NotMeasurable)
	b.WriteString("| group | controls | measured | not measurable | pass | fail | insufficient data | not applicable | exempt |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, g := range v.Groups {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d | %d |\n", g.Title, g.Controls, g.Measured, g.NotMeasurable,
			g.Counts[standards.Pass], g.Counts[standards.Fail], g.Counts[standards.InsufficientData], g.Counts[standards.NotApplicable], g.Counts[standards.Exempt])
	}
	b.WriteString("\n| control | title | status | evidence | remediation |\n|---|---|---|---|---|\n")
	for _, c := range v.Controls {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.ID, mdCell(c.Title), c.Status, mdCell(c.Summary), mdCell(strings.Join(c.Remediation, " ")))
	}
	for _, c := range v.Controls {
		if len(c.Findings) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s %s\n\n", c.ID, mdCell(c.Title))
		for _, f := range c.Findings {
			fmt.Fprintf(&b, "- `%s` %s: **%s**: %s\n", f.Check, mdCell(f.Service), f.Status, mdCell(f.Evidence))
		}
	}
	_, _ = w.Write([]byte(b.String()))
}

func mdCell(s string) string { return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s) }

var standardsFuncs = template.FuncMap{
	"count":    func(c standards.Counts, s string) int { return c[standards.Status(s)] },
	"statuses": func() []standards.Status { return slices.Clone(standards.Statuses) },
	"scope":    func(pg standardsPage) string { return pg.scope() },
	// unmeasured is a group's controls without checks; the first's summary gives the group's
	// reason (a control with a reason of its own says it in its title tooltip and the exports).
	"unmeasured": func(v *standards.View, group string) []standards.ControlView {
		var out []standards.ControlView
		for _, c := range v.Controls {
			if c.Group == group && len(c.Checks) == 0 {
				out = append(out, c)
			}
		}
		return out
	},
}

const standardsHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>otelcol-sre standards</title>
<style>` + console.Style + `</style></head><body>`

var standardsIndex = template.Must(template.New("standards").Funcs(standardsFuncs).Parse(standardsHead + string(console.Nav("standards")) + `
<h1>Standards</h1>
<p class="note">{{scope .}}. Each control is measured from telemetry where telemetry can evidence it and is listed as
not measurable where it cannot: coverage is those two counts, never one percentage.</p>
<table><tr><th>framework</th><th>controls</th><th>measured</th><th>not measurable</th>{{range statuses}}<th>{{.}}</th>{{end}}<th>export</th></tr>
{{range .Frameworks}}<tr data-framework="{{.ID}}"><td><a href="/standards/{{.ID}}">{{.Title}}</a></td><td>{{.Coverage.Controls}}</td>
<td data-measured="{{.Coverage.Measured}}">{{.Coverage.Measured}}</td><td data-not-measurable="{{.Coverage.NotMeasurable}}">{{.Coverage.NotMeasurable}}</td>
{{$c := .Coverage.Counts}}{{range statuses}}<td>{{count $c (printf "%s" .)}}</td>{{end}}
<td><a href="/standards/{{.ID}}.csv">CSV</a> · <a href="/standards/{{.ID}}.md">Markdown</a> · <a href="/standards/{{.ID}}.json">JSON</a></td></tr>
{{end}}</table>
<h2>Pager load per on-call rotation</h2>
<table><tr><th>rotation</th><th>pages</th><th>12-hour shifts</th><th>most in one shift (ceiling 2)</th></tr>
{{range .PagerLoad}}<tr class="{{if gt .MaxPerShift 2}}fail{{else}}pass{{end}}" data-rotation="{{.Rotation}}"><td>{{.Rotation}}</td><td>{{.Pages}}</td><td>{{.Shifts}}</td><td>{{.MaxPerShift}}{{if not .Known}} (no page-capable alerting){{end}}</td></tr>
{{else}}<tr><td colspan="4">no service yet</td></tr>{{end}}</table>
<h2>Cost budgets (estimates, never billed cost)</h2>
<table><tr><th>budget</th><th>monthly</th><th>forecast</th><th>status</th><th>evidence</th></tr>
{{range .Budgets}}<tr class="{{.Status}}" data-budget="{{.Name}}"><td>{{.Name}}</td><td>{{printf "%.2f" .Forecast.Budget}} {{.Currency}}</td><td>{{printf "%.4g" .Forecast.Forecast}}</td><td>{{.Status}}</td><td>{{.Evidence}}</td></tr>
{{else}}<tr><td colspan="5">no budget configured (standards.budgets)</td></tr>{{end}}</table>
<p class="note">The service dependency graph (ID.AM-03) is on <a href="/dependencies.json">/dependencies.json</a>.</p>
</body></html>`))

var standardsFramework = template.Must(template.New("framework").Funcs(standardsFuncs).Parse(standardsHead + string(console.Nav("standards")) + `
{{with .View}}<h1>{{.Title}}</h1>
<p class="note">{{scope $}}. Source: {{.Source}}. Export: <a href="/standards/{{.ID}}.csv">CSV</a> · <a href="/standards/{{.ID}}.md">Markdown</a> · <a href="/standards/{{.ID}}.json">JSON</a></p>
<p data-coverage>{{.Coverage.Controls}} controls: <strong data-measured="{{.Coverage.Measured}}">{{.Coverage.Measured}} measured from telemetry</strong>,
<strong data-not-measurable="{{.Coverage.NotMeasurable}}">{{.Coverage.NotMeasurable}} not measurable</strong>.</p>
<table><tr><th>group</th><th>controls</th><th>measured</th><th>not measurable</th>{{range statuses}}<th>{{.}}</th>{{end}}</tr>
{{range .Groups}}<tr data-group="{{.ID}}"><td>{{.Title}}</td><td>{{.Controls}}</td><td>{{.Measured}}</td><td>{{.NotMeasurable}}</td>{{$c := .Counts}}{{range statuses}}<td>{{count $c (printf "%s" .)}}</td>{{end}}</tr>
{{end}}</table>
<h2>Measured from telemetry</h2>
<table><tr><th>control</th><th>status</th><th>evidence</th><th>findings (failures first)</th><th>remediation</th></tr>
{{range .Controls}}{{if .Checks}}<tr class="{{.Status}}" data-control="{{.ID}}"><td><code>{{.ID}}</code><br><span class="note">{{.Title}}</span></td><td class="status">{{.Status}}</td>
<td>{{.Summary}}</td><td>{{range .Findings}}<code>{{.Check}}</code> {{.Service}}: {{.Status}} — {{.Evidence}}<br>{{end}}</td><td>{{range .Remediation}}{{.}}<br>{{end}}</td></tr>
{{end}}{{end}}</table>
<h2>Not measurable from telemetry</h2>
<table><tr><th>group</th><th>why</th><th>controls</th></tr>
{{$v := .}}{{range .Groups}}{{$ctl := unmeasured $v .ID}}{{if $ctl}}<tr class="not_measurable" data-unmeasured-group="{{.ID}}"><td>{{.Title}}</td><td>{{(index $ctl 0).Summary}}</td>
<td>{{range $ctl}}<span data-control="{{.ID}}" class="status" title="{{.Title}}: {{.Summary}}">{{if eq .Status "exempt"}}{{.ID}} (exempt){{else}}{{.ID}}{{end}}</span> {{end}}</td></tr>
{{end}}{{end}}</table>{{end}}
</body></html>`))

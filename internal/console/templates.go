package console

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// Style is the console's one style sheet; pillars' scorecard uses it too.
const Style = `body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 2em;color:#222;max-width:1400px}
nav{background:#223;margin:0 -1.5em 1em;padding:.6em 1.5em}nav a{color:#fff;margin-right:1.2em;text-decoration:none;font-weight:600}nav a.here{text-decoration:underline}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0 1em;width:100%}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;overflow-wrap:break-word}
.pass{background:#d9f2d9}.warning{background:#fff0c2}.fail{background:#f8d0d0}.insufficient_data{background:#e8e8e8}.not_applicable{background:#f4f4f4;color:#666}
.page{color:#b00;font-weight:bold}.ticket{color:#a60;font-weight:bold}.open{color:#b00;font-weight:bold}.neg{color:#b00}
.note{color:#555;font-size:.9em}.ref{font-size:.85em;color:#345}code{font-size:.9em}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap;overflow-wrap:anywhere}
.tiles{display:flex;gap:1em;flex-wrap:wrap}.tile{border:1px solid #ccc;padding:.6em 1em;min-width:10em}.tile b{display:block;font-size:1.5em}
.chart{border:0;margin:.3em 0 1em;max-height:260px}.banner{background:#fff0c2;padding:.5em 1em;border:1px solid #e0c060}`

// Nav is the console's navigation; here is "slos", "incidents" or "scorecard".
func Nav(here string) template.HTML {
	var b strings.Builder
	b.WriteString("<nav>")
	for _, l := range [][2]string{{"slos", "SLOs"}, {"incidents", "Incidents"}, {"scorecard", "Scorecard"}, {"standards", "Standards"}} {
		class := ""
		if l[0] == here {
			class = ` class="here"`
		}
		b.WriteString(`<a href="/` + l[0] + `"` + class + `>` + l[1] + `</a>`)
	}
	b.WriteString("</nav>")
	return template.HTML(b.String()) //nolint:gosec // constant text
}

func formatFloat(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

// optPercent writes an optional ratio as a percentage, "–" when it has no value.
func optPercent(prec int) func(*float64) string {
	return func(v *float64) string {
		if v == nil {
			return "–"
		}
		return formatFloat(100**v, prec) + " %"
	}
}

var funcs = template.FuncMap{
	"nav":   Nav,
	"pct":   func(v float64) string { return formatFloat(100*v, 3) + " %" },
	"pct1":  func(v float64) string { return formatFloat(100*v, 1) + " %" },
	"num":   func(v float64) string { return formatFloat(v, 2) },
	"count": func(v float64) string { return formatFloat(v, 0) },
	"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"dur":   func(s float64) string { return (time.Duration(s) * time.Second).String() },
	"since": func(from, to time.Time) string { return to.Sub(from).Round(time.Second).String() },
	"rank":  func(i int) int { return i + 1 },
	"add":   func(a, b int) int { return a + b },
	"jsonurl": func(f Filters) string {
		return strings.Replace(filterURL(f), "/slos", "/slos.json", 1)
	},
	"optpct":  optPercent(3),
	"optpct1": optPercent(1),
	"neg":     func(v *float64) bool { return v != nil && *v < 0 },
	"optnum": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return formatFloat(*v, 2)
	},
	"optdur": func(v *float64) string {
		if v == nil {
			return "not within the period"
		}
		if *v <= 0 {
			return "exhausted"
		}
		return (time.Duration(*v) * time.Second).Round(time.Second).String()
	},
	"timeline": incident.Timeline,
	// plain drops the draft's Markdown code marks from a timeline line.
	"plain": func(s string) string { return strings.ReplaceAll(s, "`", "") },
	"index0": func(fs []srestate.Factor) *srestate.Factor {
		if len(fs) == 0 {
			return nil
		}
		return &fs[0]
	},
	"group": group,
	"kv": func(m map[string]string) string {
		return group(m)
	},
	"query": func(base Filters, key, value string) string {
		f := base
		switch key {
		case "service":
			f.Service = value
		case "slo":
			f.SLO = value
		case "alert":
			f.Alert = value
		}
		return filterURL(f)
	},
}

// page is one console page: its title and body are template text over the same data.
func page(name, title, body string) *template.Template {
	return template.Must(template.New(name).Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>` + title + ` · otelcol-sre</title>
<style>` + Style + `</style></head><body>` + body + `</body></html>`))
}

var notMountedPage = page("not-mounted", "Not found", `{{nav ""}}<h1>Nothing is mounted at {{.Path}}</h1>
<p>No pillars exporter publishes a scorecard to this sre_state board: add one with <code>state</code> set to this extension.</p>`)

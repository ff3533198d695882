package incident

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// Postmortem renders a blameless postmortem draft in the shape of the example in Google's SRE
// book (chapter 15, appendix D): summary, impact, detection, trigger, timeline, contributing
// factors as hypotheses, supporting traces, and action items for the review to fill.
// traceURL, when not empty, is a template whose "{trace_id}" becomes each exemplar's ID.
func Postmortem(inc srestate.Incident, now time.Time, traceURL string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	status, end := "open (draft updated while the incident lasts)", now
	if !inc.Open() {
		status, end = "resolved, awaiting review", inc.Resolved
	}
	duration := end.Sub(inc.Start).Round(time.Second)

	p("# Postmortem: %s burned its error budget (incident %s)\n\n", inc.SLO, inc.ID)
	p("- **Date:** %s\n- **Status:** %s\n- **Service:** %s\n", inc.Start.UTC().Format("2006-01-02"), status, orNone(inc.Service))
	p("- **SLO series:** %s\n- **Severity:** %s\n\n", identity(inc), inc.Severity)

	p("## Summary\n\n")
	p("The %s SLO of %s paged at %s: its error budget burned at %s× the sustainable rate. ", inc.SLO, orNone(inc.Service), stamp(inc.Start), num(maxBurn(inc.BurnAtOpen)))
	if inc.Open() {
		p("The page is still firing after %s.\n\n", duration)
	} else {
		p("The page cleared at %s, after %s.\n\n", stamp(inc.Resolved), duration)
	}
	if len(inc.Factors) > 0 {
		f := inc.Factors[0]
		p("Bad events concentrate on `%s=%s` (%s of them, lift %s).\n\n", f.Attribute, f.Value, pct(f.Coverage), num(f.Lift))
	}

	p("## Impact\n\n")
	p("- Bad events during the incident: %s of %s valid events (%s).\n", num(inc.BadEvents), num(inc.ValidEvents), pct(ratio(inc.BadEvents, inc.ValidEvents)))
	p("- Error budget consumed: %s of the period's budget (%s remained at the start).\n", pct(inc.BudgetConsumed), pct(inc.BudgetAtOpen))
	p("- Duration: %s.\n\n", duration)

	p("## Detection\n\n")
	p("The multi-window multi-burn-rate alert `%s` (severity %s) fired at %s with burn rates %s.\n\n", orNone(inc.Alert), inc.Severity, stamp(inc.Start), burns(inc.BurnAtOpen))

	p("## Trigger\n\n")
	if len(inc.Deployments) == 0 {
		p("No deployment of %s was seen in the 24 hours before the page.\n\n", orNone(inc.Service))
	} else {
		last := inc.Deployments[len(inc.Deployments)-1]
		p("Hypothesis: the deployment of version `%s` at %s (%s before the page).\n\n", last.Version, stamp(last.At), inc.Start.Sub(last.At).Round(time.Second))
	}

	p("## Timeline (UTC)\n\n")
	for _, e := range timeline(inc) {
		p("- %s — %s\n", stamp(e.at), e.what)
	}
	p("\n## Contributing factors (hypotheses)\n\n")
	if len(inc.Factors) == 0 {
		p("No attribute value separated bad from good events.\n\n")
	} else {
		p("Attribute values ranked by lift: the share of bad events among events with the value, over the share among all events.\n\n")
		p("| Attribute | Value | Bad events | Good events | Lift | Share of bad events |\n|---|---|---|---|---|---|\n")
		for _, f := range inc.Factors {
			p("| `%s` | `%s` | %s | %s | %s | %s |\n", f.Attribute, escape(f.Value), num(f.Bad), num(f.Good), num(f.Lift), pct(f.Coverage))
		}
		p("\n")
	}

	p("## Exemplar traces\n\n")
	if len(inc.Exemplars) == 0 {
		p("No bad event was seen with a trace ID.\n\n")
	}
	for _, id := range inc.Exemplars {
		if traceURL != "" {
			p("- [%s](%s)\n", id, strings.ReplaceAll(traceURL, "{trace_id}", id))
		} else {
			p("- `%s`\n", id)
		}
	}
	if len(inc.Exemplars) > 0 {
		p("\n")
	}

	p("## Action items\n\n| Action item | Type | Owner | Bug |\n|---|---|---|---|\n|  |  |  |  |\n")
	return b.String()
}

type entry struct {
	at   time.Time
	what string
}

func timeline(inc srestate.Incident) []entry {
	var es []entry
	for _, d := range inc.Deployments {
		what := fmt.Sprintf("deployment of %s version `%s` (%s)", d.Service, d.Version, d.Source)
		if d.SHA != "" {
			what += ", commit " + d.SHA
		}
		es = append(es, entry{d.At, what})
	}
	es = append(es, entry{inc.Start, fmt.Sprintf("page alert `%s` fires; incident opened (burn %s)", orNone(inc.Alert), burns(inc.BurnAtOpen))})
	if !inc.PeakAt.IsZero() {
		es = append(es, entry{inc.PeakAt, fmt.Sprintf("peak burn rate %s×", num(inc.PeakBurn))})
	}
	if !inc.Open() {
		es = append(es, entry{inc.Resolved, fmt.Sprintf("page clears; incident resolved (%s of the budget consumed)", pct(inc.BudgetConsumed))})
	}
	slices.SortStableFunc(es, func(x, y entry) int { return x.at.Compare(y.at) })
	return es
}

func identity(inc srestate.Incident) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(inc.Identity)) {
		parts = append(parts, fmt.Sprintf("%s=%s", k, inc.Identity[k]))
	}
	if len(parts) == 0 {
		return inc.SLO
	}
	return inc.SLO + " {" + strings.Join(parts, ", ") + "}"
}

func burns(m map[string]float64) string {
	if len(m) == 0 {
		return "unknown"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %s×", k, num(m[k])))
	}
	return strings.Join(parts, ", ")
}

func maxBurn(m map[string]float64) float64 {
	best := 0.0
	for _, v := range m {
		best = max(best, v)
	}
	return best
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }
func num(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}
func pct(v float64) string   { return fmt.Sprintf("%.1f %%", 100*v) }
func escape(s string) string { return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(s) }

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

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
	impact := inc.Duration(now).Round(time.Second)

	p("# Postmortem: %s burned its error budget (incident %s)\n\n", inc.SLO, inc.ID)
	p("- **Date:** %s\n- **Status:** %s\n- **Service:** %s\n", inc.Start.UTC().Format("2006-01-02"), status, orNone(inc.Service))
	p("- **SLO series:** %s\n- **Severity:** %s\n\n", identity(inc), inc.Severity)

	p("## Summary\n\n")
	p("The %s SLO of %s paged at %s: its error budget burned at %s× the sustainable rate. ", inc.SLO, orNone(inc.Service), stamp(inc.Start), num(maxBurn(inc.BurnAtOpen)))
	if !inc.Recovered.IsZero() {
		p("The service recovered at %s, after %s. ", stamp(inc.Recovered), impact)
	}
	if inc.Open() {
		p("The page is still firing after %s.\n\n", duration)
	} else {
		p("The page cleared at %s, after %s.\n\n", stamp(inc.Resolved), duration)
	}
	if len(inc.Episodes) > 1 {
		p("This is episode %d of the incident: the page fired again within the merge window after it had cleared. The figures here are the latest episode's; the timeline lists every episode.\n\n", len(inc.Episodes))
	}
	if len(inc.Factors) > 0 {
		f := inc.Factors[0]
		p("Bad events concentrate on `%s=%s` (%s of them, lift %s).\n\n", f.Attribute, f.Value, pct(f.Coverage), num(f.Lift))
	}

	p("## Impact\n\n")
	p("- Bad events since the page: %s of %s valid events (%s).\n", count(inc.BadEvents), count(inc.ValidEvents), pct(ratio(inc.BadEvents, inc.ValidEvents)))
	p("- Error budget consumed since open: %s of the budget of this period so far%s (%s remained at the start).\n", pct(inc.BudgetConsumed), periodFrom(inc.PeriodStart), pct(inc.BudgetAtOpen))
	p("- Duration: %s until the service recovered", impact)
	if inc.Recovered.IsZero() {
		p(" (no recovery seen yet)")
	}
	p("; the page fired for %s. The page stays up after a fix until its long window cools (see ALERTING.md).\n\n", duration)

	p("## Detection\n\n")
	p("The multi-window multi-burn-rate alert `%s` (severity %s) fired at %s with burn rates %s.\n\n", orNone(inc.Alert), inc.Severity, stamp(inc.Start), burns(inc.BurnAtOpen))

	p("## Trigger\n\n")
	switch last, ok := inc.Trigger(); {
	case !ok:
		p("No deployment of %s was seen in the lookback before the burn began.\n\n", orNone(inc.Service))
	case last.Rollback:
		p("No new version was deployed before the burn: the last change was the rollback to `%s` at %s.\n\n", last.Version, stamp(last.At))
	default:
		p("Hypothesis: the deployment of version `%s` at %s (%s before the page), the last deployment before the burn began.\n\n", last.Version, stamp(last.At), inc.Start.Sub(last.At).Round(time.Second))
	}

	p("## Timeline (UTC)\n\n")
	for _, e := range Timeline(inc) {
		p("- %s — %s\n", stamp(e.At), e.What)
	}
	p("\n## Contributing factors (hypotheses)\n\n")
	if len(inc.Factors) == 0 {
		p("No attribute value separated bad from good events.\n\n")
	} else {
		p("Attribute values ranked by lift: the share of bad events among events with the value, over the share among all events.\n\n")
		p("| Attribute | Value | Bad events | Good events | Lift | Share of bad events |\n|---|---|---|---|---|---|\n")
		for _, f := range inc.Factors {
			p("| `%s` | `%s` | %s | %s | %s | %s |\n", f.Attribute, escape(f.Value), count(f.Bad), count(f.Good), num(f.Lift), pct(f.Coverage))
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

// Entry is one line of an incident's timeline.
type Entry struct {
	At   time.Time
	What string
}

type entry = Entry

// Timeline is the incident's deployments, rollbacks and episodes (page, peak, recovery, page
// clearing) in time order, as the draft and /incidents/{id} show them.
func Timeline(inc srestate.Incident) []Entry {
	var es []entry
	for _, d := range inc.Deployments {
		what := fmt.Sprintf("deployment of %s version `%s` (%s)", d.Service, d.Version, d.Source)
		if d.Rollback {
			what = fmt.Sprintf("rollback of %s to version `%s` (%s): remediation", d.Service, d.Version, d.Source)
		}
		if d.SHA != "" {
			what += ", commit " + d.SHA
		}
		es = append(es, entry{d.At, what})
	}
	episodes := inc.Episodes
	if len(episodes) == 0 { // a record from before episodes were kept
		episodes = []srestate.Episode{{Start: inc.Start, Resolved: inc.Resolved, PeakBurn: inc.PeakBurn, PeakAt: inc.PeakAt,
			BurnAtOpen: inc.BurnAtOpen, BudgetConsumed: inc.BudgetConsumed}}
	}
	for n, e := range episodes {
		what := fmt.Sprintf("page alert `%s` fires; incident opened (burn %s)", orNone(inc.Alert), burns(e.BurnAtOpen))
		if n > 0 {
			what = fmt.Sprintf("page alert `%s` fires again: episode %d (burn %s)", orNone(inc.Alert), n+1, burns(e.BurnAtOpen))
		}
		es = append(es, entry{e.Start, what})
		if !e.PeakAt.IsZero() {
			es = append(es, entry{e.PeakAt, fmt.Sprintf("peak burn rate %s×", num(e.PeakBurn))})
		}
		if !e.Recovered.IsZero() {
			es = append(es, entry{e.Recovered, "the service recovers: its error ratio is back under the page threshold"})
		}
		if !e.Resolved.IsZero() {
			es = append(es, entry{e.Resolved, fmt.Sprintf("page clears; episode resolved (%s of the budget consumed)", pct(e.BudgetConsumed))})
		}
	}
	slices.SortStableFunc(es, func(x, y entry) int { return x.At.Compare(y.At) })
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
func pct(v float64) string { return fmt.Sprintf("%.1f %%", 100*v) }

// count prints an event count as a whole number: weighted counts of a sampled stream are
// estimates, and "274.00 bad" reads as false precision.
func count(v float64) string { return fmt.Sprintf("%.0f", v) }
func escape(s string) string { return strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(s) }

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func periodFrom(start time.Time) string {
	if start.IsZero() {
		return ""
	}
	return ", which started " + stamp(start)
}

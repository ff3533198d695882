package console

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// Detail is /slos/{id}.json: the list's row and everything the SLO page draws.
type Detail struct {
	Row
	Identity map[string]string `json:"identity"`
	// BudgetConsumed is the share of this period's budget spent so far (1 − remaining).
	BudgetConsumed *float64  `json:"budget_consumed"`
	PeriodStart    time.Time `json:"period_start"`
	Range          string    `json:"range"`
	Ranges         []string  `json:"ranges"`
	From           time.Time `json:"from"`
	To             time.Time `json:"to"`
	StepSeconds    float64   `json:"step_seconds"`
	// HistoryFrom is the oldest point the connector holds; NoHistory says why there is none.
	HistoryFrom *time.Time                  `json:"history_from,omitempty"`
	NoHistory   string                      `json:"no_history,omitempty"`
	Windows     []string                    `json:"windows"`
	History     []PointJSON                 `json:"history"`
	Alerts      []AlertRow                  `json:"alerts"`
	Annotations []Annotation                `json:"annotations"`
	Compliance  []srestate.PeriodCompliance `json:"compliance"`
	// Corrections are the maintenance windows added after the fact; Upcoming the windows of
	// the next 7 days.
	Corrections []srestate.Correction        `json:"corrections"`
	Upcoming    []srestate.MaintenanceWindow `json:"upcoming_maintenance"`
	Exemplars   []ExemplarRef                `json:"exemplars"`
	Definition  string                       `json:"definition"`
	Rules       string                       `json:"prometheus_rules"`
}

// PointJSON is one history step. Gauges without a value are left out.
type PointJSON struct {
	At              time.Time          `json:"at"`
	Good            float64            `json:"good_events"`
	Bad             float64            `json:"bad_events"`
	BudgetRemaining *float64           `json:"budget_remaining,omitempty"`
	SLI             *float64           `json:"sli,omitempty"`
	BurnRates       map[string]float64 `json:"burn_rates"`
}

// AlertRow is one burn-rate tier as Pyrra's alert table shows it.
type AlertRow struct {
	srestate.TierState
	State             string   `json:"state"` // firing or inactive
	ExhaustionSeconds *float64 `json:"exhaustion_seconds"`
}

// Annotation is a deployment (an instant), an incident (open to resolve) or a maintenance
// window on every chart.
type Annotation struct {
	Kind  string     `json:"kind"` // deployment, incident or maintenance
	At    time.Time  `json:"at"`
	End   *time.Time `json:"end,omitempty"`
	Label string     `json:"label"`
	URL   string     `json:"url,omitempty"`
}

// ExemplarRef is a recent bad event's trace, linked when incidents.trace_url is set.
type ExemplarRef struct {
	srestate.Exemplar
	URL string `json:"url,omitempty"`
}

// rangeChoices are the detail page's ranges; those longer than the period are not offered.
var rangeChoices = []struct {
	name string
	d    time.Duration
}{{"1h", time.Hour}, {"12h", 12 * time.Hour}, {"1d", 24 * time.Hour}, {"1w", 7 * 24 * time.Hour}}

func buildDetail(b *srestate.Board, s srestate.SeriesState, q url.Values, now time.Time) Detail {
	d := Detail{Row: rowOf(s, openIncidents(b)), Identity: map[string]string{}, PeriodStart: s.PeriodStart,
		To: now, History: []PointJSON{}, Annotations: []Annotation{}, Exemplars: []ExemplarRef{},
		Corrections: []srestate.Correction{}, Upcoming: []srestate.MaintenanceWindow{}}
	if d.BudgetRemaining != nil {
		d.BudgetConsumed = ptr(1 - *d.BudgetRemaining)
	}
	for _, kv := range s.Identity {
		d.Identity[kv[0]] = kv[1]
	}
	d.Range, d.From = "period", s.PeriodStart
	for _, r := range rangeChoices {
		if r.d < s.PeriodLength {
			d.Ranges = append(d.Ranges, r.name)
			if q.Get("range") == r.name {
				d.Range, d.From = r.name, now.Add(-r.d)
			}
		}
	}
	d.Ranges = append(d.Ranges, "period")
	if d.From.IsZero() || d.From.After(now) {
		d.From = now.Add(-s.PeriodLength)
	}
	for _, t := range s.Tiers {
		a := AlertRow{TierState: t, State: "inactive"}
		if t.Firing {
			a.State = "firing"
		}
		a.ExhaustionSeconds = d.ExhaustionSeconds
		d.Alerts = append(d.Alerts, a)
	}
	src, ok := b.Source(s.Source)
	var detail srestate.SLODetail
	if ok {
		detail, ok = src.SLODetail(s.Key(), d.From)
	}
	if !ok {
		d.NoHistory = "the connector that published this series keeps no history (history.max_series is 0, or it stopped)"
	}
	d.Definition, d.Rules, d.Windows, d.NoHistory = detail.Definition, detail.Rules, detail.Windows, d.NoHistory+detail.NoHistory
	d.Compliance = append([]srestate.PeriodCompliance{}, detail.Compliance...)
	d.StepSeconds = detail.Step.Seconds()
	if !detail.HistoryFrom.IsZero() {
		d.HistoryFrom = &detail.HistoryFrom
	}
	for _, p := range detail.Points {
		pj := PointJSON{At: p.At, Good: p.Good, Bad: p.Bad, BurnRates: map[string]float64{}}
		if finite(p.BudgetRemaining) {
			pj.BudgetRemaining = ptr(p.BudgetRemaining)
		}
		if finite(p.SLI) {
			pj.SLI = ptr(p.SLI)
		}
		for i, w := range detail.Windows {
			if i < len(p.BurnRates) && finite(p.BurnRates[i]) {
				pj.BurnRates[w] = p.BurnRates[i]
			}
		}
		d.History = append(d.History, pj)
	}
	for _, e := range slices.Backward(detail.Exemplars) {
		ref := ExemplarRef{Exemplar: e}
		if detail.TraceURL != "" {
			ref.URL = strings.ReplaceAll(detail.TraceURL, "{trace_id}", url.PathEscape(e.TraceID))
		}
		d.Exemplars = append(d.Exemplars, ref)
	}
	d.Corrections = append(d.Corrections, detail.Corrections...)
	d.Annotations = annotations(b, s, detail.Deployments, d.From, now)
	for _, w := range detail.Maintenance {
		switch {
		case w.Start.After(now):
			d.Upcoming = append(d.Upcoming, w)
		case w.End.After(d.From):
			end := w.End
			if end.After(now) {
				end = now
			}
			d.Annotations = append(d.Annotations, Annotation{Kind: "maintenance", At: w.Start, End: &end,
				Label: fmt.Sprintf("maintenance: %s (until %s)", w.Reason, w.End.UTC().Format(time.RFC3339))})
		}
	}
	slices.SortStableFunc(d.Annotations, func(x, y Annotation) int { return x.At.Compare(y.At) })
	return d
}

// annotations are the service's deployments in range (the board's, merged with the
// connector's version changes, one per version) and the series' incidents that overlap it.
func annotations(b *srestate.Board, s srestate.SeriesState, own []srestate.Deployment, from, now time.Time) []Annotation {
	out := []Annotation{}
	deps := append(b.Deployments(s.Service, from, now), own...)
	slices.SortStableFunc(deps, func(x, y srestate.Deployment) int { return x.At.Compare(y.At) })
	type depKey struct {
		version  string
		rollback bool
	}
	seen := map[depKey]bool{}
	for _, dep := range deps {
		k := depKey{dep.Version, dep.Rollback}
		if seen[k] || dep.At.Before(from) {
			continue
		}
		seen[k] = true
		label := "deployment of " + dep.Version
		if dep.Rollback {
			label = "rollback to " + dep.Version
		}
		out = append(out, Annotation{Kind: "deployment", At: dep.At, Label: fmt.Sprintf("%s (%s)", label, dep.Source)})
	}
	key := canonicalKey(s.SLO, s.Identity)
	for _, inc := range b.Incidents() {
		if incidentKey(inc) != key {
			continue
		}
		end := now
		if !inc.Open() {
			end = inc.Resolved
		}
		if end.Before(from) {
			continue
		}
		status := "resolved"
		if inc.Open() {
			status = "open"
		}
		out = append(out, Annotation{Kind: "incident", At: inc.Start, End: &end, URL: "/incidents/" + inc.ID,
			Label: fmt.Sprintf("incident %s (%s, peak burn %.1f×)", inc.ID, status, inc.PeakBurn)})
	}
	slices.SortStableFunc(out, func(x, y Annotation) int { return x.At.Compare(y.At) })
	return out
}

// charts draws the page's four charts from the detail, each with every annotation.
func (d *Detail) charts() []Chart {
	var marks []Mark
	for _, a := range d.Annotations {
		m := Mark{Kind: a.Kind, Label: a.Label, URL: a.URL, At: a.At}
		if a.End != nil {
			m.End = *a.End
		}
		marks = append(marks, m)
	}
	base := func(id, title, unit string) Chart {
		return Chart{ID: id, Title: title, Unit: unit, From: d.From, To: d.To, Marks: marks}
	}
	budget := base("chart-budget", "Error budget remaining", "%")
	budget.Lines = []Line{{Name: "budget remaining", Color: "#2a7", Points: d.series(func(p PointJSON) float64 { return deref(p.BudgetRemaining) })}}
	budget.Thresholds = []Threshold{{Label: "budget spent", Color: "#b00", Value: 0}}

	events := base("chart-events", fmt.Sprintf("Good and bad events per %s", time.Duration(d.StepSeconds*float64(time.Second))), "")
	events.Lines = []Line{
		{Name: "good events", Color: "#2a7", Points: d.series(func(p PointJSON) float64 { return p.Good })},
		{Name: "bad events", Color: "#d33", Points: d.series(func(p PointJSON) float64 { return p.Bad })},
	}
	sliTitle := "SLI over the period"
	if d.Kind == "latency" {
		sliTitle = "Share of requests under the latency threshold over the period (exact, from span durations)"
	}
	sli := base("chart-sli", sliTitle, "%")
	sli.Lines = []Line{{Name: "SLI", Color: "#36c", Points: d.series(func(p PointJSON) float64 { return deref(p.SLI) })}}
	sli.Thresholds = []Threshold{{Label: "objective", Color: "#b00", Value: d.Objective}}

	burn := base("chart-burn", "Burn rate per alert window (dashed: each tier's factor)", "")
	colors := []string{"#d33", "#e80", "#a6c", "#36c", "#2a7", "#777", "#555", "#000"}
	for i, w := range alertWindowNames(d.Alerts) {
		burn.Lines = append(burn.Lines, Line{Name: "burn " + w, Color: colors[i%len(colors)], Points: d.series(func(p PointJSON) float64 {
			if v, ok := p.BurnRates[w]; ok {
				return v
			}
			return math.NaN()
		})})
	}
	for _, a := range d.Alerts {
		burn.Thresholds = append(burn.Thresholds, Threshold{Label: fmt.Sprintf("%s %s/%s factor %.2f", a.Severity, a.Short, a.Long, a.Factor), Color: "#b00", Value: a.Factor})
	}
	return []Chart{budget, events, sli, burn}
}

// alertWindowNames are the windows the tiers read, shortest first.
func alertWindowNames(alerts []AlertRow) []string {
	var names []string
	for _, a := range alerts {
		for _, w := range []string{a.Short, a.Long} {
			if !slices.Contains(names, w) {
				names = append(names, w)
			}
		}
	}
	slices.SortStableFunc(names, func(a, b string) int { return cmpFloat(float64(windowDuration(a)), float64(windowDuration(b))) })
	return names
}

func (d *Detail) series(value func(PointJSON) float64) []XY {
	out := make([]XY, len(d.History))
	for i, p := range d.History {
		out[i] = XY{At: p.At, Value: value(p)}
	}
	return out
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

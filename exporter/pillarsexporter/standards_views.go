package pillarsexporter

import (
	"slices"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
)

// rotations counts pages per 12-hour shift for every on-call rotation, over the DORA period.
func (p *pillars) rotations(snaps []serviceSnapshot, episodes map[string][]standards.Incident, now time.Time) map[string]standards.ShiftLoad {
	pages := map[string][]time.Time{}
	known := map[string]bool{}
	observed := map[string]time.Duration{}
	from := now.Add(-p.cfg.Dora.Period)
	for i := range snaps {
		service := p.serviceName(snaps[i].labels)
		r := p.rotationOf(service, snaps[i].std.team)
		for _, e := range episodes[service] {
			if !e.Start.Before(from) {
				pages[r] = append(pages[r], e.Start)
			}
		}
		known[r] = known[r] || snaps[i].maturity.AlertingCanFire
		observed[r] = max(observed[r], min(now.Sub(snaps[i].firstSeen), p.cfg.Dora.Period))
	}
	out := make(map[string]standards.ShiftLoad, len(known))
	for r := range known {
		out[r] = standards.CountShifts(r, pages[r], observed[r], known[r])
	}
	return out
}

// projectStandards puts the standards views, pager load and cost budgets on the scorecard.
func (p *pillars) projectStandards(card *Scorecard, snaps []serviceSnapshot, findings map[string][]standards.Finding, rotations map[string]standards.ShiftLoad, now time.Time) {
	cfg := p.cfg.Standards
	pricing := cfg.pricing()
	for _, b := range cfg.Budgets {
		name := b.Name
		if name == "" {
			name = b.Service
		}
		if name == "" {
			name = "all"
		}
		// The run rate is over what was observed: from the first day with usage this month, or
		// from when the first of the services was first seen, whichever is later.
		cost, since, firstSeen := 0.0, time.Time{}, time.Time{}
		for i := range snaps {
			if b.Service != "" && p.serviceName(snaps[i].labels) != b.Service {
				continue
			}
			c, s := snaps[i].std.usage.MonthToDate(pricing, now)
			cost += c
			if !s.IsZero() && (since.IsZero() || s.Before(since)) {
				since = s
			}
			if firstSeen.IsZero() || snaps[i].firstSeen.Before(firstSeen) {
				firstSeen = snaps[i].firstSeen
			}
		}
		f := standards.Forecast{}
		if !since.IsZero() {
			f = standards.ForecastMonth(b.Monthly, cost, maxTime(since, firstSeen), now)
		}
		fd := standards.BudgetFinding(name, f, pricing)
		findings[fd.Check] = append(findings[fd.Check], fd)
		card.CostBudgets = append(card.CostBudgets, BudgetJSON{Name: name, Service: b.Service, Currency: pricing.Currency, Forecast: f, Status: fd.Status, Evidence: fd.Evidence})
	}
	for _, r := range rotations {
		card.PagerLoad = append(card.PagerLoad, r)
	}
	slices.SortFunc(card.PagerLoad, func(a, b standards.ShiftLoad) int { return b.MaxPerShift - a.MaxPerShift })
	remediation := map[string]string{}
	for id, r := range standards.Rules {
		remediation[id] = r.Remediation
	}
	for _, d := range p.defsRemediation() {
		remediation[d[0]] = d[1]
	}
	card.StandardsChecks = standardsChecks
	card.Frameworks = make(map[string]standards.View, len(cfg.Frameworks))
	card.standards = make(map[string]standards.View, len(cfg.Frameworks))
	exemptions := cfg.exemptions()
	for _, id := range cfg.Frameworks {
		f, _ := standards.Lookup(id)
		v := standards.Evaluate(f, findings, remediation, exemptions, now)
		card.standards[id], card.Frameworks[id] = v, v.WithoutTitles()
	}
}

// defsRemediation is the pillars registry's remediation per check, for the checks the
// catalogues cite.
func (p *pillars) defsRemediation() [][2]string {
	var out [][2]string
	for _, d := range p.checksFor(p.targetsFor(ServiceProfile{})) {
		if cited[string(d.ID)] {
			out = append(out, [2]string{string(d.ID), d.Remediation})
		}
	}
	return out
}

// checkReferences are the controls each check evidences; standardsChecks the standards views'
// own checks, explained. Both are the catalogue's, fixed at start.
var (
	checkReferences = standards.References()
	standardsChecks = func() []StandardsCheckJSON {
		out := make([]StandardsCheckJSON, 0, len(standards.Rules))
		for id, r := range standards.Rules {
			out = append(out, StandardsCheckJSON{ID: id, Pass: r.Pass, Remediation: r.Remediation, References: checkReferences[id]})
		}
		slices.SortFunc(out, func(a, b StandardsCheckJSON) int { return strings.Compare(a.ID, b.ID) })
		return out
	}()
)

package pillarsexporter

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
)

func standardsDescs(descs map[string]*prometheus.Desc) {
	add := func(name, help string, labels ...string) { descs[name] = prometheus.NewDesc(name, help, labels, nil) }
	add("compliance_control_status", "1 for a measurable control's current status (pass, fail, insufficient_data, not_applicable, exempt), over every service; a telemetry-derived view, not an audit.", "framework", "control", "status")
	add("compliance_controls", "Controls of a framework's group that telemetry can evidence (measurable=true) and cannot (measurable=false).", "framework", "group", "measurable")
	add("compliance_controls_by_status", "Controls of a framework with each status.", "framework", "status")
	add("finops_cost_budget_forecast_ratio", "The month's forecast estimated cost as a share of the budget.", "budget")
	add("finops_cost_budget_alert", "1 while the month's forecast reaches the threshold share of the budget (0.5, 0.8, 1).", "budget", "threshold")
	add("sre_pager_load_max_pages_per_shift", "Most pages in one 12-hour shift of the rotation over the DORA period (the SRE book's ceiling is 2).", "rotation")
}

func collectStandards(card *Scorecard, gauge func(name string, v float64, labels ...string)) {
	for id, v := range card.Frameworks {
		for _, c := range v.Controls {
			// Not-measurable controls never change: compliance_controls counts them.
			if c.Status != standards.NotMeasurable {
				gauge("compliance_control_status", 1, id, c.ID, string(c.Status))
			}
		}
		for _, g := range v.Groups {
			gauge("compliance_controls", float64(g.Measured), id, g.ID, "true")
			gauge("compliance_controls", float64(g.NotMeasurable), id, g.ID, "false")
		}
		for _, st := range standards.Statuses {
			gauge("compliance_controls_by_status", float64(v.Coverage.Counts[st]), id, string(st))
		}
	}
	for _, b := range card.CostBudgets {
		if !b.Forecast.Known {
			continue
		}
		gauge("finops_cost_budget_forecast_ratio", b.Forecast.Ratio, b.Name)
		for _, a := range b.Forecast.Alerts {
			v := 0.0
			if a.Active {
				v = 1
			}
			gauge("finops_cost_budget_alert", v, b.Name, formatFloat(a.Threshold, 1))
		}
	}
	for _, r := range card.PagerLoad {
		gauge("sre_pager_load_max_pages_per_shift", float64(r.MaxPerShift), r.Rotation)
	}
}

// unitLabel is what finops_unit_cost_estimate counts in.
func (p *pillars) unitLabel() string {
	if pr := p.cfg.Standards.pricing(); pr.Set() {
		return pr.Currency
	}
	return "cpu_seconds"
}

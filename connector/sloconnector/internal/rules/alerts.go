package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
)

// alertRules are the SLO's alerts: the burn-rate alert per severity (from the connector's state
// or evaluated by Prometheus), budget exhaustion, and absent metrics.
func (sc scope) alertRules() []rulefmt.Rule {
	a, spec, alertSource := sc.slo.Alerting, sc.slo.Spec, sc.slo.AlertSource
	var alerts []rulefmt.Rule
	for _, sev := range window.Severities {
		if !hasSeverity(spec, sev) {
			continue // disabled
		}
		expr := sc.connectorAlert(sev)
		if alertSource != SourceConnector {
			expr = sc.burnRateAlert(spec, sev)
		}
		if expr == "" {
			continue
		}
		labels := merge(sc.with(map[string]string{"sloth_severity": sev}), a.Labels, a.severity(sev).Labels)
		alerts = append(alerts, rulefmt.Rule{Alert: a.Name, Expr: expr, Labels: labels, Annotations: sc.annotations(sev)})
	}
	if !a.BudgetExhausted.Disable {
		threshold := strconv.FormatFloat(a.BudgetExhausted.Threshold, 'g', -1, 64)
		expr := fmt.Sprintf("slo:period_error_budget_remaining:ratio%s <= %s", sc.match(), threshold)
		if alertSource == SourceConnector {
			expr = sc.identify(fmt.Sprintf(`max%s(slo_error_budget_exhausted{%s}) == 1`, sc.by, sc.selector))
		}
		annotations := sc.baseAnnotations()
		annotations["title"] = fmt.Sprintf("%s %s SLO error budget is exhausted.", sc.serviceText(), sc.slo.Name)
		annotations["summary"] = fmt.Sprintf("%s %s has %s or less of its error budget left for the period (objective %s%%).",
			sc.serviceText(), sc.slo.Name, threshold, strconv.FormatFloat(sc.slo.ObjectivePercent, 'g', -1, 64))
		alerts = append(alerts, rulefmt.Rule{Alert: "SLOErrorBudgetExhausted", Expr: expr,
			Labels:      merge(sc.with(map[string]string{"sloth_severity": "ticket"}), a.Labels, a.BudgetExhausted.Labels),
			Annotations: merge(annotations, a.Annotations, a.BudgetExhausted.Annotations)})
	}
	if !a.Absent.Disable {
		alerts = append(alerts, rulefmt.Rule{Alert: "SLOMetricAbsent", Expr: fmt.Sprintf("absent(slo_window_events{%s}) == 1", sc.selector),
			For:    model.Duration(a.Absent.For),
			Labels: merge(sc.with(map[string]string{"sloth_severity": "page"}), a.Labels, a.Absent.Labels),
			Annotations: merge(sc.baseAnnotations(), map[string]string{
				"title":   fmt.Sprintf("%s SLO metrics are absent.", sc.slo.Name),
				"summary": fmt.Sprintf("No slo_window_events for SLO %s for %s: the collector that evaluates it is down or no longer receives its spans.", sc.slo.Name, model.Duration(a.Absent.For).String()),
			})})
	}
	return alerts
}

func hasSeverity(spec window.Spec, sev string) bool {
	for _, t := range spec.Tiers {
		if t.Severity == sev {
			return true
		}
	}
	return false
}

// serviceText names the service in annotations. Templates see the expression's labels only,
// not the rule's own, so a static service is written out.
func (sc scope) serviceText() string {
	if sc.perService {
		return "{{$labels.sloth_service}}"
	}
	return sc.slo.Service
}

// baseAnnotations are the SLO's description and runbook.
func (sc scope) baseAnnotations() map[string]string {
	a := map[string]string{}
	if sc.slo.Description != "" {
		a["description"] = sc.slo.Description
	}
	if sc.slo.RunbookURL != "" {
		a["runbook_url"] = sc.slo.RunbookURL
	}
	return a
}

// merge copies each map over dst in order, later ones winning.
func merge(dst map[string]string, maps ...map[string]string) map[string]string {
	for _, m := range maps {
		for k, v := range m {
			dst[k] = v
		}
	}
	return dst
}

// burnRateAlert ORs the severity's MWMB tiers over the Sloth recordings, each guarded by
// min_valid_events on its long window; "" when no tier of it can ever fire.
func (sc scope) burnRateAlert(spec window.Spec, sev string) string {
	var clauses []string
	for _, tier := range spec.Tiers {
		if tier.Severity != sev {
			continue
		}
		long, _ := spec.WindowDuration(tier.Long)
		if tier.BudgetFraction*float64(spec.Period.Shortest())/float64(long)*(1-spec.Objective) >= 1 {
			continue // can never fire, even in the shortest period; the connector logs this at start
		}
		threshold := sc.threshold(spec, tier)
		clause := fmt.Sprintf("(max(slo:sli_error:ratio_rate%s%s > (%s)) without (sloth_window) and max(slo:sli_error:ratio_rate%s%s > (%s)) without (sloth_window))",
			tier.Short, sc.match(), threshold, tier.Long, sc.match(), threshold)
		if spec.MinValidEvents > 0 {
			clause = fmt.Sprintf("(%s and on(%s) (%s >= %s))", clause, strings.Join(sc.groupBy, ", "), sc.validEvents(tier.Long), strconv.FormatFloat(spec.MinValidEvents, 'g', -1, 64))
		}
		clauses = append(clauses, clause)
	}
	return strings.Join(clauses, "\nor\n")
}

// threshold is the tier's error-ratio threshold, factor × (1 − objective), evaluated by
// Prometheus as the connector computes it. A calendar period's factor uses the length of the
// current period that the connector reports: 14.88 in a 31-day month, 14.4 in a 30-day one,
// 14.86 in a Berlin March that loses an hour.
func (sc scope) threshold(spec window.Spec, tier window.AlertTier) string {
	budget := "(1 - " + strconv.FormatFloat(spec.Objective, 'g', -1, 64) + ")"
	if !spec.Period.IsCalendar() {
		return strconv.FormatFloat(spec.BurnFactor(tier, time.Time{}), 'g', 6, 64) + " * " + budget
	}
	long, _ := spec.WindowDuration(tier.Long)
	return fmt.Sprintf("(%s * %s / %s) * %s", strconv.FormatFloat(tier.BudgetFraction, 'g', -1, 64), sc.periodSeconds(),
		strconv.FormatFloat(long.Seconds(), 'g', -1, 64), budget)
}

// periodSeconds is the current calendar period's length as the connector reports it.
func (sc scope) periodSeconds() string {
	return fmt.Sprintf("scalar(max(slo_period_length{%s}))", sc.selector)
}

// connectorAlert fires on the connector's own MWMB state, which already applies the tiers and
// the min_valid_events guard.
func (sc scope) connectorAlert(sev string) string {
	return sc.identify(fmt.Sprintf(`max%s(slo_alert_active{%s,slo_alert_severity=%q}) == 1`, sc.by, sc.selector, sev))
}

// annotations are Sloth's title and summary plus the SLO's description, runbook and its own
// annotations, which win over the defaults.
func (sc scope) annotations(sev string) map[string]string {
	a := sc.baseAnnotations()
	service := sc.serviceText()
	a["title"] = fmt.Sprintf("(%s) %s %s SLO error budget burn rate is too fast.", sev, service, sc.slo.Name)
	a["summary"] = fmt.Sprintf("%s %s SLO error budget burn rate is over the %s threshold (objective %s%%).", service, sc.slo.Name, sev, strconv.FormatFloat(sc.slo.ObjectivePercent, 'g', -1, 64))
	return merge(a, sc.slo.Alerting.Annotations, sc.slo.Alerting.severity(sev).Annotations)
}

package score

// Criterion is one measurable condition of a maturity level.
type Criterion struct {
	Level    int
	ID       string
	Met      bool
	Evidence string
}

// MaturityInputs are the facts the ladder is judged on. None of them requires a failure: a
// healthy team climbs to 4 without an incident or an exhausted budget.
type MaturityInputs struct {
	TelemetryArrives bool // any signal from the service
	SLOWithData      bool // an SLO with valid events
	AlertingCanFire  bool // burn-rate alert state present and the alert window holds min_valid_events
	SLOMetForPeriod  bool // a full SLO period observed with budget left (or a closed period met)
	// BudgetPolicyFollowed is false when a deployment other than a rollback went out while the
	// budget was exhausted; true when it never was, or every deploy then was a rollback.
	BudgetPolicyFollowed bool
}

// Maturity returns the SRE maturity level 0–4 and every criterion. A level counts only when its
// criteria and those of every lower level pass (a gated ladder, as OpsLevel and GitLab's
// service maturity model use).
func Maturity(in MaturityInputs) (int, []Criterion) {
	criteria := []Criterion{
		{1, "telemetry_arrives", in.TelemetryArrives, "spans, metrics or logs received from the service"},
		{2, "slo_with_data", in.SLOWithData, "an SLO with valid events"},
		{3, "burn_rate_alerting", in.AlertingCanFire, "burn-rate alert state (slo.alert.active) with at least min_valid_events in the alert window, so an alert can fire"},
		{4, "slo_met_over_a_period", in.SLOMetForPeriod, "the SLO met over a full period"},
		{4, "error_budget_policy", in.BudgetPolicyFollowed, "no deployment but rollbacks while the error budget was exhausted"},
	}
	level := 0
	for l := 1; l <= 4; l++ {
		for _, c := range criteria {
			if c.Level == l && !c.Met {
				return level, criteria
			}
		}
		level = l
	}
	return level, criteria
}

package score

// Criterion is one measurable condition of a maturity level.
type Criterion struct {
	Level    int
	ID       string
	Met      bool
	Evidence string
}

// MaturityInputs are the facts the ladder is judged on.
type MaturityInputs struct {
	TelemetryArrives   bool // any signal from the service
	SLOsMeasured       int  // SLOs with valid events
	BurnRateAlerting   bool // slo.alert.active series present
	MTTRTracked        bool // at least one resolved incident with a recovery time
	BudgetPolicyActive bool // deployments paused or slowed while the budget was exhausted
	BudgetExhausted    bool // the budget was exhausted at some point in the period
}

// Maturity returns the SRE maturity level 0–4 and every criterion. A level counts only when its
// criteria and those of every lower level pass (a gated ladder, as OpsLevel and GitLab's
// service maturity model use).
func Maturity(in MaturityInputs) (int, []Criterion) {
	criteria := []Criterion{
		{1, "telemetry_arrives", in.TelemetryArrives, "spans, metrics or logs received from the service"},
		{2, "slos_measured", in.SLOsMeasured > 0, "at least one SLO with valid events"},
		{3, "burn_rate_alerting", in.BurnRateAlerting, "multi-window burn-rate alert state (slo.alert.active) present"},
		{3, "mttr_tracked", in.MTTRTracked, "at least one incident resolved with a measured recovery time"},
		{4, "error_budget_policy", in.BudgetExhausted && in.BudgetPolicyActive,
			"deployments paused or slowed while the error budget was exhausted"},
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

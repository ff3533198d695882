package standards

// finOps is the FinOps Framework's capabilities by domain (the 2024 framework; the 2026
// revision renames some, and which domain each belongs to there is unconfirmed).
func finOps() Framework {
	u := func(id, t string, checks ...string) Control { return ctl("understand", id, t, checks...) }
	q := func(id, t string, checks ...string) Control { return ctl("quantify", id, t, checks...) }
	o := func(id, t string, checks ...string) Control { return ctl("optimize", id, t, checks...) }
	m := func(id, t string, checks ...string) Control { return ctl("manage", id, t, checks...) }
	return Framework{
		ID: FinOps, Title: "FinOps Framework", Source: "FinOps Foundation framework capabilities (figures here are estimates from resource telemetry and configured prices, never billed cost)",
		Groups: []Group{
			{"understand", "Understand Usage & Cost", "billing data ingestion and reporting need the provider's bill, which the collector does not receive"},
			{"quantify", "Quantify Business Value", "planning and benchmarking are business processes"},
			{"optimize", "Optimize Usage & Cost", "rate, licence and architecture decisions need billing and contract data"},
			{"manage", "Manage the FinOps Practice", "the practice's operations, policy, education and chargeback are organisational"},
		},
		Controls: []Control{
			u("data_ingestion", "Data Ingestion"), u("allocation", "Allocation", CheckCostAllocation),
			u("reporting_analytics", "Reporting & Analytics"), u("anomaly_management", "Anomaly Management", CheckCostAnomaly),
			q("planning_estimating", "Planning & Estimating"), q("forecasting", "Forecasting", CheckCostBudget),
			q("budgeting", "Budgeting", CheckCostBudget), q("benchmarking", "Benchmarking"), q("unit_economics", "Unit Economics", CheckUnitCost),
			o("architecting_for_cloud", "Architecting for Cloud"), o("workload_optimization", "Workload Optimization", CheckIdleRequested, CheckIdleCapacity),
			o("rate_optimization", "Rate Optimization"), o("licensing_saas", "Licensing & SaaS"),
			o("cloud_sustainability", "Cloud Sustainability", CheckCPUUtilization),
			m("practice_operations", "FinOps Practice Operations"), m("policy_governance", "Policy & Governance"),
			m("assessment", "FinOps Assessment"), m("tools_services", "FinOps Tools & Services"),
			m("education_enablement", "FinOps Education & Enablement"), m("invoicing_chargeback", "Invoicing & Chargeback"),
			m("onboarding_workloads", "Onboarding Workloads"), m("intersecting_disciplines", "Intersecting Disciplines"),
		},
	}
}

// dora is DORA's five software delivery metrics (dora.dev): throughput and instability.
func dora() Framework {
	return Framework{
		ID: DORA, Title: "DORA software delivery performance", Source: "dora.dev metrics (2024: five metrics; failed deployment recovery time replaced MTTR in 2023)",
		Groups: []Group{{"throughput", "Throughput", ""}, {"instability", "Instability", ""}},
		Controls: []Control{
			ctl("throughput", "change_lead_time", "Change lead time", CheckLeadTime),
			ctl("throughput", "deployment_frequency", "Deployment frequency", CheckDeploymentFrequency),
			ctl("throughput", "failed_deployment_recovery_time", "Failed deployment recovery time", CheckRecoveryTime),
			ctl("instability", "change_fail_rate", "Change fail rate", CheckChangeFailureRate),
			ctl("instability", "deployment_rework_rate", "Deployment rework rate", CheckReworkRate),
		},
	}
}

// googleSRE is the SRE book's on-call ceiling and toil indicators.
func googleSRE() Framework {
	return Framework{
		ID: GoogleSRE, Title: "Google SRE: on-call load and toil", Source: "Site Reliability Engineering (2016), ch. 5 and 11; The Site Reliability Workbook, ch. 6",
		Groups: []Group{{"oncall", "On-call", "time spent on call is in rotas and HR systems, not telemetry"}, {"toil", "Toil", "time spent is measured by surveys and time tracking, not telemetry"}},
		Controls: []Control{
			ctl("oncall", "pager_load", "At most 2 incidents per 12-hour on-call shift", CheckPagerLoad),
			ctl("oncall", "oncall_time_share", "At most 25 % of an SRE's time on call"),
			ctl("toil", "unplanned_restarts", "Restarts that no deployment explains (a toil indicator)", CheckToilRestarts),
			ctl("toil", "manual_deployments", "Deployments triggered by hand (a toil indicator)", CheckToilManualDeploys),
			{ID: "toil_share", Title: "Toil under 50 % of an SRE's time", Group: "toil",
				NotMeasurable: "toil as a share of time needs surveys or time tracking; telemetry shows only the indicators above"},
		},
	}
}

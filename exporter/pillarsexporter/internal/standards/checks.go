package standards

// The checks this package measures. The catalogues also cite the pillars registry's checks
// (security.tls, reliability.error_budget, operations.*, …) by their IDs.
const (
	CheckLogCoverage         = "standards.log_coverage"
	CheckLogCorrelation      = "standards.log_correlation"
	CheckRuntimeMonitoring   = "standards.runtime_monitoring"
	CheckClockSkew           = "standards.clock_skew"
	CheckCapacityHeadroom    = "standards.capacity_headroom"
	CheckRedundancy          = "standards.redundancy"
	CheckInventory           = "standards.inventory"
	CheckDataFlows           = "standards.data_flows"
	CheckExternalMonitoring  = "standards.external_monitoring"
	CheckChangeTraceability  = "standards.change_traceability"
	CheckDetectionDelay      = "standards.detection_to_declaration"
	CheckRecoveryConfirmed   = "standards.recovery_confirmed"
	CheckIncidentEvidence    = "standards.incident_evidence"
	CheckCostAllocation      = "finops.allocation"
	CheckUnitCost            = "finops.unit_cost"
	CheckCostAnomaly         = "finops.cost_anomaly"
	CheckIdleRequested       = "finops.idle_requested"
	CheckCostBudget          = "finops.budget"
	CheckReworkRate          = "dora.rework_rate"
	CheckPagerLoad           = "sre.pager_load"
	CheckToilRestarts        = "sre.toil_restarts"
	CheckToilManualDeploys   = "sre.toil_manual_deploys"
	CheckTLS                 = "security.tls"
	CheckErrorBudget         = "reliability.error_budget"
	CheckDeploymentFrequency = "operations.deployment_frequency"
	CheckLeadTime            = "operations.lead_time"
	CheckChangeFailureRate   = "operations.change_failure_rate"
	CheckRecoveryTime        = "operations.time_to_restore"
	CheckCPUUtilization      = "sustainability.cpu_utilization"
	CheckIdleCapacity        = "cost.idle_capacity"
)

// Rules says, for each check of this package, what passes, and how to fix a failure.
var Rules = map[string]Rule{
	CheckLogCoverage:        {"a service seen in traces also sends log records in the window", "Send application logs through the OTel SDK's log bridge or the filelog receiver, with the same service.name."},
	CheckLogCorrelation:     {"at least 90 % of the service's log records carry a trace ID", "Log inside spans with the SDK's log bridge (or inject trace_id into structured logs) so records join their traces."},
	CheckRuntimeMonitoring:  {"request, error and latency telemetry: SERVER spans, or http.server.request.duration points", "Instrument the service's entry points (HTTP/gRPC server instrumentation) so requests, errors and latency are measured."},
	CheckClockSkew:          {"no log record's event time is more than 1 s ahead of the time it was observed, over records whose two times come from different clocks", "Run NTP/chrony on the hosts that stamp these records; a record dated in the future of its collection comes from a clock running ahead."},
	CheckCapacityHeadroom:   {"peak CPU and memory utilisation against limits under 80 %, and no restart that no deployment explains", "Raise the limits or scale out; find the cause of restarts (OOM kills show as restarts without a deployment)."},
	CheckRedundancy:         {"a production service runs at least 2 instances in at least 2 availability zones", "Run replicas across zones (topology spread constraints, multi-AZ groups) and report service.instance.id and cloud.availability_zone."},
	CheckInventory:          {"a real service.name (not unknown_service), service.version and deployment.environment.name", "Set OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES=service.version=…,deployment.environment.name=… on every service."},
	CheckDataFlows:          {"at least 95 % of the service's CLIENT spans name their peer (peer.service, server.address, db.system, messaging.system, rpc.service) or are answered by a traced SERVER span", "Use instrumentation that records the peer of outgoing calls, and propagate trace context so callees join the graph."},
	CheckExternalMonitoring: {"calls to hosts outside the cluster are traced (CLIENT spans with a non-cluster server.address)", "Instrument outgoing HTTP clients so third-party calls show up with their outcome and latency."},
	CheckChangeTraceability: {"every deployment in the period carries a revision (vcs.ref.head.revision), and a change ID (vcs.change.id) as well with require_change_id", "Report deployments from CI/CD with the commit and the pull request or change ticket that shipped them."},
	CheckDetectionDelay:     {"median time from the burn starting to the incident opening is within the detection target", "Page on multi-window burn rates with a short window, so incidents open minutes after the burn begins."},
	CheckRecoveryConfirmed:  {"after each resolved incident the service stays out of page-level burn for the confirmation time", "Resolve only once the SLI is back within the SLO; re-pages within the confirmation time mean the fix did not hold."},
	CheckIncidentEvidence:   {"every incident in the period keeps exemplar traces (and its postmortem draft)", "Keep exemplars on: the slo connector attaches bad-event traces to incidents when spans carry trace IDs."},
	CheckCostAllocation:     {"the service's resource use (CPU time, memory) arrives on metrics carrying its identity", "Send process.*, container.* or k8s.pod.* metrics with service.name (k8sattributes, resourcedetection)."},
	CheckUnitCost:           {"estimated cost (or resource use) per 1 000 requests can be computed for the week", "Send both resource metrics and request telemetry for the service, and set pricing: to see money."},
	CheckCostAnomaly:        {"the estimated cost per 1 000 requests rose less than 25 % week on week", "Look for the change that made requests dearer: a deployment, a retry storm, a chattier dependency."},
	CheckIdleRequested:      {"requested but unused capacity (OpenCost's idle) is under 50 % of what is requested", "Lower CPU and memory requests to what the service uses, or let a vertical autoscaler set them."},
	CheckCostBudget:         {"the month's forecast estimated cost stays under the configured budget", "Cut the costliest services' idle capacity first, or raise the budget knowingly."},
	CheckReworkRate:         {"at most 15 % of deployments are unplanned rework (rollbacks, or deployments made while an incident of the service is open)", "Catch failures before production (canaries, automated rollback on burn) so fewer deployments repair others."},
	CheckPagerLoad:          {"at most 2 pages in any 12-hour shift of the service's on-call rotation (the SRE book's ceiling)", "Move non-urgent alerts to tickets and fix the causes of repeated pages."},
	CheckToilRestarts:       {"no restart in the window that no deployment explains", "Find why instances restart (OOM, failed probes, crashes) and fix the cause instead of relying on restarts."},
	CheckToilManualDeploys:  {"at most 10 % of CI/CD deployments were triggered by hand", "Trigger deployments from merges; keep manual dispatch for emergencies."},
}

// Rule is a check's pass rule and remediation.
type Rule struct{ Pass, Remediation string }

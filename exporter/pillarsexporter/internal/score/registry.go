package score

import "fmt"

// CheckID names a built-in check. Every ID is declared here once.
type CheckID string

// The built-in checks.
const (
	CheckErrorBudget         CheckID = "reliability.error_budget"
	CheckSuccessRatio        CheckID = "reliability.success_ratio"
	CheckExceptions          CheckID = "reliability.exceptions"
	CheckLatencyP95          CheckID = "performance.latency_p95"
	CheckTLS                 CheckID = "security.tls"
	CheckAuthFailures        CheckID = "security.auth_failures"
	CheckSpansPerRequest     CheckID = "cost.spans_per_request"
	CheckBytesPerRequest     CheckID = "cost.bytes_per_request"
	CheckSamplingKeepRatio   CheckID = "cost.sampling_keep_ratio"
	CheckIdleCapacity        CheckID = "cost.idle_capacity"
	CheckCPUUtilization      CheckID = "sustainability.cpu_utilization"
	CheckDeploymentFrequency CheckID = "operations.deployment_frequency"
	CheckLeadTime            CheckID = "operations.lead_time"
	CheckChangeFailureRate   CheckID = "operations.change_failure_rate"
	CheckTimeToRestore       CheckID = "operations.time_to_restore"
	CheckAlertNoise          CheckID = "operations.alert_noise"
)

// Refs are the framework items a check maps to: an AWS Well-Architected best practice (or
// question, where no single best practice fits), an Azure Well-Architected checklist code and
// the Google Cloud Well-Architected pillar.
type Refs struct {
	AWS   string `json:"aws"`
	Azure string `json:"azure"`
	GCP   string `json:"gcp"`
}

// Measurement is one check's value for one service.
type Measurement struct {
	Value, Events, MinEvents float64
	HasData, NotApplicable   bool
	Reason                   string
	Inputs                   []string
}

// Def is a built-in check: where it belongs, how it is scored, how it is measured and how to
// fix it.
type Def struct {
	ID          CheckID
	Pillar      string
	Weight      float64
	Key         bool
	Norm        Normaliser
	Formula     string
	Remediation string
	Refs        Refs
	Measure     func(*Evidence, Targets) Measurement
}

func ratioOf(n, d, minEvents float64, inputs string) Measurement {
	m := Measurement{Events: d, MinEvents: minEvents, Inputs: []string{inputs}, HasData: d > 0}
	if d > 0 {
		m.Value = n / d
	} else {
		m.Reason = "no events in the window"
	}
	return m
}

func lin(good, bad float64) Normaliser { return Normaliser{Method: Linear, Good: good, Bad: bad} }

// Registry returns the built-in checks, scored against t.
func Registry(t Targets) []Def {
	return []Def{
		{
			ID:          CheckErrorBudget,
			Pillar:      Reliability,
			Weight:      3,
			Key:         true,
			Norm:        Normaliser{Method: Verdict},
			Formula:     "error-budget policy over the service's SLOs: pass while budget remains on track, warning when projected to run out before the period ends or a ticket alert is active, fail when exhausted or a page alert is active",
			Remediation: "Stop risky releases and spend engineering time on the SLO's top bad-event causes until the burn rate is back under 1.",
			Refs:        Refs{AWS: "REL11-BP07", Azure: "RE:04", GCP: "Reliability: set realistic targets"},
			Measure:     measureBudget,
		},
		{
			ID:          CheckSuccessRatio,
			Pillar:      Reliability,
			Weight:      3,
			Key:         true,
			Norm:        lin(0.999, 0.95),
			Formula:     "share of server spans that are not errors (status ERROR or HTTP 5xx) in the window; only without an SLO budget",
			Remediation: "Define an SLO for this service in the slo connector; meanwhile fix the top error routes (see exemplars).",
			Refs:        Refs{AWS: "REL06-BP01", Azure: "RE:10", GCP: "Reliability: define reliability based on user-experience goals"},
			Measure:     measureSuccess,
		},
		{
			ID:          CheckExceptions,
			Pillar:      Reliability,
			Weight:      1,
			Norm:        lin(0.001, 0.05),
			Formula:     "spans carrying an exception event per server request in the window",
			Remediation: "Handle or fix the most frequent exception types; an exception on a healthy path is a latent failure.",
			Refs:        Refs{AWS: "REL11-BP01", Azure: "RE:07", GCP: "Reliability: detect potential failures by using observability"},
			Measure:     measureExceptions,
		},
		{
			ID:          CheckLatencyP95,
			Pillar:      PerformanceEfficiency,
			Weight:      1,
			Norm:        lin(t.LatencyP95Ms, 2*t.LatencyP95Ms),
			Formula:     fmt.Sprintf("p95 of server span durations in the window against the %.0f ms target", t.LatencyP95Ms),
			Remediation: "Profile the slowest routes in the exemplar traces; add caching or capacity where the p95 is spent.",
			Refs:        Refs{AWS: "PERF05-BP02", Azure: "PE:04", GCP: "Performance optimization: monitor and analyze performance"},
			Measure:     measureLatency,
		},
		{
			ID:          CheckTLS,
			Pillar:      Security,
			Weight:      1,
			Norm:        lin(0.99, 0.90),
			Formula:     "share of requests over TLS, only where TLS can be seen: server spans of services declaring tls_termination: app, and CLIENT spans to hosts outside the cluster",
			Remediation: "Serve and call over HTTPS/TLS; for calls leaving the cluster use https:// endpoints.",
			Refs:        Refs{AWS: "SEC09-BP02", Azure: "SE:07", GCP: "Security, privacy, and compliance: encrypt data in transit"},
			Measure:     measureTLS,
		},
		{
			ID:          CheckAuthFailures,
			Pillar:      Security,
			Weight:      1,
			Norm:        lin(0.01, 0.10),
			Formula:     "share of server responses with HTTP 401 or 403 in the window; their absence alone is no evidence of access control",
			Remediation: "Look for a misconfigured client or credential rotation; sustained 401/403 can also be probing.",
			Refs:        Refs{AWS: "SEC04-BP01", Azure: "SE:05", GCP: "Security, privacy, and compliance: manage identity and access"},
			Measure:     measureAuth,
		},
		{
			ID:          CheckSpansPerRequest,
			Pillar:      CostOptimization,
			Weight:      1,
			Norm:        Normaliser{Method: LogLinear, Good: 10, Bad: 1000},
			Formula:     "spans per server request in the window",
			Remediation: "Drop or aggregate chatty internal spans (loops, per-row queries) in the instrumentation.",
			Refs:        Refs{AWS: "COST03", Azure: "CO:07", GCP: "Cost optimization: optimize resource usage"},
			Measure:     measureSpansPerRequest,
		},
		{
			ID:          CheckBytesPerRequest,
			Pillar:      CostOptimization,
			Weight:      1,
			Norm:        Normaliser{Method: LogLinear, Good: 4096, Bad: 1 << 20},
			Formula:     "OTLP bytes of spans per server request in the window",
			Remediation: "Remove large attributes (payloads, SQL with values, stack traces on success) from spans.",
			Refs:        Refs{AWS: "COST03", Azure: "CO:07", GCP: "Cost optimization: optimize resource usage"},
			Measure:     measureBytesPerRequest,
		},
		{
			ID:          CheckSamplingKeepRatio,
			Pillar:      CostOptimization,
			Weight:      0.5,
			Norm:        lin(0.05, 1),
			Formula:     fmt.Sprintf("spans sre_sampling kept ÷ spans it decided on (from the sre_state board), or Σ1 ÷ Σ adjusted count of a sampled stream; only above %.0f spans/s", t.KeepRatioMinSpansPerSecond),
			Remediation: "Sample head or tail (sre_sampling) so backends store a consistent share of ordinary traffic.",
			Refs:        Refs{AWS: "COST03", Azure: "CO:07", GCP: "Cost optimization: optimize resource usage"},
			Measure:     measureKeepRatio,
		},
		{
			ID:          CheckIdleCapacity,
			Pillar:      CostOptimization,
			Weight:      1,
			Norm:        lin(0.6, 0.1),
			Formula:     "mean CPU utilisation of this service (process, container or k8s pod CPU carrying its identity)",
			Remediation: "Right-size: fewer or smaller replicas, or autoscaling on utilisation.",
			Refs:        Refs{AWS: "COST06", Azure: "CO:07", GCP: "Cost optimization: optimize resource usage"},
			Measure:     measureCPU,
		},
		{
			ID:          CheckCPUUtilization,
			Pillar:      Sustainability,
			Weight:      1,
			Norm:        lin(0.4, 0.05),
			Formula:     "mean CPU utilisation of this service (process, container or k8s pod CPU carrying its identity)",
			Remediation: "Consolidate under-used replicas so the hardware that runs is used.",
			Refs:        Refs{AWS: "SUS05-BP01", Azure: "CO:07", GCP: "Sustainability: use resources efficiently"},
			Measure:     measureCPU,
		},
		{
			ID:          CheckDeploymentFrequency,
			Pillar:      OperationalExcellence,
			Weight:      1,
			Norm:        Normaliser{Method: Band},
			Formula:     "DORA deployment frequency level over the observed history",
			Remediation: "Ship smaller changes more often through an automated pipeline.",
			Refs:        Refs{AWS: "OPS05", Azure: "OE:06", GCP: "Operational excellence: automate and manage change"},
			Measure:     measureDora("deployment_frequency"),
		},
		{
			ID:          CheckLeadTime,
			Pillar:      OperationalExcellence,
			Weight:      1,
			Norm:        Normaliser{Method: Band},
			Formula:     "DORA change lead time level: median commit → deploy",
			Remediation: "Shorten review and pipeline queues; send commit timestamps (vcs.ref.head.revision.timestamp) with deployments.",
			Refs:        Refs{AWS: "OPS05", Azure: "OE:06", GCP: "Operational excellence: automate and manage change"},
			Measure:     measureDora("lead_time"),
		},
		{
			ID:          CheckChangeFailureRate,
			Pillar:      OperationalExcellence,
			Weight:      1,
			Norm:        Normaliser{Method: Band},
			Formula:     "DORA change failure rate level: deployments followed by a page before the next deployment",
			Remediation: "Add canary analysis and automated rollback on SLO burn.",
			Refs:        Refs{AWS: "OPS06", Azure: "OE:11", GCP: "Operational excellence: automate and manage change"},
			Measure:     measureDora("change_failure_rate"),
		},
		{
			ID:          CheckTimeToRestore,
			Pillar:      OperationalExcellence,
			Weight:      1,
			Norm:        Normaliser{Method: Band},
			Formula:     "DORA failed deployment recovery time level: median page start → resolve per failed deployment",
			Remediation: "Make rollback one click and rehearse it; page on burn rate so restoration starts early.",
			Refs:        Refs{AWS: "OPS10", Azure: "OE:08", GCP: "Operational excellence: manage incidents and problems"},
			Measure:     measureDora("recovery_time"),
		},
		{
			ID:          CheckAlertNoise,
			Pillar:      OperationalExcellence,
			Weight:      1,
			Norm:        lin(1, 20),
			Formula:     "pages per week over the observed history (incident episodes on the sre_state board, else slo.alert.active)",
			Remediation: "Page only on multi-window burn rates; move the rest to tickets.",
			Refs:        Refs{AWS: "OPS08", Azure: "OE:07", GCP: "Operational excellence: manage incidents and problems"},
			Measure:     measureAlertNoise,
		},
	}
}

func measureBudget(e *Evidence, _ Targets) Measurement {
	if !e.Budget.Known {
		return Measurement{Reason: "no SLO reports an error budget for this service"}
	}
	v, why := BudgetVerdict(e.Budget)
	return Measurement{Value: v, HasData: true, Inputs: []string{why, "from " + e.Budget.Source}}
}

func measureSuccess(e *Evidence, t Targets) Measurement {
	if e.Budget.Known {
		return Measurement{NotApplicable: true, Reason: "the SLO's error budget measures reliability"}
	}
	return ratioOf(e.ServerSpans-e.ServerErrors, e.ServerSpans, t.MinEvents,
		fmt.Sprintf("%.0f server spans, %.0f errors", e.ServerSpans, e.ServerErrors))
}

// measureExceptions counts exceptions per request: a request's exception is often recorded on
// a child span (Node, Java), and dividing by every span would dilute it by the spans per request.
func measureExceptions(e *Evidence, t Targets) Measurement {
	if e.ServerSpans == 0 {
		return Measurement{Reason: "no server spans to count requests by"}
	}
	return ratioOf(e.SpansWithExceptions, e.ServerSpans, t.MinEvents,
		fmt.Sprintf("%.0f spans with an exception event for %.0f server requests", e.SpansWithExceptions, e.ServerSpans))
}

func measureLatency(e *Evidence, t Targets) Measurement {
	p95, ok := Percentile(e.LatenciesMs, 0.95)
	m := Measurement{Value: p95, HasData: ok, Events: float64(len(e.LatenciesMs)), MinEvents: t.MinEvents,
		Inputs: []string{fmt.Sprintf("p95 %.1f ms over %d server spans", p95, len(e.LatenciesMs))}}
	if !ok {
		m.Reason = "no server spans in the window"
	}
	return m
}

func measureTLS(e *Evidence, t Targets) Measurement {
	n, d := e.ExternalTLS, e.ExternalClient
	inputs := fmt.Sprintf("%.0f of %.0f calls to hosts outside the cluster over TLS", n, d)
	if e.TLSTerminationApp {
		n, d = n+e.ServerTLS, d+e.ServerSpansForTLS
		inputs = fmt.Sprintf("%.0f of %.0f server spans (tls_termination: app) and external calls over TLS", n, d)
	}
	if d == 0 {
		return Measurement{NotApplicable: true, Reason: "TLS may terminate at a load balancer or mesh, which server spans cannot show, and no call left the cluster; declare tls_termination: app in services: to score it"}
	}
	return ratioOf(n, d, t.MinEvents, inputs)
}

// measureAuth scores the share of 401/403 only when there are some: a service without
// authentication answers none either, so their absence is not evidence of access control.
func measureAuth(e *Evidence, t Targets) Measurement {
	inputs := fmt.Sprintf("%.0f of %.0f server responses 401/403", e.AuthFailures, e.ServerSpans)
	if e.AuthFailures == 0 {
		return Measurement{Events: e.ServerSpans, MinEvents: t.MinEvents, Inputs: []string{inputs},
			Reason: "no 401/403 responses: their absence alone does not show that access is controlled"}
	}
	return ratioOf(e.AuthFailures, e.ServerSpans, t.MinEvents, inputs)
}

func measureSpansPerRequest(e *Evidence, t Targets) Measurement {
	return ratioOf(e.Weight, e.ServerSpans, t.MinEvents, fmt.Sprintf("%.0f spans for %.0f server requests", e.Weight, e.ServerSpans))
}

func measureBytesPerRequest(e *Evidence, t Targets) Measurement {
	// Bytes are of the spans received; a sampled stream sends a share of them, so scale by the
	// share kept to compare with the requests it represents.
	bytes := e.Bytes
	if e.Spans > 0 && e.Weight > e.Spans {
		bytes *= e.Weight / e.Spans
	}
	return ratioOf(bytes, e.ServerSpans, t.MinEvents, fmt.Sprintf("%.0f bytes for %.0f server requests", bytes, e.ServerSpans))
}

// measureKeepRatio reads the sampler's own decisions when one publishes them; otherwise the
// stream's thresholds, which show sampling only when this exporter sits after a sampler. A
// stream without thresholds and no sampler on the board is unsampled: nothing to score.
func measureKeepRatio(e *Evidence, t Targets) Measurement {
	rate := 0.0
	if e.WindowSeconds > 0 {
		rate = e.Weight / e.WindowSeconds
	}
	if rate < t.KeepRatioMinSpansPerSecond {
		return Measurement{NotApplicable: true, Reason: fmt.Sprintf("%.1f spans/s: below %.0f spans/s sampling saves little", rate, t.KeepRatioMinSpansPerSecond)}
	}
	if s := e.Sampler; s != nil {
		m := ratioOf(s.KeptSpans, s.DecidedSpans, t.MinEvents, fmt.Sprintf("sre_sampling kept %.0f of the %.0f spans it decided on over %.0f s (all services; this service %.0f spans/s)", s.KeptSpans, s.DecidedSpans, s.Seconds, rate))
		if !m.HasData {
			m.Reason = "sre_sampling has decided no trace yet"
		}
		return m
	}
	if e.SampledSpans == 0 {
		return Measurement{NotApplicable: true, Reason: "no sampler in the pipeline: no sre_sampling decisions on the sre_state board and no sampling threshold (ot=th) on the spans"}
	}
	return ratioOf(e.Spans, e.Weight, t.MinEvents, fmt.Sprintf("%.0f spans kept of %.0f represented (%.0f spans/s)", e.Spans, e.Weight, rate))
}

func measureCPU(e *Evidence, _ Targets) Measurement {
	if e.CPUSamples == 0 {
		return Measurement{Reason: "no CPU metric (process.cpu.utilization, container.cpu.utilization, k8s.pod.cpu.utilization) carries this service's identity"}
	}
	v := e.CPUUtilization / e.CPUSamples
	return Measurement{Value: v, HasData: true, Inputs: []string{fmt.Sprintf("mean %s %.3f over %.0f points", e.CPUSource, v, e.CPUSamples)}}
}

func measureDora(key string) func(*Evidence, Targets) Measurement {
	return func(e *Evidence, t Targets) Measurement {
		d := e.Dora
		level, ok := d.LevelByKey[key]
		m := Measurement{Value: float64(LevelValue(level)), HasData: ok, Events: float64(d.Deployments), MinEvents: float64(t.MinDeployments),
			Inputs: []string{fmt.Sprintf("%d deployments over %.1f observed days", d.Deployments, d.PeriodDays)}}
		switch key {
		case "lead_time":
			m.Inputs = append(m.Inputs, leadTimeInput(d))
		case "change_failure_rate":
			m.Inputs = append(m.Inputs, fmt.Sprintf("%d of %d deployments failed; %d rollbacks (rework, not changes)", d.FailedDeployments, d.Deployments, d.ReworkDeployments))
		case "recovery_time":
			m.Inputs = append(m.Inputs, fmt.Sprintf("median %v over %d failed deployments restored", d.RecoveryTime, d.ResolvedIncidents))
		}
		switch {
		case key == "deployment_frequency" && d.Deployments > 0 && d.PeriodDays < 1:
			m.Reason = fmt.Sprintf("%.1f observed days: a deployment rate needs at least a day of history", d.PeriodDays)
		case !ok:
			m.Reason = "no " + key + " measured yet"
		}
		return m
	}
}

func leadTimeInput(d Dora) string {
	if !d.HasLeadTime {
		return "no commit timestamps with the deployments"
	}
	return fmt.Sprintf("median lead time %v", d.LeadTime)
}

func measureAlertNoise(e *Evidence, _ Targets) Measurement {
	if !e.PagesSeen {
		return Measurement{Reason: "no burn-rate alert state (slo.alert.active) for this service"}
	}
	// A week's rate needs at least a day of history behind it.
	return Measurement{Value: e.PagesPerWeek, HasData: true, Events: e.ObservedDays, MinEvents: 1,
		Inputs: []string{fmt.Sprintf("%d pages over %.1f observed days: %.1f per week", e.Pages, e.ObservedDays, e.PagesPerWeek)}}
}

// DefByID returns a built-in check.
func DefByID(defs []Def, id CheckID) (Def, bool) {
	for _, d := range defs {
		if d.ID == id {
			return d, true
		}
	}
	return Def{}, false
}

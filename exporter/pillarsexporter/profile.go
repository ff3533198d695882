package pillarsexporter

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// checkDef is a built-in check: its pillar, weight and normalisation, and how to read its value.
type checkDef struct {
	ID     string
	Pillar string
	Weight float64
	Key    bool
	Norm   score.Normaliser
	Source string // the formula and its inputs, shown on the scorecard
}

// builtinChecks is the default profile: every pillar from standard semantic conventions.
func builtinChecks(t TargetsConfig) []checkDef {
	p95 := float64(t.LatencyP95.Milliseconds())
	lin := func(good, bad float64) score.Normaliser {
		return score.Normaliser{Method: score.Linear, Good: good, Bad: bad}
	}
	return []checkDef{
		{"reliability.slo_budget", score.Reliability, 3, true, score.Normaliser{Method: score.Ratio},
			"lowest remaining error budget across the service's SLOs (slo.error_budget.remaining)"},
		{"reliability.success_ratio", score.Reliability, 3, true, lin(0.999, 0.95),
			"share of server spans that are not errors (status ERROR or HTTP 5xx), when no slo.* metrics arrive"},
		{"performance.latency_p95", score.PerformanceEfficiency, 1, false, lin(p95, 2*p95),
			fmt.Sprintf("p95 of server span durations (ms) against the %v target", t.LatencyP95)},
		{"security.tls", score.Security, 2, true, lin(0.99, 0.90), "share of server requests over TLS (url.scheme=https or tls.*)"},
		{"security.auth_failures", score.Security, 1, false, lin(0.01, 0.10), "share of server responses with HTTP 401 or 403"},
		{"security.exceptions", score.Security, 1, false, lin(0.001, 0.05), "share of spans carrying an exception event"},
		{"cost.spans_per_request", score.CostOptimization, 1, false, score.Normaliser{Method: score.LogLinear, Good: 10, Bad: 1000},
			"spans per server request"},
		{"cost.bytes_per_request", score.CostOptimization, 1, false, score.Normaliser{Method: score.LogLinear, Good: 4096, Bad: 1 << 20},
			"OTLP bytes of spans per server request"},
		{"cost.sampling_keep_ratio", score.CostOptimization, 0.5, false, lin(0.05, 1), "spans kept ÷ spans represented (Σ1 ÷ Σ adjusted count from ot=th)"},
		{"cost.idle_capacity", score.CostOptimization, 1, false, lin(0.6, 0.1), "mean host CPU utilisation (system.cpu.utilization, hostmetrics)"},
		{"sustainability.cpu_utilization", score.Sustainability, 1, false, lin(0.4, 0.05), "mean host CPU utilisation (system.cpu.utilization, hostmetrics)"},
		{"operations.deployment_frequency", score.OperationalExcellence, 1, false, score.Normaliser{Method: score.Band}, "DORA deployment frequency level"},
		{"operations.lead_time", score.OperationalExcellence, 1, false, score.Normaliser{Method: score.Band}, "DORA change lead time level"},
		{"operations.change_failure_rate", score.OperationalExcellence, 1, false, score.Normaliser{Method: score.Band}, "DORA change failure rate level"},
		{"operations.mttr", score.OperationalExcellence, 1, false, lin(3600, 86400), "median time to restore (s) from page alerts and incidents"},
		{"operations.alert_noise", score.OperationalExcellence, 1, false, lin(1, 20), "page alerts per week (slo.alert.active)"},
	}
}

// applyOverrides returns the profile with the config's overrides.
func applyOverrides(defs []checkDef, overrides []CheckOverride) []checkDef {
	byID := map[string]CheckOverride{}
	for _, o := range overrides {
		byID[o.ID] = o
	}
	out := defs[:0:0]
	for _, d := range defs {
		if o, ok := byID[d.ID]; ok {
			if o.Disabled {
				continue
			}
			if o.Weight != nil {
				d.Weight = *o.Weight
			}
			if o.Key != nil {
				d.Key = *o.Key
			}
			if o.Good != nil {
				d.Norm.Good = *o.Good
			}
			if o.Bad != nil {
				d.Norm.Bad = *o.Bad
			}
		}
		out = append(out, d)
	}
	return out
}

// measure computes every check's value for one service; a check without the telemetry it
// needs reports no data with the reason.
func (p *pillars) measure(s *serviceState, dora score.Dora, now time.Time) map[string]score.Check {
	out := map[string]score.Check{}
	set := func(id string, value float64, ok bool, inputs string) {
		c := score.Check{ID: id, Value: value, HasData: ok, Inputs: []string{inputs}}
		if !ok {
			c.Reason = "no data: " + inputs
		}
		out[id] = c
	}
	ratio := func(n, d float64) (float64, bool) {
		if d > 0 {
			return n / d, true
		}
		return 0, false
	}
	set("reliability.slo_budget", s.budget, s.budgetSet, fmt.Sprintf("remaining budget %.4g", s.budget))
	if s.budgetSet {
		set("reliability.success_ratio", 0, false, "superseded by the SLO budget")
	} else {
		v, ok := ratio(s.serverSpans-s.serverErrors, s.serverSpans)
		set("reliability.success_ratio", v, ok, fmt.Sprintf("%.0f server spans, %.0f errors", s.serverSpans, s.serverErrors))
	}
	p95, ok := percentile(s.latencies, 0.95)
	set("performance.latency_p95", p95, ok, fmt.Sprintf("p95 %.1f ms over %d server spans", p95, len(s.latencies)))
	v, ok := ratio(s.serverTLS, s.serverSpans)
	set("security.tls", v, ok, fmt.Sprintf("%.0f of %.0f server spans over TLS", s.serverTLS, s.serverSpans))
	v, ok = ratio(s.authFailures, s.serverSpans)
	set("security.auth_failures", v, ok, fmt.Sprintf("%.0f of %.0f server responses 401/403", s.authFailures, s.serverSpans))
	v, ok = ratio(s.spansWithExceptions, s.weight)
	set("security.exceptions", v, ok, fmt.Sprintf("%.0f of %.0f spans with an exception event", s.spansWithExceptions, s.weight))
	v, ok = ratio(s.weight, s.serverSpans)
	set("cost.spans_per_request", v, ok, fmt.Sprintf("%.0f spans for %.0f server requests", s.weight, s.serverSpans))
	v, ok = ratio(s.bytesSeen, s.serverSpans)
	set("cost.bytes_per_request", v, ok, fmt.Sprintf("%.0f bytes for %.0f server requests", s.bytesSeen, s.serverSpans))
	v, ok = ratio(s.spans, s.weight)
	set("cost.sampling_keep_ratio", v, ok && s.sampledSpans > 0, fmt.Sprintf("%.0f spans kept of %.0f represented", s.spans, s.weight))
	cpu, ok := ratio(p.host.cpuSum, p.host.cpuCount)
	set("cost.idle_capacity", cpu, ok, fmt.Sprintf("mean CPU utilisation %.3f over %.0f samples", cpu, p.host.cpuCount))
	set("sustainability.cpu_utilization", cpu, ok, fmt.Sprintf("mean CPU utilisation %.3f over %.0f samples", cpu, p.host.cpuCount))
	level := func(key string) (float64, bool) {
		l, ok := dora.LevelByKey[key]
		return float64(score.LevelValue(l)), ok
	}
	v, ok = level("deployment_frequency")
	set("operations.deployment_frequency", v, ok, fmt.Sprintf("%d deployments in %.0f days", dora.Deployments, dora.PeriodDays))
	v, ok = level("lead_time")
	set("operations.lead_time", v, ok, fmt.Sprintf("median lead time %v", dora.LeadTime))
	v, ok = level("change_failure_rate")
	set("operations.change_failure_rate", v, ok, fmt.Sprintf("%d of %d deployments failed", dora.FailedDeployments, dora.Deployments))
	set("operations.mttr", dora.RecoveryTime.Seconds(), dora.HasRecoveryTime, fmt.Sprintf("median recovery %v over %d incidents", dora.RecoveryTime, dora.ResolvedIncidents))
	weeks := p.cfg.Dora.Period.Hours() / (24 * 7)
	pages := 0
	for _, at := range s.pageAlerts {
		if now.Sub(at) <= p.cfg.Dora.Period {
			pages++
		}
	}
	set("operations.alert_noise", float64(pages)/weeks, s.alertSeen, fmt.Sprintf("%d page alerts in %v", pages, p.cfg.Dora.Period))
	return out
}

// percentile is the nearest-rank percentile of the samples.
func percentile(samples []float64, q float64) (float64, bool) {
	if len(samples) == 0 {
		return 0, false
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(rank, len(s)-1))], true
}

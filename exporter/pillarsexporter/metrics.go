package pillarsexporter

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
)

// scorecardCollector renders /metrics from the last published scorecard at scrape time. The
// scorecard is immutable once published, so a scrape sees one evaluation whole, and an
// evaluation builds no metric objects of its own.
type scorecardCollector struct {
	p     *pillars
	descs map[string]*prometheus.Desc
}

func newScorecardCollector(p *pillars) *scorecardCollector {
	identity := make([]string, len(p.cfg.ServiceIdentity))
	for i, k := range p.cfg.ServiceIdentity {
		identity[i] = promLabel(k)
	}
	c := &scorecardCollector{p: p, descs: map[string]*prometheus.Desc{}}
	desc := func(name, help string, labels ...string) {
		c.descs[name] = prometheus.NewDesc(name, help+" "+Disclaimer, append(labels, identity...), nil)
	}
	desc("wellarchitected_pillar_score", "Pillar score 0-100.", "framework", "pillar")
	desc("wellarchitected_pillar_coverage", "Share of the pillar's applicable check weight with enough data.", "framework", "pillar")
	desc("wellarchitected_pillar_status", "1 for the pillar's current status (pass, warning, fail, insufficient_data).", "framework", "pillar", "status")
	desc("wellarchitected_pillar_risks", "Checks of the pillar at high risk (failed key checks) or medium risk (other failures and warnings), as the AWS Well-Architected Tool counts them.", "framework", "pillar", "risk")
	desc("wellarchitected_check_score", "Check score 0-1.", "check_id", "pillar")
	desc("dora_deployment_frequency", "Deployments per day over the observed history.")
	desc("dora_change_lead_time", "Median change lead time in seconds.")
	desc("dora_change_failure_rate", "Share of deployments followed by a rollback or an incident before the next one.")
	desc("dora_recovery_time", "Median failed deployment recovery time in seconds.")
	desc("dora_performance_level", "DORA performance level: elite 4, high 3, medium 2, low 1.", "level", "table")
	desc("sre_maturity_level", "SRE maturity level 0-4.")
	// Bounded aggregates over every service, and what the per-service series left out.
	c.descs["wellarchitected_pillar_services"] = prometheus.NewDesc("wellarchitected_pillar_services",
		"Services whose pillar has this status, over every scored service. "+Disclaimer, []string{"framework", "pillar", "status"}, nil)
	c.descs["finops_unit_cost_estimate"] = prometheus.NewDesc("finops_unit_cost_estimate",
		"Estimated cost (in the pricing currency, or CPU-seconds without prices) per 1000 requests this week; an estimate from resource telemetry, never billed cost.",
		append([]string{"unit"}, identity...), nil)
	standardsDescs(c.descs)
	c.descs["wellarchitected_services_omitted"] = prometheus.NewDesc("wellarchitected_services_omitted",
		"Scored services without per-service series here (beyond max_metric_services, worst first); see /scorecard.json.", nil, nil)
	return c
}

func (c *scorecardCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *scorecardCollector) Collect(ch chan<- prometheus.Metric) {
	card := c.p.latest.Load()
	gauge := func(name string, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.GaugeValue, v, labels...)
	}
	statuses := []score.Result{score.Pass, score.Warning, score.Fail, score.InsufficientData}
	type pillarStatus struct{ framework, pillar, status string }
	counts := map[pillarStatus]int{}
	for _, svc := range card.Services {
		for _, fw := range svc.Frameworks {
			for _, pl := range fw.Pillars {
				counts[pillarStatus{fw.Framework, pl.Pillar, pl.Status}]++
			}
		}
	}
	for k, n := range counts {
		gauge("wellarchitected_pillar_services", float64(n), k.framework, k.pillar, k.status)
	}
	collectStandards(card, gauge)
	shown := card.Services[:min(len(card.Services), c.p.cfg.MaxMetricServices)]
	gauge("wellarchitected_services_omitted", float64(len(card.Services)-len(shown)))
	for _, svc := range shown {
		id := svc.labels
		with := func(labels ...string) []string { return append(labels, id...) }
		for _, fw := range svc.Frameworks {
			for _, pl := range fw.Pillars {
				if pl.Score != nil {
					gauge("wellarchitected_pillar_score", *pl.Score, with(fw.Framework, pl.Pillar)...)
				}
				gauge("wellarchitected_pillar_coverage", pl.Coverage, with(fw.Framework, pl.Pillar)...)
				gauge("wellarchitected_pillar_risks", float64(pl.HighRisk), with(fw.Framework, pl.Pillar, "high")...)
				gauge("wellarchitected_pillar_risks", float64(pl.MediumRisk), with(fw.Framework, pl.Pillar, "medium")...)
				for _, st := range statuses {
					v := 0.0
					if string(st) == pl.Status {
						v = 1
					}
					gauge("wellarchitected_pillar_status", v, with(fw.Framework, pl.Pillar, string(st))...)
				}
			}
		}
		for _, ck := range svc.Checks {
			if ck.Score != nil {
				gauge("wellarchitected_check_score", *ck.Score, with(ck.ID, ck.Pillar)...)
			}
		}
		d := svc.Dora
		gauge("dora_deployment_frequency", d.DeploymentFrequency, id...)
		if d.LeadTimeSeconds != nil {
			gauge("dora_change_lead_time", *d.LeadTimeSeconds, id...)
		}
		if d.ChangeFailureRate != nil {
			gauge("dora_change_failure_rate", *d.ChangeFailureRate, id...)
		}
		if d.RecoveryTimeSeconds != nil {
			gauge("dora_recovery_time", *d.RecoveryTimeSeconds, id...)
		}
		if d.Level != "" {
			gauge("dora_performance_level", float64(score.LevelValue(d.Level)), with(d.Level, d.Table)...)
		}
		gauge("sre_maturity_level", float64(svc.Maturity.Level), id...)
		for _, f := range svc.Standards {
			if f.Check == standards.CheckUnitCost && f.Value != nil {
				gauge("finops_unit_cost_estimate", *f.Value, with(c.p.unitLabel())...)
			}
		}
	}
}

// metricsHandler serves /metrics from the last published scorecard.
func (p *pillars) metricsHandler() http.Handler {
	registry := prometheus.NewRegistry()
	registry.MustRegister(newScorecardCollector(p))
	return promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
}

package pillarsexporter

import (
	"cmp"
	"slices"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// evaluateService scores one service's snapshot: checks, pillars per framework, DORA and the
// maturity ladder. It runs without the ingest lock.
func (p *pillars) evaluateService(snap *serviceSnapshot, defs *checkSet, now time.Time) ServiceResult {
	res := ServiceResult{Identity: map[string]string{}, Tier: snap.profile.Tier, labels: snap.labels, ErrorBudgets: snap.budgets}
	for i, k := range p.cfg.ServiceIdentity {
		if snap.labels[i] != "" {
			res.Identity[k] = snap.labels[i]
		}
	}
	snap.evidence.LatenciesMs = latenciesSince(snap.latencies, now.Add(-p.cfg.Window))
	res.deployments = score.DedupeDeployments(snap.deploys, 15*time.Minute)
	snap.evidence.Dora = score.ComputeDora(res.deployments, snap.incidents,
		maxTime(now.Add(-p.cfg.Dora.Period), snap.firstSeen), now, p.cfg.Dora.AttributionWindow, p.table, p.cfg.Dora.MinDeployments)
	canonical := scoreChecks(defs.defs, &snap.evidence, snap.targets, snap.profile.NotApplicable)
	// The scorecard keeps every service's result until the next evaluation: sized exactly,
	// with no append slack, since max_services of them are held at once.
	res.Checks = make([]CheckJSON, 0, len(defs.defs))
	for _, pillar := range score.CanonicalPillars {
		for _, cr := range score.ScorePillar(pillar, canonical[pillar], p.cfg.Thresholds, p.cfg.MinCoverage).Checks {
			d := defs.byID[cr.ID]
			cj := CheckJSON{ID: cr.ID, Pillar: pillar, Formula: d.Formula, Remediation: d.Remediation, References: d.Refs,
				Inputs: cr.Inputs, Result: string(cr.Result), Method: string(cr.Normalise.Method), Good: cr.Normalise.Good,
				Bad: cr.Normalise.Bad, Weight: cr.Weight, Key: cr.Key, PotentialIncrease: cr.PotentialIncrease,
				Exemplars: snap.exemplars[d.ID], Reason: cr.Reason, StandardsReferences: checkReferences[cr.ID]}
			if cr.HasData {
				cj.Value = ptr(cr.Value)
			}
			if cr.Result != score.InsufficientData && cr.Result != score.NotApplicable {
				cj.Score = ptr(cr.Score)
			}
			res.Checks = append(res.Checks, cj)
		}
	}
	slices.SortStableFunc(res.Checks, func(a, b CheckJSON) int { return cmp.Compare(b.PotentialIncrease, a.PotentialIncrease) })
	res.Frameworks = make([]FrameworkResult, 0, len(p.cfg.Frameworks))
	for _, fw := range p.cfg.Frameworks {
		fr := FrameworkResult{Framework: fw, Pillars: make([]PillarJSON, 0, len(score.Frameworks[fw]))}
		pillarsOut := make([]score.PillarResult, 0, len(score.Frameworks[fw]))
		for _, fp := range score.Frameworks[fw] {
			pr := score.Project(fp, canonical, p.cfg.Thresholds, p.cfg.MinCoverage)
			pr.Status = p.observeHysteresis(hysteresisKey(snap.key, fw, fp.Name), pr.Status)
			pillarsOut = append(pillarsOut, pr)
			pj := PillarJSON{Pillar: fp.Name, Label: fp.Label, Status: string(pr.Status), Coverage: pr.Coverage,
				HighRisk: pr.HighRisk, MediumRisk: pr.MediumRisk}
			pj.Checks = defs.checksOf(fp.From, canonical)
			if pr.Status != score.InsufficientData {
				pj.Score = ptr(pr.Score)
			}
			fr.Pillars = append(fr.Pillars, pj)
		}
		if v, ok := score.FrameworkScore(pillarsOut); ok {
			fr.Score = ptr(v)
		}
		res.Frameworks = append(res.Frameworks, fr)
	}
	res.Dora = p.doraOutputs(snap.evidence.Dora)
	res.Maturity = p.maturity(snap)
	return res
}

func (p *pillars) observeHysteresis(key string, r score.Result) score.Result {
	p.hystMu.Lock()
	defer p.hystMu.Unlock()
	h := p.hysteresis[key]
	if h == nil {
		h = &score.Hysteresis{Needed: 2}
		p.hysteresis[key] = h
	}
	return h.Observe(r)
}

func (p *pillars) doraOutputs(d score.Dora) DoraJSON {
	out := DoraJSON{Table: p.table.Name, Deployments: d.Deployments, DeploymentFrequency: d.DeploymentsPerDay,
		FailedDeployments: d.FailedDeployments, ReworkDeployments: d.ReworkDeployments, Level: d.Level, LevelByKey: d.LevelByKey, ObservedDays: d.PeriodDays,
		RejectedCommitTimes: d.RejectedCommits}
	if d.HasLeadTime {
		out.LeadTimeSeconds = ptr(d.LeadTime.Seconds())
	}
	if d.Deployments > 0 {
		out.ChangeFailureRate = ptr(d.ChangeFailureRate)
	}
	if d.HasRecoveryTime {
		out.RecoveryTimeSeconds = ptr(d.RecoveryTime.Seconds())
	}
	if d.Deployments+d.ReworkDeployments > 0 {
		out.ReworkRate = ptr(d.ReworkRate)
	}
	return out
}

func (p *pillars) maturity(snap *serviceSnapshot) MaturityJSON {
	in := snap.maturity
	in.BudgetPolicyFollowed = true
	for _, r := range snap.exhausted {
		for _, dep := range snap.deploys {
			if !dep.Rollback && !dep.At.Before(r.from) && (r.to.IsZero() || dep.At.Before(r.to)) {
				in.BudgetPolicyFollowed = false // a deployment other than a rollback while exhausted
			}
		}
	}
	level, criteria := score.Maturity(in)
	out := MaturityJSON{Level: level}
	for _, c := range criteria {
		out.Criteria = append(out.Criteria, CriterionJSON{Level: c.Level, ID: c.ID, Met: c.Met, Evidence: c.Evidence})
	}
	return out
}

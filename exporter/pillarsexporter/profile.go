package pillarsexporter

import (
	"slices"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// profileFor returns the services: entry a service identity matches (the first), or none.
func (p *pillars) profileFor(vals []string) ServiceProfile {
	index := map[string]int{}
	for i, k := range p.cfg.ServiceIdentity {
		index[k] = i
	}
next:
	for _, sp := range p.cfg.Services {
		for k, v := range sp.Match {
			if vals[index[k]] != v {
				continue next
			}
		}
		return sp
	}
	return ServiceProfile{}
}

// targetsFor is the global targets with a service profile's own on top.
func (p *pillars) targetsFor(profile ServiceProfile) score.Targets {
	t := p.cfg.Targets
	if profile.Targets.LatencyP95 > 0 {
		t.LatencyP95 = profile.Targets.LatencyP95
	}
	if profile.Targets.KeepRatioMinSpansPerSecond > 0 {
		t.KeepRatioMinSpansPerSecond = profile.Targets.KeepRatioMinSpansPerSecond
	}
	return score.Targets{
		LatencyP95Ms: float64(t.LatencyP95) / float64(time.Millisecond), MinEvents: p.cfg.MinEvents,
		KeepRatioMinSpansPerSecond: t.KeepRatioMinSpansPerSecond, MinDeployments: p.cfg.Dora.MinDeployments,
	}
}

// checksFor is the registry scored against the service's targets, with the config's overrides.
func (p *pillars) checksFor(t score.Targets) []score.Def {
	byID := map[string]CheckOverride{}
	for _, o := range p.cfg.Checks {
		byID[o.ID] = o
	}
	var out []score.Def
	for _, d := range score.Registry(t) {
		if o, ok := byID[string(d.ID)]; ok {
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

// scoreChecks measures every check on the evidence and applies the service's not_applicable.
func scoreChecks(defs []score.Def, e *score.Evidence, t score.Targets, notApplicable []NotApplicable) map[string][]score.Check {
	na := map[string]string{}
	for _, n := range notApplicable {
		na[n.Check] = n.Reason
	}
	canonical := map[string][]score.Check{}
	for _, d := range defs {
		m := d.Measure(e, t)
		c := score.Check{ID: string(d.ID), Pillar: d.Pillar, Weight: d.Weight, Key: d.Key, Normalise: d.Norm,
			Value: m.Value, HasData: m.HasData, Events: m.Events, MinEvents: m.MinEvents,
			NotApplicable: m.NotApplicable, Reason: m.Reason, Inputs: m.Inputs}
		if reason, ok := na[string(d.ID)]; ok {
			c.NotApplicable, c.Reason = true, "declared in services: "+reason
		}
		canonical[d.Pillar] = append(canonical[d.Pillar], c)
	}
	return canonical
}

// checkSet is one registry of checks (services share it when they share targets), with what
// every service scored against it has in common, computed once per evaluation.
type checkSet struct {
	defs []score.Def
	byID map[string]score.Def
	// pillarChecks are the check IDs of a framework pillar's canonical pillars, by the
	// pillars' names joined: the same for every service, so one slice serves them all.
	pillarChecks map[string][]string
}

func newCheckSet(defs []score.Def) *checkSet {
	s := &checkSet{defs: defs, byID: make(map[string]score.Def, len(defs)), pillarChecks: map[string][]string{}}
	for _, d := range defs {
		s.byID[string(d.ID)] = d
	}
	return s
}

// checksOf lists the IDs of the checks in the canonical pillars from, in order. scoreChecks
// gives every def of the set to its pillar, so the list depends on the set alone.
func (s *checkSet) checksOf(from []string, canonical map[string][]score.Check) []string {
	key := strings.Join(from, "\x00")
	if ids, ok := s.pillarChecks[key]; ok {
		return ids
	}
	var ids []string
	for _, f := range from {
		for _, c := range canonical[f] {
			ids = append(ids, c.ID)
		}
	}
	ids = slices.Clip(ids)
	s.pillarChecks[key] = ids
	return ids
}

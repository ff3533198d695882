package sloconnector

import (
	"context"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// pendingSeries is one series' evaluation, taken under the lock and acted on after it.
type pendingSeries struct {
	state    srestate.SeriesState
	obs      incident.Observation
	evidence incident.Evidence
	history  historySample
}

// collectState records a series' evaluation for the board and the incident tracker. The
// caller holds c.mu.
func (c *sloConnector) collectState(rt *sloRuntime, s *series, st window.Status, inMaintenance bool, now time.Time) {
	burn := make(map[string]float64, len(st.Windows))
	for _, w := range st.Windows {
		if w.OK && !isNonFinite(w.BurnRate) {
			burn[w.Name] = w.BurnRate
		}
	}
	service := s.service()
	p := pendingSeries{state: srestate.SeriesState{
		SLO: rt.cfg.Name, Service: service, Identity: s.attrs, Page: st.Alerts["page"], Ticket: st.Alerts["ticket"],
		BurnRates: burn, BudgetRemaining: finiteOr(st.BudgetRemaining, 0), Updated: now,
		Objective: rt.spec.Objective, ExhaustsWithinPeriod: st.ExhaustionOK, HasAlerts: len(rt.severities) > 0,
		Sharded: c.cfg.Topology == topologySharded, InMaintenance: inMaintenance,
		Kind: rt.classifier.kindName(rt.spec), Window: rt.spec.Period.String(),
		PeriodStart: periodStart(&rt.spec, now), PeriodLength: rt.spec.Period.Length(now),
	}}
	if rt.cfg.SLI.Latency != nil {
		p.state.LatencyThreshold = rt.cfg.SLI.Latency.Threshold
	}
	if st.ExhaustionOK {
		p.state.ExhaustionSeconds = st.Exhaustion.Seconds()
	}
	for _, t := range st.Tiers {
		ts := srestate.TierState{Severity: t.Severity, Short: t.Short, Long: t.Long, Factor: t.Factor, Firing: t.Firing}
		ts.ShortBurn, ts.ShortOK = burn[t.Short]
		ts.LongBurn, ts.LongOK = burn[t.Long]
		p.state.Tiers = append(p.state.Tiers, ts)
	}
	if c.history != nil {
		p.history = sampleOf(rt, s, st, window.Counts{Good: s.state.Total.Good - s.emitted.Good, Bad: s.state.Total.Bad - s.emitted.Bad})
	}
	s.emitted = s.state.Total
	for _, w := range st.Windows {
		switch w.Name {
		case "1h":
			p.state.Good1h, p.state.Bad1h = w.Counts.Good, w.Counts.Bad
		case "period":
			p.state.GoodPeriod, p.state.BadPeriod = w.Counts.Good, w.Counts.Bad
		}
	}
	for _, past := range s.state.History() {
		if sli, ok := past.SLI(); ok && sli >= rt.spec.Objective {
			p.state.PeriodMet = true
		}
	}
	if c.incidents != nil {
		key := p.state.Key()
		total := s.state.Total
		p.obs = incident.Observation{
			Key: key, SLO: rt.cfg.Name, Service: service, Identity: s.attrs, Page: p.state.Page,
			Alert: rt.cfg.Alerting.alertName(), BurnRates: burn, BudgetRemaining: p.state.BudgetRemaining,
			BadTotal: total.Bad, ValidTotal: total.Valid(), At: now, PeriodStart: periodStart(&rt.spec, now),
			Interval:     s.pulse.Observe(now, total.Bad, total.Valid(), rt.spec.PageThreshold(now), rt.spec.ZScore()),
			BurningSince: s.pulse.BurningSince(),
		}
		if p.state.Page && s.evidence != nil {
			p.evidence = incident.Evidence{
				Factors:   withoutGroup(s.evidence.lift.Factors(c.incidents.cfg.MaxFactors+len(rt.cfg.GroupBy), 1-rt.spec.Objective), rt.cfg.GroupBy, c.incidents.cfg.MaxFactors),
				Exemplars: s.evidence.exemplars(!c.incidents.tracker.Open(key)),
			}
		}
	}
	c.pending = append(c.pending, p)
}

// publish acts on the evaluations collected by the last buildMetrics, without the lock: the
// board gets the series, the tracker the observations, and each incident event goes to the
// board, the logs pipeline, the postmortem draft and storage.
func (c *sloConnector) publish(ctx context.Context, pending []pendingSeries, now time.Time) {
	if c.board != nil {
		states := make([]srestate.SeriesState, len(pending))
		for i, p := range pending {
			states[i] = p.state
		}
		c.board.PublishSeries(c.id.String(), states)
	}
	if c.history != nil {
		if n := c.history.record(pending, now); n > 0 {
			c.telemetry.ConnectorSloHistoryRefusedSeries.Add(ctx, n)
		}
	}
	in := c.incidents
	if in == nil {
		return
	}
	var events []incident.Event
	for _, p := range pending {
		ev, ok := in.tracker.Observe(p.obs, func() incident.Evidence {
			e := p.evidence
			e.Deployments = c.deploymentsBefore(p.obs.Service, p.obs.At)
			return e
		})
		if ok {
			events = append(events, ev)
		}
	}
	events = append(events, in.tracker.Expire(now)...)
	if c.board != nil { // open incidents show their live peak, budget and exemplars
		for _, inc := range in.tracker.OpenIncidents() {
			c.board.PutIncident(inc)
		}
	}
	if len(events) == 0 {
		return
	}
	for _, ev := range events {
		c.telemetry.ConnectorSloIncidentEvents.Add(ctx, 1, c.eventAttrs[ev.Kind])
		if c.board != nil && ev.Kind == incident.Resolved { // open ones were put above
			c.board.PutIncident(ev.Incident)
		}
		c.writeDraft(ev.Incident, now)
	}
	if in.logs != nil {
		if err := in.logs.ConsumeLogs(ctx, incidentLogs(events, c.instanceID)); err != nil {
			c.logger.Warn("emitting incident records failed; they stay on the board and in storage", zap.Error(err))
		}
	}
	c.saveIncidents(ctx)
}

// withoutGroup drops the factors that are the series' own group_by values (http.route=/pay in
// the /pay series): constant within the series, they explain nothing the series' name does
// not; /incidents shows them as the series' identity.
func withoutGroup(factors []srestate.Factor, groupBy []string, n int) []srestate.Factor {
	out := slices.DeleteFunc(factors, func(f srestate.Factor) bool { return slices.Contains(groupBy, f.Attribute) })
	return out[:min(n, len(out))]
}

// deploymentsBefore merges the version changes this connector saw with the deployments the
// board knows (CI/CD spans and events, de-duplicated by pillars), one per version.
func (c *sloConnector) deploymentsBefore(service string, at time.Time) []srestate.Deployment {
	from := at.Add(-c.incidents.cfg.DeploymentLookback)
	deps := c.incidents.versions.changes(service, from, at)
	if c.board != nil {
		deps = append(deps, c.board.Deployments(service, from, at)...)
	}
	slices.SortStableFunc(deps, func(x, y srestate.Deployment) int { return x.At.Compare(y.At) })
	// One per version, and one rollback per version apart: a rollback to 1.4.0 is not the
	// deployment of 1.4.0 a day before.
	type key struct {
		version  string
		rollback bool
	}
	seen := map[key]int{}
	var out []srestate.Deployment
	for _, d := range deps {
		k := key{d.Version, d.Rollback}
		if i, ok := seen[k]; ok {
			if out[i].SHA == "" {
				out[i].SHA = d.SHA
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, d)
	}
	return out
}

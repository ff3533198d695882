package pillarsexporter

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// stdSnapshot is one service's standards evidence, copied under the ingest lock.
type stdSnapshot struct {
	c                 counters
	instances, zones  int
	instanceSeen      bool
	environment, team string
	version           string
	restarts          []time.Time
	usage             standards.UsageDays
	resourceSeen      bool
	incidents         []standards.Incident // from the board, set outside the lock
	rotation          standards.ShiftLoad
}

func (p *pillars) stdSnapshot(s *serviceState, now time.Time) stdSnapshot {
	from := now.Add(-p.cfg.Window)
	st := &s.std
	out := stdSnapshot{c: s.window.sum(now, p.bucketWidth()), instances: countSince(st.instances, from), zones: countSince(st.zones, from),
		instanceSeen: len(st.instances) > 0, environment: st.environment, team: st.team, version: s.version, usage: st.usage,
		resourceSeen: !st.resourceSeen.IsZero() && now.Sub(st.resourceSeen) <= 7*24*time.Hour}
	for _, r := range st.restarts {
		if !r.Before(from) {
			out.restarts = append(out.restarts, r)
		}
	}
	return out
}

// standardsTargets are the configured thresholds of the standards checks.
func (p *pillars) standardsTargets() standards.Targets {
	c := p.cfg.Standards
	prod := make([]string, len(c.ProductionEnvironments))
	for i, e := range c.ProductionEnvironments {
		prod[i] = strings.ToLower(e)
	}
	return standards.Targets{DetectionTarget: c.DetectionTarget, RecoveryConfirm: c.RecoveryConfirmation, ProductionValues: prod,
		RequireChangeID: c.RequireChangeID}
}

// standardsFindings measures one service's standards checks, and carries the pillars checks
// the catalogues cite (a warning does not meet a control: it counts as a fail).
func (p *pillars) standardsFindings(snap *serviceSnapshot, res *ServiceResult, now time.Time) []standards.Finding {
	st := &snap.std
	name := displayName(snap.labels)
	ev := standards.Evidence{
		Service: name, Window: p.cfg.Window, HasTraces: st.c.spans > 0, ServerSpans: st.c.server, RequestPoint: st.c.requestPoints > 0,
		LogRecords: st.c.logs, LogsTraced: st.c.logsTraced, ClockRecords: st.c.clockRecords, SameClockLogs: st.c.sameClock,
		ClockAheadMax: time.Duration(st.c.clockAhead * float64(time.Second)), LimitUtilMax: st.c.limitUtil, LimitUtilSeen: st.c.limitSeen,
		Restarts: st.restarts, Instances: st.instances, Zones: st.zones, InstanceSeen: st.instanceSeen, Environment: st.environment,
		Version: st.version, ClientSpans: st.c.client, ClientWithPeer: st.c.clientPeer, ExternalCalls: st.c.externalClient,
		Incidents: st.incidents, Shifts: st.rotation,
		Cost: standards.CostEvidenceAt(&st.usage, p.cfg.Standards.pricing(), st.resourceSeen, now),
	}
	from := now.Add(-p.cfg.Dora.Period)
	for _, d := range res.deployments {
		if !d.At.Before(from) {
			ev.Deployments = append(ev.Deployments, standards.Deployment{At: d.At, Revision: d.Revision, ChangeID: d.ChangeID, FromCICD: d.Source == score.SourceCICD, Manual: d.Manual})
		}
	}
	d := snap.evidence.Dora
	if all := d.Deployments; all > 0 || d.ReworkDeployments > 0 {
		ev.ReworkKnown, ev.ReworkRate = true, d.ReworkRate
		ev.ReworkInputs = fmt.Sprintf("%d rework deployments (rollbacks and deployments during an open incident) of %d deployments", d.ReworkDeployments, d.Deployments)
	}
	out := standards.Measure(&ev, p.standardsTargets(), now)
	out = append(out, standards.MeasureCost(name, ev.HasTraces, ev.Cost)...)
	for _, cj := range res.Checks {
		if cited[cj.ID] {
			out = append(out, findingOf(name, cj))
		}
	}
	return out
}

// cited are the pillars checks some catalogue names.
var cited = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range standards.Catalogue() {
		for _, c := range f.Controls {
			for _, id := range c.Checks {
				if _, own := standards.Rules[id]; !own {
					m[id] = true
				}
			}
		}
	}
	return m
}()

func findingOf(service string, cj CheckJSON) standards.Finding {
	status := map[string]standards.Status{"pass": standards.Pass, "warning": standards.Fail, "fail": standards.Fail,
		"insufficient_data": standards.InsufficientData, "not_applicable": standards.NotApplicable}[cj.Result]
	evidence := strings.Join(cj.Inputs, "; ")
	if cj.Reason != "" {
		evidence = strings.TrimPrefix(evidence+"; "+cj.Reason, "; ")
	}
	if cj.Result == "warning" {
		evidence = "warning (below the pass threshold): " + evidence
	}
	return standards.Finding{Check: cj.ID, Service: service, Status: status, Value: cj.Value, Evidence: evidence}
}

// displayName is a service identity's values, as one name ("shop/checkout/production").
func displayName(labels []string) string {
	var parts []string
	for _, l := range labels {
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "/")
}

// rotationOf is the on-call rotation a service's pages go to: its team, from the resource
// attribute or the config mapping, else the service alone.
func (p *pillars) rotationOf(service, team string) string {
	if team != "" {
		return team
	}
	for t, services := range p.cfg.Standards.Teams {
		if slices.Contains(services, service) {
			return t
		}
	}
	return service
}

// boardEpisodes are the board's pages per service.name, one per episode: the latest episode
// carries its burn start (the incident's trigger cutoff); every one carries the incident's
// exemplars.
func (p *pillars) boardEpisodes() map[string][]standards.Incident {
	out := map[string][]standards.Incident{}
	if p.board == nil {
		return out
	}
	for _, inc := range p.board.Incidents() {
		episodes := inc.Episodes
		if len(episodes) == 0 {
			episodes = []srestate.Episode{{Start: inc.Start, Resolved: inc.Resolved}}
		}
		for _, e := range episodes {
			si := standards.Incident{ID: inc.ID, Start: e.Start, Resolved: e.Resolved, Exemplars: len(inc.Exemplars)}
			if e.Start.Equal(inc.Start) {
				si.BurnStart = inc.TriggerCutoff
			}
			out[inc.Service] = append(out[inc.Service], si)
		}
	}
	return out
}

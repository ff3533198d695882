package pillarsexporter

import (
	"math"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// serviceState is everything the checks of one service identity are computed from. It holds
// counts and bounded rings, never pdata.
type serviceState struct {
	labels    []string // values of service_identity, in order
	profile   ServiceProfile
	targets   score.Targets // the global targets with the profile's on top, fixed at creation
	firstSeen time.Time
	lastSeen  time.Time
	signals   map[string]bool

	window    windowed
	latencies latencyRing
	exemplars map[score.CheckID][]string

	cpuSum, cpuCount float64
	cpuSource        string

	version     string
	deployments []score.Deployment
	incidents   []score.Incident
	openAlerts  map[string]time.Time // page alerts by SLO and reported incidents, since
	slos        map[string]*sloState
	alertSeen   bool
	exhausted   []timeRange // periods with an exhausted budget
	pageAlerts  []time.Time

	std stdState // what the standards checks need beyond the pillars' evidence
}

// sloState is the latest the slo connector said about one SLO series of the service.
type sloState struct {
	remaining, good1h, bad1h float64
	remainingAt, exhaustsAt  time.Time
	hasRemaining             bool
	page, ticket             bool
	periodMet                bool
	// A sharded connector sends only counts and the objective: the budget is then this
	// replica's estimate from the period's events.
	sharded                      bool
	objective                    float64
	goodPeriod, badPeriod        float64
	hasObjective, hasPeriodCount bool
}

// estimate is the budget left from the period's events: 1 − bad ÷ ((1 − objective) × valid).
func (st *sloState) estimate() (float64, bool) {
	if st.hasRemaining || !st.hasObjective || !st.hasPeriodCount || st.objective >= 1 {
		return 0, false
	}
	valid := st.goodPeriod + st.badPeriod
	if valid == 0 {
		return 1, true
	}
	// Checked here, where it is produced: a subnormal count underflows the allowed bad
	// events to zero, and a huge one overflows the sum. Neither is evidence of a budget.
	allowed := (1 - st.objective) * valid
	est := 1 - st.badPeriod/allowed
	if allowed <= 0 || math.IsNaN(est) || math.IsInf(est, 0) || math.IsInf(valid, 0) {
		return 0, false
	}
	return est, true
}

// budgetEvidence is the worst current verdict across the service's SLOs.
func (s *serviceState) budgetEvidence() score.BudgetEvidence {
	var out score.BudgetEvidence
	best := 3.0
	for name, st := range s.slos {
		source := "slo.error_budget.remaining of SLO " + name
		if est, ok := st.estimate(); ok {
			st.remaining, source = est, "this replica's estimate from slo.window.events (sharded) of SLO "+name
		} else if !st.hasRemaining {
			continue
		}
		b := score.BudgetEvidence{Known: true, Remaining: st.remaining, TicketActive: st.ticket, PageActive: st.page,
			// The exhaustion series is absent when the budget lasts the period; present in the
			// same emit as the remaining budget when it does not.
			ExhaustsSoon: !st.exhaustsAt.IsZero() && !st.exhaustsAt.Before(st.remainingAt.Add(-time.Second)),
			SLO:          name, Source: source}
		v, _ := score.BudgetVerdict(b)
		if v < best || (v == best && b.Remaining < out.Remaining) {
			best, out = v, b
		}
	}
	return out
}

func (s *serviceState) slo(name string) *sloState {
	st := s.slos[name]
	if st == nil && len(s.slos) < maxSLOs {
		st = &sloState{}
		s.slos[name] = st
	}
	return st
}

type timeRange struct{ from, to time.Time }

// prune drops the events that ended before the DORA period began, so every history is
// bounded by the period as well as by maxEvents.
func (s *serviceState) prune(before time.Time) {
	s.deployments = slices.DeleteFunc(s.deployments, func(d score.Deployment) bool { return d.At.Before(before) })
	s.incidents = slices.DeleteFunc(s.incidents, func(i score.Incident) bool { return !i.Resolved.IsZero() && i.Resolved.Before(before) })
	s.pageAlerts = slices.DeleteFunc(s.pageAlerts, func(at time.Time) bool { return at.Before(before) })
	s.exhausted = slices.DeleteFunc(s.exhausted, func(r timeRange) bool { return !r.to.IsZero() && r.to.Before(before) })
}

func (s *serviceState) exemplar(check score.CheckID, traceID pcommon.TraceID) {
	if traceID.IsEmpty() || len(s.exemplars[check]) >= maxExemplars {
		return
	}
	id := traceID.String()
	if slices.Contains(s.exemplars[check], id) {
		return // several bad spans of one trace are one example
	}
	s.exemplars[check] = append(s.exemplars[check], id)
}

func (s *serviceState) addDeployment(d score.Deployment) {
	if len(s.deployments) >= maxEvents {
		s.deployments = s.deployments[1:]
	}
	s.deployments = append(s.deployments, d)
}

func (s *serviceState) addIncident(i score.Incident) {
	if len(s.incidents) >= maxEvents {
		s.incidents = s.incidents[1:]
	}
	s.incidents = append(s.incidents, i)
}

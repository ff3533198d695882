package pillarsexporter

import (
	"context"
	"runtime"
	"sort"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
)

// evaluate scores every service and publishes the result on every output. Only copying the
// evidence holds the ingest lock; scoring, rendering and storage writes run without it.
func (p *pillars) evaluate() {
	// One evaluation at a time: the loop's, a test's and a restart's must not interleave their
	// telemetry deltas and storage writes.
	p.evalMu.Lock()
	defer p.evalMu.Unlock()
	started := time.Now()
	if p.board != nil {
		p.collectBoard(p.board.Series(), p.now())
	}
	p.mu.Lock()
	now := p.now()
	p.truncatedLabels += uint64(p.labels.TakeTruncated())
	p.evictIdle(now)
	keys := make([]string, 0, len(p.services))
	for key := range p.services {
		keys = append(keys, key)
	}
	p.mu.Unlock()
	// The copy takes the ingest lock a chunk of services at a time, so ingest waits for at
	// most one chunk however many services there are.
	snaps := make([]serviceSnapshot, 0, len(keys))
	for start := 0; start < len(keys); start += snapshotChunk {
		p.mu.Lock()
		for _, key := range keys[start:min(start+snapshotChunk, len(keys))] {
			if s, ok := p.services[key]; ok {
				snaps = append(snaps, p.snapshot(key, s, now))
			}
		}
		p.mu.Unlock()
		// Let a waiting ingest call take the lock before the next chunk: re-locking at once
		// would win the race against it until Go's mutex turns to handoff after 1ms.
		runtime.Gosched()
	}
	p.mu.Lock()
	limits := Limits{Services: len(p.services), MaxServices: p.cfg.MaxServices, EvictedIdle: p.evictedServices,
		RefusedServices: p.refusedServices, DroppedPoints: p.droppedPoints, RefusedSLOPoints: p.refusedSLOPoints,
		TruncatedLabels: p.truncatedLabels, RefusedSeries: p.refusedSeries}
	stored := p.storedState()
	graph := p.graph.snapshot(now.Add(-p.cfg.ServiceTTL))
	p.mu.Unlock()
	p.latestGraph.Store(&graph)

	sort.Slice(snaps, func(i, j int) bool { return snaps[i].key < snaps[j].key })
	card := Scorecard{Disclaimer: Disclaimer, EvaluatedAt: now.UTC(), Limits: limits,
		Thresholds: map[string]any{"pass": 100 * p.cfg.Thresholds.Pass, "warning": 100 * p.cfg.Thresholds.Warning,
			"min_coverage": p.cfg.MinCoverage, "window": p.cfg.Window.String(), "min_events": p.cfg.MinEvents}}
	defs := map[score.Targets]*checkSet{} // most services share the global targets
	fromBoard := p.boardIncidents()
	episodes := p.boardEpisodes()
	rotations := p.rotations(snaps, episodes, now)
	deploys := map[string][]score.Deployment{}
	findings := map[string][]standards.Finding{}
	for i := range snaps {
		d, ok := defs[snaps[i].targets]
		if !ok {
			d = newCheckSet(p.checksFor(snaps[i].targets))
			defs[snaps[i].targets] = d
		}
		service := p.serviceName(snaps[i].labels)
		snaps[i].incidents = append(snaps[i].incidents, fromBoard[service]...)
		if p.board != nil { // pages are the board's episodes, which pillars does not see as metrics
			snaps[i].evidence.Pages, snaps[i].evidence.PagesPerWeek = pagesPerWeek(fromBoard[service], now, p.cfg.Dora.Period, snaps[i].evidence.ObservedDays)
			if stats, ok := p.board.Sampling(); ok {
				snaps[i].evidence.Sampler = &score.SamplerEvidence{DecidedSpans: stats.DecidedSpans, KeptSpans: stats.KeptSpans, Seconds: stats.Updated.Sub(stats.Since).Seconds()}
			}
		}
		snaps[i].std.incidents = episodes[service]
		snaps[i].std.rotation = rotations[p.rotationOf(service, snaps[i].std.team)]
		res := p.evaluateService(&snaps[i], d, now)
		res.Standards = p.standardsFindings(&snaps[i], &res, now)
		for _, f := range res.Standards {
			findings[f.Check] = append(findings[f.Check], f)
		}
		if service != "" {
			deploys[service] = append(deploys[service], res.deployments...)
		}
		card.Services = append(card.Services, res)
	}
	p.projectStandards(&card, snaps, findings, rotations, now)
	rankWorstFirst(card.Services)
	p.publishDeployments(deploys)
	p.latest.Store(&card)
	p.writeState(context.Background(), stored)
	p.recordTelemetry(limits, time.Since(started))
}

func (p *pillars) recordTelemetry(l Limits, took time.Duration) {
	if p.telemetry == nil {
		return
	}
	ctx := context.Background()
	t := p.telemetry
	t.ExporterPillarsEvaluations.Add(ctx, 1)
	t.ExporterPillarsEvaluationDuration.Record(ctx, took.Seconds())
	t.ExporterPillarsServices.Record(ctx, int64(l.Services))
	t.ExporterPillarsEvictedServices.Add(ctx, int64(l.EvictedIdle-p.reported.EvictedIdle))
	t.ExporterPillarsRefusedServices.Add(ctx, int64(l.RefusedServices-p.reported.RefusedServices))
	t.ExporterPillarsDroppedPoints.Add(ctx, int64(l.DroppedPoints-p.reported.DroppedPoints))
	t.ExporterPillarsRefusedSloPoints.Add(ctx, int64(l.RefusedSLOPoints-p.reported.RefusedSLOPoints))
	t.ExporterPillarsLabelValuesTruncated.Add(ctx, int64(l.TruncatedLabels-p.reported.TruncatedLabels))
	p.reported = l
}

const snapshotChunk = 8

// serviceSnapshot is one service's evidence, copied under the ingest lock.
type serviceSnapshot struct {
	firstSeen        time.Time
	latencies        []latencySample
	key, identityKey string
	labels           []string
	profile          ServiceProfile
	targets          score.Targets
	evidence         score.Evidence
	deploys          []score.Deployment
	incidents        []score.Incident
	exhausted        []timeRange
	exemplars        map[score.CheckID][]string
	maturity         score.MaturityInputs
	budgets          map[string]float64
	std              stdSnapshot
}

func (p *pillars) snapshot(key string, s *serviceState, now time.Time) serviceSnapshot {
	s.prune(now.Add(-p.cfg.Dora.Period))
	snap := serviceSnapshot{key: key, firstSeen: s.firstSeen, latencies: append([]latencySample(nil), s.latencies.samples...),
		labels: s.labels, profile: s.profile, targets: s.targets, evidence: p.evidence(s, now),
		deploys: append([]score.Deployment(nil), s.deployments...), exhausted: append([]timeRange(nil), s.exhausted...),
		exemplars: map[score.CheckID][]string{}}
	for id, ex := range s.exemplars {
		snap.exemplars[id] = append([]string(nil), ex...)
	}
	snap.incidents = append(make([]score.Incident, 0, len(s.incidents)+len(s.openAlerts)), s.incidents...)
	for _, start := range s.openAlerts { // still open: they count against the deployment before them
		snap.incidents = append(snap.incidents, score.Incident{Start: start})
	}
	snap.maturity.TelemetryArrives = len(s.signals) > 0
	snap.std = p.stdSnapshot(s, now)
	snap.budgets = map[string]float64{}
	for name, st := range s.slos {
		if est, ok := st.estimate(); ok {
			snap.budgets[name] = est
		} else if st.hasRemaining {
			snap.budgets[name] = st.remaining
		}
		valid := st.good1h + st.bad1h
		snap.maturity.SLOWithData = snap.maturity.SLOWithData || valid > 0 || st.hasRemaining
		// Sharded replicas alert through the generated Prometheus rules, which this exporter
		// cannot see: the rules exist for every SLO, so enough events in the window can fire.
		snap.maturity.AlertingCanFire = snap.maturity.AlertingCanFire || ((s.alertSeen || st.sharded) && valid >= p.cfg.MinEvents)
		fullPeriod := now.Sub(s.firstSeen) >= p.cfg.Dora.Period && st.hasRemaining && st.remaining > 0
		snap.maturity.SLOMetForPeriod = snap.maturity.SLOMetForPeriod || st.periodMet || fullPeriod
	}
	return snap
}

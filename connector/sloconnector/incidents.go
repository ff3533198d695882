package sloconnector

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// maxRecentBad is how many recent bad-event trace IDs a series remembers for its next incident.
const maxRecentBad = 8

// seriesEvidence is what a series keeps for an incident: a lift table over its lift window and
// the trace IDs of its latest bad events, the failed ones apart.
type seriesEvidence struct {
	lift      *incident.LiftTable
	recentBad [2]traceRing // [0]: any bad event, [1]: bad events whose span failed
}

type traceRing struct {
	ids     [maxRecentBad]pcommon.TraceID
	next, n int
}

func (r *traceRing) add(id pcommon.TraceID) {
	r.ids[r.next] = id
	r.next = (r.next + 1) % maxRecentBad
	r.n = min(r.n+1, maxRecentBad)
}

func (e *seriesEvidence) addBad(id pcommon.TraceID, failed bool) {
	if id.IsEmpty() {
		return
	}
	e.recentBad[0].add(id)
	if failed {
		e.recentBad[1].add(id)
	}
}

// exemplars returns remembered bad trace IDs, newest first: those of failed spans alone before
// the incident opens, any afterwards. sre_sampling keeps every error trace, and every trace of a
// burning service once budget_aware sees the page, so a listed trace is one a backend holds.
func (e *seriesEvidence) exemplars(failedOnly bool) []string {
	r := &e.recentBad[0]
	if failedOnly {
		r = &e.recentBad[1]
	}
	out := make([]string, 0, r.n)
	for i := 1; i <= r.n; i++ {
		id := r.ids[(r.next-i+maxRecentBad)%maxRecentBad]
		out = append(out, hex.EncodeToString(id[:]))
	}
	return out
}

// incidents is the connector's incident machinery; nil when nothing consumes incidents.
type incidents struct {
	cfg      Incidents
	attrs    []string
	tracker  *incident.Tracker // used by the emit goroutine only
	versions *versionTracker
	logs     consumer.Logs // nil without a logs pipeline
	dir      string
	// resourceOnly marks attributes read from the resource alone (semantic conventions put
	// them there), so spans are not searched for them.
	resourceOnly []bool
	values       []string // scratch for one span's lift values; guarded by the connector's mu
	resValues    []string // the current resource's values; guarded by the connector's mu
	// spanSeq numbers the spans ConsumeTraces walks; values hold those of span valuesOf.
	spanSeq, valuesOf uint64
	// traceErrors holds, per recent trace, where it failed (exception type and span name), so
	// a request's factors include what its child spans threw. Guarded by the connector's mu.
	traceErrors map[pcommon.TraceID]traceError
}

func newIncidents(cfg *Config, slos []*sloRuntime, logs consumer.Logs, now time.Time) *incidents {
	in := cfg.Incidents
	for _, rt := range slos {
		// A lift table spans lift_window (by default the SLO's shortest alert window: what
		// made the page fire) in incident.Buckets buckets of at least one emit interval.
		span := in.LiftWindow
		if w, ok := rt.spec.ShortestAlertWindow(); span == 0 && ok {
			span = w.Duration
		}
		rt.liftBucket, rt.liftRotated = max(cfg.EmitInterval, span/incident.Buckets), now
	}
	attrs := in.liftAttributes()
	resourceOnly := make([]bool, len(attrs))
	for i, a := range attrs {
		resourceOnly[i] = a == "k8s.pod.name" || a == "service.version"
	}
	return &incidents{
		cfg: in, attrs: attrs, resourceOnly: resourceOnly, logs: logs, dir: cfg.IncidentsDir,
		versions: newVersionTracker(), traceErrors: map[pcommon.TraceID]traceError{},
		tracker: incident.NewTracker(incident.Config{
			EmitInterval: cfg.EmitInterval, MergeWindow: cfg.MergeWindow, UpdateInterval: in.UpdateInterval,
			StaleAfter: max(cfg.MergeWindow, 20*cfg.EmitInterval), MaxOpen: in.MaxOpen, MaxHistory: in.MaxHistory,
			MaxExemplar: in.MaxExemplars,
		}),
	}
}

// nextSpan marks a new span: its lift values are read again when an SLO counts it.
func (in *incidents) nextSpan() { in.spanSeq++ }

// setResource reads the resource's value of every lift attribute, once per resource rather
// than per span. The caller holds c.mu.
func (in *incidents) setResource(resAttrs pcommon.Map) {
	in.resValues = in.resValues[:0]
	for _, key := range in.attrs {
		value := ""
		if v, ok := resAttrs.Get(key); ok {
			value = valueString(v)
		}
		in.resValues = append(in.resValues, value)
	}
}

// observeSpan counts one valid event into its series' lift table. A series gets a table at
// its first bad event: factors compare bad and good events of the buckets that burned budget,
// so the good events of a series without bad ones are never needed. setResource must have
// been called for the span's resource. The caller holds c.mu.
func (in *incidents) observeSpan(s *series, span ptrace.Span, bad bool, weight float64) {
	if s.evidence == nil {
		if !bad {
			return
		}
		s.evidence = &seriesEvidence{lift: incident.NewLiftTable(in.attrs, symptomAttributes, in.cfg.TopK)}
	}
	if in.valuesOf != in.spanSeq { // once per span, however many SLOs count it
		in.valuesOf = in.spanSeq
		in.values = in.values[:0]
		// Only a failed request looks up where its trace failed: the lookup costs a map probe
		// per span, and a request that succeeded is not explained by a child's handled exception.
		var te traceError
		traceFailed := false
		if span.Status().Code() == ptrace.StatusCodeError && len(in.traceErrors) > 0 {
			te, traceFailed = in.traceErrors[span.TraceID()]
		}
		for i, key := range in.attrs {
			v := in.resValues[i]
			if !in.resourceOnly[i] {
				if sv := spanValue(key, span); sv != "" {
					v = sv
				}
			}
			switch {
			case key == attrExceptionType && v == "" && traceFailed:
				v = te.exceptionType
			case key == attrErrorSpan && traceFailed:
				v = te.spanName
			}
			in.values = append(in.values, v)
		}
	}
	s.evidence.lift.Add(in.values, bad, weight)
	if bad {
		s.evidence.addBad(span.TraceID(), span.Status().Code() == ptrace.StatusCodeError)
	}
}

// rotate starts a new lift bucket in every SLO whose bucket is over, and drops the tables of
// series without bad events in any bucket and without an open incident. The caller holds c.mu
// and runs on the emit goroutine, the tracker's.
func (in *incidents) rotate(slos []*sloRuntime, now time.Time) {
	for _, rt := range slos {
		if now.Sub(rt.liftRotated) < rt.liftBucket {
			continue
		}
		rt.liftRotated = now
		for _, s := range rt.series {
			if s.evidence == nil {
				continue
			}
			s.evidence.lift.Rotate()
			if s.evidence.lift.Idle() && !in.tracker.Open(srestate.SeriesKey(rt.cfg.Name, s.attrs)) {
				s.evidence = nil
			}
		}
	}
}

// pendingSeries is one series' evaluation, taken under the lock and acted on after it.
type pendingSeries struct {
	state    srestate.SeriesState
	obs      incident.Observation
	evidence incident.Evidence
}

// collectState records a series' evaluation for the board and the incident tracker. The
// caller holds c.mu.
func (c *sloConnector) collectState(rt *sloRuntime, s *series, st window.Status, now time.Time) {
	burn := make(map[string]float64, len(st.Windows))
	for _, w := range st.Windows {
		if w.OK && !isNonFinite(w.BurnRate) {
			burn[w.Name] = w.BurnRate
		}
	}
	service := ""
	for _, kv := range s.attrs {
		if kv[0] == attrService {
			service = kv[1]
		}
	}
	p := pendingSeries{state: srestate.SeriesState{
		SLO: rt.cfg.Name, Service: service, Identity: s.attrs, Page: st.Alerts["page"], Ticket: st.Alerts["ticket"],
		BurnRates: burn, BudgetRemaining: finiteOr(st.BudgetRemaining, 0), Updated: now,
	}}
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

// writeDraft writes the postmortem draft of an incident to incidents_dir, atomically.
func (c *sloConnector) writeDraft(inc srestate.Incident, now time.Time) {
	if c.incidents.dir == "" {
		return
	}
	name := filepath.Join(c.incidents.dir, draftName(inc))
	tmp, err := os.CreateTemp(c.incidents.dir, ".draft-*")
	if err == nil {
		// CreateTemp makes 0600; a draft is for the team to read and edit, like any file the
		// collector's user writes (the umask still applies to neither).
		err = tmp.Chmod(0o644)
		_, werr := tmp.WriteString(incident.Postmortem(inc, now, c.incidents.cfg.TraceURL))
		err = errors.Join(err, werr)
		err = errors.Join(err, tmp.Close())
		if err == nil {
			err = os.Rename(tmp.Name(), name)
		}
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}
	if err != nil {
		c.logger.Warn("writing the postmortem draft failed", zap.String("file", name), zap.Error(err))
	}
}

// draftName is the draft's file name: start date, SLO and ID, safe for any file system.
func draftName(inc srestate.Incident) string {
	slo := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, inc.SLO)
	return inc.Start.UTC().Format("2006-01-02") + "-" + slo + "-" + inc.ID + ".md"
}

func periodStart(spec *window.Spec, now time.Time) time.Time {
	start, _ := spec.Period.Bounds(now)
	return start
}

package sloconnector

import (
	"encoding/hex"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
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
	labels       *label.Bounder // the connector's: factor values are labels on incident records
	// traceErrors holds, per recent trace, where it failed (exception type and span name), so
	// a request's factors include what its child spans threw. Batches read and fill it before
	// the ingest lock, so it has a lock of its own.
	errMu       sync.Mutex
	traceErrors map[pcommon.TraceID]traceError
}

func newIncidents(cfg *Config, slos []*sloRuntime, logs consumer.Logs, labels *label.Bounder, now time.Time) *incidents {
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
		cfg: in, attrs: attrs, resourceOnly: resourceOnly, logs: logs, dir: cfg.IncidentsDir, labels: labels,
		versions: newVersionTracker(), traceErrors: map[pcommon.TraceID]traceError{},
		tracker: incident.NewTracker(incident.Config{
			EmitInterval: cfg.EmitInterval, MergeWindow: cfg.MergeWindow, UpdateInterval: in.UpdateInterval,
			StaleAfter: max(cfg.MergeWindow, 20*cfg.EmitInterval), MaxOpen: in.MaxOpen, MaxHistory: in.MaxHistory,
			MaxExemplar: in.MaxExemplars,
		}),
	}
}

// resourceValues reads the resource's value of every lift attribute, once per resource rather
// than per span.
func (in *incidents) resourceValues(resAttrs pcommon.Map, dst []string) []string {
	for _, key := range in.attrs {
		value := ""
		if v, ok := resAttrs.Get(key); ok {
			value = valueString(v)
		}
		dst = append(dst, value)
	}
	return dst
}

// spanValues appends a span's lift values, bounded as labels, to dst. It runs before the ingest
// lock; only a failed request looks up where its trace failed, under errMu: the lookup costs a
// map probe, and a request that succeeded is not explained by a child's handled exception.
func (in *incidents) spanValues(span ptrace.Span, resValues, dst []string) []string {
	var te traceError
	traceFailed := false
	if span.Status().Code() == ptrace.StatusCodeError {
		in.errMu.Lock()
		te, traceFailed = in.traceErrors[span.TraceID()]
		in.errMu.Unlock()
	}
	for i, key := range in.attrs {
		v := resValues[i]
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
		dst = append(dst, in.labels.Bound(v))
	}
	return dst
}

// countLift merges a series' share of a batch into its lift table. A series gets a table with
// its first bad events (and the good events of the batch they came in): factors compare bad and good events of the buckets that burned budget,
// so the good events of a series without bad ones are never needed. The caller holds c.mu.
func (in *incidents) countLift(rt *sloRuntime, key string, s *series, batch *incident.LiftTable) {
	if batch == nil {
		return
	}
	if s.evidence == nil {
		if !batch.HasBad() {
			return
		}
		s.evidence = &seriesEvidence{lift: incident.NewLiftTable(in.attrs, symptomAttributes, in.cfg.TopK)}
		rt.evidenced.Store(key, struct{}{})
	}
	s.evidence.lift.Merge(batch)
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
		for key, s := range rt.series {
			if s.evidence == nil {
				continue
			}
			s.evidence.lift.Rotate()
			if s.evidence.lift.Idle() && !in.tracker.Open(srestate.SeriesKey(rt.cfg.Name, s.attrs)) {
				s.evidence = nil
				rt.evidenced.Delete(key)
			}
		}
	}
}

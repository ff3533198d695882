package sloconnector

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/adjusted"
	"github.com/otelcol-sre/otelcol-sre/internal/incident"
)

// batchPlan is a batch worked out before the ingest lock: every span judged for every SLO,
// weighed, keyed to its series and folded into runs, lift-value sums and bad events. It reads
// the batch and the compiled SLOs only, so concurrent batches plan in parallel, and the lock is
// held for work that grows with the batch's series and runs, not its spans (apply).
type batchPlan struct {
	now        time.Time
	resources  []pcommon.Map // resource attributes, by index
	services   []string      // their bounded service.name
	slos       []sloPlan
	evaluated  int64
	ottlErrors int64

	weights   *adjusted.Reader
	keyBuf    []byte
	liftFree  []*incident.LiftTable
	resValues []string
	values    []string
	resSeries []int32 // per SLO without group_by: the current resource's series, -1 before it
}

// sloPlan is one SLO's part of a batch.
type sloPlan struct {
	keys     map[string]int32 // series key → index into series
	series   []plannedSeries  // first-seen order, which is the order apply creates them in
	runs     []plannedRun
	excluded []plannedExclusion
	bads     []plannedBad
	matched  int64
	invalid  int64
}

type plannedSeries struct {
	key      string
	resource int32
	span     ptrace.Span         // the first span of it: a new series takes its group_by values
	lookups  int64               // spans (or, without group_by, resources) that asked for it
	run      int                 // its latest run, which its next event of the same bucket joins
	lift     *incident.LiftTable // the batch's lift counts, when incidents are tracked
	evidence int8                // whether the series keeps incident evidence: 0 not looked up, 1 yes, -1 no
}

// plannedRun is the batch's events of one series and bucket, recorded into the windows once.
type plannedRun struct {
	series int32
	bucket int64 // unix nanos ÷ the SLO's finest bucket; -1 for late events
	end    int64 // unix nanos of the run's last event
	counts window.Counts
	spans  int64
}

type plannedExclusion struct {
	series int32
	reason string
	weight float64
}

type plannedBad struct {
	series int32
	span   ptrace.Span
	weight float64
}

var readerPool = sync.Pool{New: func() any { return adjusted.NewReader() }}

// plan works out td for every SLO. It touches no connector state but the read-only compiled
// SLOs, the maintenance matchers (their own lock) and incidents' trace errors (errMu).
func (c *sloConnector) plan(ctx context.Context, td ptrace.Traces) *batchPlan {
	p, _ := c.plans.Get().(*batchPlan)
	if p == nil {
		p = &batchPlan{slos: make([]sloPlan, len(c.slos)), resSeries: make([]int32, len(c.slos))}
	}
	p.reset()
	p.now = c.now()
	p.weights = readerPool.Get().(*adjusted.Reader)
	if c.incidents != nil {
		c.incidents.scanErrors(td)
	}
	nowNano := p.now.UnixNano()
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		resAttrs := rs.Resource().Attributes()
		service := ""
		if v, ok := resAttrs.Get(attrService); ok {
			service = c.labels.Bound(v.AsString())
		}
		p.resources, p.services = append(p.resources, resAttrs), append(p.services, service)
		if c.incidents != nil {
			p.resValues = c.incidents.resourceValues(resAttrs, p.resValues[:0])
		}
		for si := range p.resSeries {
			p.resSeries[si] = -1
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			spans := ss.Spans()
			p.evaluated += int64(spans.Len())
			for k := 0; k < spans.Len(); k++ {
				c.planSpan(ctx, p, int32(i), rs, ss, spans.At(k), nowNano)
			}
		}
	}
	return p
}

func (c *sloConnector) planSpan(ctx context.Context, p *batchPlan, resource int32, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, nowNano int64) {
	service := p.services[resource]
	weight := -1.0
	valuesRead := false
	for si, rt := range c.slos {
		if rt.cfg.Service != "" && rt.cfg.Service != service {
			continue
		}
		sp := &p.slos[si]
		out, err := rt.classifier.classify(ctx, rs, ss, span)
		switch {
		case err != nil:
			p.ottlErrors++
			continue
		case out == notValid:
			continue
		case out == invalidSpan:
			sp.invalid++
			continue
		}
		end := int64(span.EndTimestamp())
		reason := reasonExclude
		if out != excludedEvent && rt.maintenance.windows() {
			if r, ok := rt.maintenance.match(service, min(end, nowNano), nowNano); ok {
				out, reason = excludedEvent, r
			}
		}
		if weight < 0 {
			weight = c.weight(p.weights, span)
		}
		sid := p.resSeries[si]
		if sid < 0 {
			p.keyBuf = rt.appendSeriesKey(p.keyBuf[:0], service, p.resources[resource], span, c.labels)
			sid = sp.seriesIndex(p.keyBuf, resource, span)
			if len(rt.cfg.GroupBy) == 0 {
				p.resSeries[si] = sid
			}
		}
		if out == excludedEvent {
			sp.excluded = append(sp.excluded, plannedExclusion{series: sid, reason: reason, weight: weight})
			continue
		}
		bad := out == badEvent
		if bad {
			sp.bads = append(sp.bads, plannedBad{series: sid, span: span, weight: weight})
		}
		if c.incidents != nil && (bad || sp.countsLift(rt, sid)) {
			if !valuesRead {
				p.values = c.incidents.spanValues(span, p.resValues, p.values[:0])
				valuesRead = true
			}
			ps := &sp.series[sid]
			if ps.lift == nil {
				ps.lift = p.takeLift(c.incidents)
			}
			ps.lift.Add(p.values, bad, weight)
		}
		sp.matched++
		bucket := int64(-1)
		if end >= nowNano-int64(rt.spec.MaxLateness) {
			end = min(end, nowNano) // clock skew: a span from the future ends now
			bucket = end / int64(rt.spec.Unit)
		}
		sp.addToRun(sid, bucket, end, bad, weight)
	}
}

// weight is the span's OTEP 235 adjusted count (1 ÷ sampling probability from ot=th), or 1
// when weighting is off, no threshold is present or the tracestate does not parse.
func (c *sloConnector) weight(r *adjusted.Reader, span ptrace.Span) float64 {
	if c.cfg.SamplingWeight == weightNone {
		return 1
	}
	return r.Read(span.TraceState().AsRaw()).Count
}

func (sp *sloPlan) seriesIndex(key []byte, resource int32, span ptrace.Span) int32 {
	if i, ok := sp.keys[string(key)]; ok {
		sp.series[i].lookups++
		return i
	}
	i := int32(len(sp.series))
	k := string(key)
	sp.keys[k] = i
	sp.series = append(sp.series, plannedSeries{key: k, resource: resource, span: span, lookups: 1, run: -1})
	return i
}

func (sp *sloPlan) addToRun(sid int32, bucket, end int64, bad bool, weight float64) {
	ps := &sp.series[sid]
	if ps.run < 0 || sp.runs[ps.run].bucket != bucket {
		sp.runs = append(sp.runs, plannedRun{series: sid, bucket: bucket})
		ps.run = len(sp.runs) - 1
	}
	r := &sp.runs[ps.run]
	r.end = max(r.end, end)
	if bad {
		r.counts.Bad += weight
	} else {
		r.counts.Good += weight
	}
	r.spans++
}

// countsLift reports whether a good event of series sid goes into a lift table: once the
// series keeps evidence, or a bad event of it came earlier in this batch.
func (sp *sloPlan) countsLift(rt *sloRuntime, sid int32) bool {
	ps := &sp.series[sid]
	if ps.lift != nil {
		return true
	}
	if ps.evidence == 0 {
		ps.evidence = -1
		if _, ok := rt.evidenced.Load(ps.key); ok {
			ps.evidence = 1
		}
	}
	return ps.evidence > 0
}

// takeLift returns an empty lift table for one series' share of the batch.
func (p *batchPlan) takeLift(in *incidents) *incident.LiftTable {
	if n := len(p.liftFree); n > 0 {
		t := p.liftFree[n-1]
		p.liftFree = p.liftFree[:n-1]
		return t
	}
	return incident.NewLiftTable(in.attrs, symptomAttributes, in.cfg.TopK)
}

func (p *batchPlan) reset() {
	p.resources, p.services = p.resources[:0], p.services[:0]
	p.evaluated, p.ottlErrors = 0, 0
	for i := range p.slos {
		sp := &p.slos[i]
		if sp.keys == nil {
			sp.keys = map[string]int32{}
		}
		clear(sp.keys)
		sp.series, sp.runs, sp.excluded, sp.bads = sp.series[:0], sp.runs[:0], sp.excluded[:0], sp.bads[:0]
		sp.matched, sp.invalid = 0, 0
	}
}

// release returns the plan to the connector's pool without what points into the batch, so a
// pooled plan never keeps a batch alive.
func (c *sloConnector) release(p *batchPlan) {
	readerPool.Put(p.weights)
	p.weights = nil
	clear(p.resources)
	huge := false
	for i := range p.slos {
		sp := &p.slos[i]
		for j := range sp.series {
			if t := sp.series[j].lift; t != nil && len(p.liftFree) < maxPooledLiftTables {
				t.Reset()
				p.liftFree = append(p.liftFree, t)
			}
		}
		clear(sp.series)
		clear(sp.bads)
		// one huge batch should not pin its buffers for ever
		huge = huge || cap(sp.runs) > 1<<16 || len(sp.keys) > 1<<12
	}
	if !huge {
		c.plans.Put(p)
	}
}

// maxPooledLiftTables bounds the empty lift tables a pooled plan keeps.
const maxPooledLiftTables = 64

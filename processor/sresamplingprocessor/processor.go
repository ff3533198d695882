package sresamplingprocessor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/internal/attr"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/metadata"
)

type ottlCondition = ottl.Condition[*ottlspan.TransformContext]

// sreSampling is the collector-facing side: it turns pdata into evidence for the decision
// engine, buffers undecided spans as OTLP bytes, and forwards what is kept.
type sreSampling struct {
	cfg       *Config
	logger    *zap.Logger
	next      consumer.Traces
	telemetry *metadata.TelemetryBuilder
	now       func() time.Time
	keepWhen  []*ottlCondition
	grpcCodes map[int64]bool

	mu      sync.Mutex
	engine  *decide.Engine
	ts      *tracestates
	scratch batchScratch

	done chan struct{}
	wg   sync.WaitGroup

	pending        []pendingRelease // ticker releases the next consumer refused (forward.go)
	forwardDropped atomic.Int64
}

func newProcessor(set component.TelemetrySettings, cfg *Config, next consumer.Traces, now func() time.Time) (*sreSampling, error) {
	keepWhen, err := compileKeepWhen(cfg.KeepWhen)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	p := &sreSampling{
		cfg: cfg, logger: set.Logger, next: next, telemetry: tb, now: now, keepWhen: keepWhen,
		grpcCodes: map[int64]bool{}, ts: newTracestates(cfg.Ratio),
		engine: decide.New(decide.Config{
			DecisionWait: cfg.DecisionWait, MaxTraceAge: cfg.MaxTraceAge,
			MemoryLimitBytes: cfg.MemoryLimitMiB << 20,
			KeptCache:        cfg.DecisionCache.Kept, DroppedCache: cfg.DecisionCache.Dropped,
		}),
		scratch: newBatchScratch(),
	}
	for _, code := range cfg.Errors.RPCGRPCStatusCodes {
		p.grpcCodes[code] = true
	}
	return p, nil
}

func (p *sreSampling) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true} // spans move into the buffer and get `th`
}

func (p *sreSampling) Start(context.Context, component.Host) error {
	p.done = make(chan struct{})
	p.wg.Add(1)
	go p.tick()
	return nil
}

// Shutdown decides every buffered trace and forwards what is kept.
func (p *sreSampling) Shutdown(ctx context.Context) error {
	if p.done != nil {
		close(p.done)
		p.wg.Wait()
		p.done = nil
	}
	p.mu.Lock()
	decisions := p.engine.Flush(p.now().UnixNano())
	out := p.release(decisions)
	p.recordStats(ctx, decisions)
	p.mu.Unlock()
	// One last attempt for what still waits, then the rest of the buffer.
	var err error
	for _, pr := range p.pending {
		if e := p.next.ConsumeTraces(ctx, pr.td); e != nil {
			p.dropForwarded(ctx, pr.td, e)
			err = e
		}
	}
	p.pending = nil
	if out.SpanCount() > 0 {
		if e := p.next.ConsumeTraces(ctx, out); e != nil {
			p.dropForwarded(ctx, out, e)
			err = e
		}
	}
	p.telemetry.Shutdown()
	return err
}

func (p *sreSampling) tick() {
	defer p.wg.Done()
	interval := min(100*time.Millisecond, p.cfg.DecisionWait/4)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			ctx := context.Background()
			p.mu.Lock()
			decisions := p.engine.Tick(p.now().UnixNano())
			out := p.release(decisions)
			p.recordStats(ctx, decisions)
			p.mu.Unlock()
			p.forward(ctx, out)
		}
	}
}

func (p *sreSampling) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	p.mu.Lock()
	nowNano := p.now().UnixNano()
	b := &p.scratch
	b.reset()
	noTraceID := p.observe(ctx, td, b)

	var decisions []*decide.Decision
	for i := range b.traces {
		bt := &b.traces[i]
		var d *decide.Decision
		bt.action, bt.kept, d = p.engine.Observe(decide.TraceID(bt.id), nowNano, bt.ev)
		if d != nil {
			decisions = append(decisions, d)
		}
	}
	if err := p.buffer(td, b); err != nil {
		p.mu.Unlock()
		return err
	}
	p.route(td, b)
	decisions = append(decisions, p.engine.EnforceBudget(nowNano)...)
	released := p.release(decisions)
	p.recordStats(ctx, decisions)
	p.mu.Unlock()

	if noTraceID > 0 {
		p.telemetry.ProcessorSreSamplingSpansWithoutTraceID.Add(ctx, noTraceID)
	}
	released.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	if td.SpanCount() == 0 {
		return nil
	}
	return p.next.ConsumeTraces(ctx, td)
}

// observe folds every span into its trace's evidence for this batch. It returns the number of
// spans without a trace id, which are marked for dropping.
func (p *sreSampling) observe(ctx context.Context, td ptrace.Traces, b *batchScratch) int64 {
	var noTraceID, tsErrors int64
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		slow := p.cfg.Latency.Threshold
		if v, ok := rs.Resource().Attributes().Get("service.name"); ok {
			if d, ok := p.cfg.Latency.PerService[v.AsString()]; ok {
				slow = d
			}
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				if span.TraceID().IsEmpty() {
					noTraceID++
					b.spanTrace = append(b.spanTrace, -1)
					continue
				}
				info := p.ts.span(span)
				if info.malformed || info.inconsistent {
					tsErrors++
				}
				idx := b.traceIndex(span.TraceID())
				b.spanTrace = append(b.spanTrace, int32(idx))
				ev := &b.traces[idx].ev
				ev.Spans++
				if !ev.Error && p.isError(span) {
					ev.Error = true
				}
				if !ev.Slow && slow > 0 && int64(span.EndTimestamp())-int64(span.StartTimestamp()) > int64(slow) {
					ev.Slow = true
				}
				if !ev.Error && !ev.Slow && !ev.Rule && len(p.keepWhen) > 0 {
					ev.Rule = p.matchesRule(ctx, rs, ss, span)
				}
				if span.ParentSpanID().IsEmpty() {
					ev.Root = true
				}
				ev.Randomness = info.randomness.Unsigned()
				if info.ratioOK && (!ev.RatioOK || info.ratio.Unsigned() > ev.RatioThreshold) {
					ev.RatioThreshold, ev.RatioOK = info.ratio.Unsigned(), true
				}
			}
		}
	}
	if tsErrors > 0 {
		p.telemetry.ProcessorSreSamplingTracestateErrors.Add(ctx, tsErrors)
	}
	return noTraceID
}

func (p *sreSampling) isError(span ptrace.Span) bool {
	if !p.cfg.Errors.Enabled {
		return false
	}
	if span.Status().Code() == ptrace.StatusCodeError {
		return true
	}
	if p.cfg.Errors.HTTPStatusMin > 0 && span.Kind() == ptrace.SpanKindServer {
		if code, ok := attr.Int(span.Attributes(), "http.response.status_code", "http.status_code"); ok && code >= p.cfg.Errors.HTTPStatusMin {
			return true
		}
	}
	if len(p.grpcCodes) > 0 {
		if code, ok := attr.Int(span.Attributes(), "rpc.grpc.status_code"); ok && p.grpcCodes[code] {
			return true
		}
	}
	return false
}

func (p *sreSampling) matchesRule(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) bool {
	tctx := ottlspan.NewTransformContext(rs, ss, span)
	defer tctx.Close()
	for _, cond := range p.keepWhen {
		if ok, err := cond.Eval(ctx, tctx); err == nil && ok {
			return true
		}
	}
	return false
}

// buffer stores the batch's spans of undecided traces as one compressed chunk per trace.
func (p *sreSampling) buffer(td ptrace.Traces, b *batchScratch) error {
	anyBuffered := false
	for i := range b.traces {
		anyBuffered = anyBuffered || b.traces[i].action == decide.Buffer
	}
	if !anyBuffered {
		return nil
	}
	raw, err := b.marshaler.MarshalTraces(td)
	if err != nil {
		return err
	}
	if err := b.splitBatch(raw, func(t int32) bool { return b.traces[t].action == decide.Buffer }); err != nil {
		return err
	}
	b.buildChunks(func(t int32, chunk []byte) { p.engine.Store(decide.TraceID(b.traces[t].id), chunk) })
	return nil
}

// route applies each trace's action to its spans: forwarded spans stay in td with their
// tracestate written; buffered (already stored) and dropped spans are removed.
func (p *sreSampling) route(td ptrace.Traces, b *batchScratch) {
	n := 0
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(span ptrace.Span) bool {
				idx := b.spanTrace[n]
				n++
				if idx < 0 {
					return true
				}
				if bt := &b.traces[idx]; bt.action == decide.Forward {
					p.writeTracestate(span, bt.kept)
					return false
				}
				return true
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
}

func (p *sreSampling) writeTracestate(span ptrace.Span, kept decide.Kept) {
	raw := span.TraceState().AsRaw()
	threshold, _ := sampling.UnsignedToThreshold(kept.Threshold)
	out := p.ts.write(raw, p.ts.span(span), kept.Reason == decide.ReasonRatio, threshold)
	if out != raw {
		span.TraceState().FromRaw(out)
	}
}

// release decodes the buffered chunks of kept traces and writes their thresholds.
func (p *sreSampling) release(decisions []*decide.Decision) ptrace.Traces {
	out := ptrace.NewTraces()
	for _, d := range decisions {
		if !d.Keep {
			continue
		}
		for _, chunk := range d.Chunks {
			raw, err := decodeChunk(chunk, p.scratch.decoded)
			if err == nil {
				p.scratch.decoded = raw
				var td ptrace.Traces
				if td, err = p.scratch.unmarshaler.UnmarshalTraces(raw); err == nil {
					p.stamp(td, d.Kept)
					td.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
				}
			}
			if err != nil {
				p.logger.Error("a buffered chunk does not decode; its spans are lost", zap.Error(err))
			}
		}
	}
	return out
}

// stamp writes the decision's threshold on every span of td.
func (p *sreSampling) stamp(td ptrace.Traces, kept decide.Kept) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				p.writeTracestate(spans.At(k), kept)
			}
		}
	}
}

// recordStats turns one call's decisions and engine counters into internal telemetry, with
// one Add per metric and call rather than one per trace.
func (p *sreSampling) recordStats(ctx context.Context, decisions []*decide.Decision) {
	var kept [5]int64
	var dropped int64
	for _, d := range decisions {
		if d.Keep {
			kept[d.Kept.Reason]++
		} else {
			dropped++
		}
		p.telemetry.ProcessorSreSamplingDecisionLatency.Record(ctx, d.Latency.Seconds())
	}
	for r := decide.ReasonError; r <= decide.ReasonRatio; r++ {
		if kept[r] > 0 {
			p.telemetry.ProcessorSreSamplingTracesKept.Add(ctx, kept[r], reasonAttrs[r])
		}
	}
	if dropped > 0 {
		p.telemetry.ProcessorSreSamplingTracesDropped.Add(ctx, dropped)
	}
	stats := p.engine.TakeStats()
	if stats.LateSpans > 0 {
		p.telemetry.ProcessorSreSamplingLateSpans.Add(ctx, stats.LateSpans)
	}
	if stats.EarlyDecisions > 0 {
		p.telemetry.ProcessorSreSamplingEarlyDecisions.Add(ctx, stats.EarlyDecisions)
	}
	traces, bytes := p.engine.Buffered()
	p.telemetry.ProcessorSreSamplingBufferedTraces.Record(ctx, int64(traces))
	p.telemetry.ProcessorSreSamplingBufferedBytes.Record(ctx, bytes)
}

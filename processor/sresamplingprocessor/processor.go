package sresamplingprocessor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/policy"
)

// sreSampling is the collector-facing side: it turns pdata into evidence for the decision
// engines, buffers undecided spans as compressed OTLP bytes, and forwards what is kept.
//
// A batch goes through three steps. Plan (under each shard's lock, read-only) says what each
// trace's spans in the batch become; the spans kept now are forwarded with no lock held; only
// once the next consumer has accepted them is the plan committed (buffered chunks stored,
// decisions made). A refused batch changes nothing and is safe to retry.
type sreSampling struct {
	cfg          *Config
	logger       *zap.Logger
	next         consumer.Traces
	telemetry    *metadata.TelemetryBuilder
	now          func() time.Time
	conditions   []*ottlCondition // rules, then keep_when
	grpcCodes    map[int64]bool
	policy       *samplingPolicy
	keyed        bool            // traces carry a key: keys are set, or budget_aware boosts by service
	board        *srestate.Board // the sre_state extension's, for budget_aware
	boost        *policy.Boost   // budget_aware's services; the run goroutine's alone
	boostChecked time.Time
	boostPage    bool // the severities that boost
	boostTicket  bool
	budget       *decide.Budget
	shards       []shard
	scratch      sync.Pool

	releases   releaseQueue
	earlyTotal atomic.Int64 // early and giant decisions, for tests and logs
	// decidedSpans and keptSpans are published to the board, so pillars judges the keep ratio
	// from the decisions rather than from a stream it may see before the sampler.
	decidedSpans, keptSpans atomic.Int64
	started                 time.Time
	boardSource             string
	lastAdjust              time.Time
	done                    chan struct{}
	wg                      sync.WaitGroup
}

type shard struct {
	mu     sync.Mutex
	engine *decide.Engine
}

var errBackpressure = errors.New("sre_sampling: kept spans the next consumer has not accepted hold half of memory_limit_mib; retry later")

func newProcessor(set component.TelemetrySettings, cfg *Config, next consumer.Traces, now func() time.Time) (*sreSampling, error) {
	var conditions []string
	for _, r := range cfg.Rules {
		conditions = append(conditions, r.When)
	}
	compiled, err := compileConditions("rules", append(conditions, cfg.KeepWhen...))
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	p := &sreSampling{
		cfg: cfg, logger: set.Logger, next: next, telemetry: tb, now: now, conditions: compiled,
		grpcCodes: map[int64]bool{}, policy: newSamplingPolicy(cfg),
		budget: decide.NewBudget(cfg.budgetBytes()), lastAdjust: now(),
	}
	if ba := cfg.budgetAware(); ba != nil {
		p.boost = policy.NewBoost(ba.RatioWhenBurning, ba.Cooldown, cfg.MaxKeys)
		p.boostPage, p.boostTicket = slices.Contains(ba.Severities, "page"), slices.Contains(ba.Severities, "ticket")
	}
	p.keyed = len(cfg.Keys) > 0 || p.boost != nil
	p.scratch.New = func() any { return newBatchScratch() }
	p.budget.Add(p.policy.controller.Bytes())
	for _, code := range cfg.Errors.RPCGRPCStatusCodes {
		p.grpcCodes[code] = true
	}
	n := cfg.shards()
	p.shards = make([]shard, n)
	for i := range p.shards {
		p.shards[i].engine = decide.New(decide.Config{
			DecisionWait: cfg.DecisionWait, MaxTraceAge: cfg.MaxTraceAge, MaxTraceBytes: cfg.maxTraceBytes(),
			KeptCache: cfg.DecisionCache.Kept / n, DroppedCache: cfg.DecisionCache.Dropped / n,
			Budget: p.budget, Policy: p.policy,
		})
	}
	p.releases.init(p)
	return p, nil
}

func (p *sreSampling) Capabilities() consumer.Capabilities {
	// The input is only read: buffered spans are encoded from it, and what is forwarded at once
	// is copied into a new batch that gets `th`. So the collector need not deep-copy every batch
	// for us when the receiver also feeds the SLOs and pillars (its fan-out clones for a
	// consumer that mutates); our copy is of the spans kept at once only.
	return consumer.Capabilities{MutatesData: false}
}

func (p *sreSampling) Start(_ context.Context, host component.Host) error {
	board, err := srestate.Lookup(host.GetExtensions(), p.cfg.State)
	switch {
	case err == nil:
		p.board = board
	case p.boost != nil || p.cfg.State != nil:
		return fmt.Errorf("budget_aware: %w", err)
	}
	p.started, p.boardSource = p.now(), fmt.Sprintf("sre_sampling/%p", p)
	p.done = make(chan struct{})
	p.wg.Add(1)
	go p.run()
	return nil
}

// Shutdown decides every buffered trace and makes one attempt to forward what is kept.
func (p *sreSampling) Shutdown(ctx context.Context) error {
	if p.done != nil {
		close(p.done)
		p.wg.Wait()
		p.done = nil
	}
	p.tick(ctx) // the last counters
	now := p.now().UnixNano()
	for i := range p.shards {
		s := &p.shards[i]
		s.mu.Lock()
		decisions := s.engine.Flush(now)
		s.engine.Close()
		s.mu.Unlock()
		p.dispatch(ctx, decisions)
	}
	err := p.releases.drain(ctx, true)
	p.telemetry.Shutdown()
	return err
}

// buffered returns the number of undecided traces.
func (p *sreSampling) buffered() int {
	n := 0
	for i := range p.shards {
		p.shards[i].mu.Lock()
		n += p.shards[i].engine.Buffered()
		p.shards[i].mu.Unlock()
	}
	return n
}

func (p *sreSampling) shardOf(id pcommon.TraceID) int {
	h := (uint64(id[0]) | uint64(id[5])<<8 | uint64(id[10])<<16 | uint64(id[15])<<24) * 0x9E3779B97F4A7C15
	return int((h >> 32) % uint64(len(p.shards)))
}

func (p *sreSampling) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	if p.releases.heldBytes() > p.budget.Limit()/2 {
		p.telemetry.ProcessorSreSamplingBackpressureRefusals.Add(ctx, 1)
		return errBackpressure
	}
	b := p.scratch.Get().(*batchScratch)
	defer p.scratch.Put(b)
	b.reset()
	now := p.now().UnixNano()
	noTraceID, tsErrors := p.observe(ctx, td, b)
	if noTraceID > 0 {
		p.telemetry.ProcessorSreSamplingSpansWithoutTraceID.Add(ctx, noTraceID)
	}
	if tsErrors > 0 {
		p.telemetry.ProcessorSreSamplingTracestateErrors.Add(ctx, tsErrors)
	}
	p.eachShard(b, func(e *decide.Engine, bt *batchTrace) {
		bt.plan = e.Plan(decide.TraceID(bt.id), bt.ev)
	}, nil)
	if err := p.buffer(td, b); err != nil {
		return consumererror.NewPermanent(err)
	}
	kept, evidenceSpans := p.route(td, b)
	if kept.SpanCount() > 0 {
		if err := p.next.ConsumeTraces(ctx, kept); err != nil {
			return err // nothing committed: a retry of this batch starts afresh
		}
	}
	p.policy.controller.CountEvidence(evidenceSpans)
	var decisions []*decide.Decision
	p.eachShard(b, func(e *decide.Engine, bt *batchTrace) {
		if d := e.Commit(decide.TraceID(bt.id), now, bt.ev, bt.plan, bt.chunk); d != nil {
			decisions = append(decisions, d)
		}
	}, func(e *decide.Engine) {
		if p.budget.Over() {
			decisions = append(decisions, e.EnforceBudget(now)...)
		}
	})
	p.dispatch(ctx, decisions)
	return nil
}

// eachShard calls fn for every trace of the batch under its shard's lock, one shard at a time,
// then after(engine) before that shard's lock is released. The batch's traces are grouped by
// shard once (a counting sort), so the cost is O(traces + shards), not their product.
func (p *sreSampling) eachShard(b *batchScratch, fn func(*decide.Engine, *batchTrace), after func(*decide.Engine)) {
	if len(b.traces) == 0 {
		return
	}
	if !b.grouped {
		p.groupByShard(b)
	}
	for s := range p.shards {
		group := b.byShard[b.shardStart[s]:b.shardStart[s+1]]
		if len(group) == 0 {
			continue
		}
		p.shards[s].mu.Lock()
		for _, i := range group {
			fn(p.shards[s].engine, &b.traces[i])
		}
		if after != nil {
			after(p.shards[s].engine)
		}
		p.shards[s].mu.Unlock()
	}
}

func (p *sreSampling) groupByShard(b *batchScratch) {
	n := len(p.shards)
	b.shardStart = slices.Grow(b.shardStart[:0], n+1)[:n+1]
	clear(b.shardStart)
	for i := range b.traces {
		s := p.shardOf(b.traces[i].id)
		b.traces[i].shard = s
		b.shardStart[s+1]++
	}
	for s := 1; s <= n; s++ {
		b.shardStart[s] += b.shardStart[s-1]
	}
	b.byShard = slices.Grow(b.byShard[:0], len(b.traces))[:len(b.traces)]
	b.shardNext = append(b.shardNext[:0], b.shardStart[:n]...)
	for i := range b.traces {
		s := b.traces[i].shard
		b.byShard[b.shardNext[s]] = int32(i)
		b.shardNext[s]++
	}
	b.grouped = true
}

// buffer cuts the batch's spans of traces the plan buffers into one compressed chunk per trace.
func (p *sreSampling) buffer(td ptrace.Traces, b *batchScratch) error {
	anyBuffered := false
	for i := range b.traces {
		anyBuffered = anyBuffered || b.traces[i].plan.Buffer
	}
	if !anyBuffered {
		return nil
	}
	raw, err := b.marshaler.MarshalTraces(td)
	if err != nil {
		return err
	}
	if err := b.splitBatch(raw, func(t int32) bool { return b.traces[t].plan.Buffer }); err != nil {
		return err
	}
	b.buildChunks(func(t int32, chunk []byte) { b.traces[t].chunk = chunk })
	clear(b.pieces) // they point into raw, which must not outlive this call in the pool
	return nil
}

// dispatch records decisions and hands those with spans to keep to the release queue; the
// bytes of the rest go back to the budget at once.
// countOnSight adds the traces decided by their first batch to the same totals dispatch keeps.
func (p *sreSampling) countOnSight(ctx context.Context, st decide.Stats) {
	p.decidedSpans.Add(st.OnSightSpans)
	p.keptSpans.Add(st.OnSightKeptSpans)
	for r := decide.ReasonError; r <= decide.ReasonRatio; r++ {
		if st.OnSight[r] > 0 {
			p.telemetry.ProcessorSreSamplingTracesKept.Add(ctx, st.OnSight[r], reasonAttrs[r])
		}
	}
	if n := st.OnSight[decide.ReasonNone]; n > 0 {
		p.telemetry.ProcessorSreSamplingTracesDropped.Add(ctx, n)
	}
}

func (p *sreSampling) dispatch(ctx context.Context, decisions []*decide.Decision) {
	if len(decisions) == 0 {
		return
	}
	var kept [5]int64
	var dropped, evidence int64
	queued := false
	for _, d := range decisions {
		coverage := decide.KeepNone
		if len(d.Chunks) > 0 {
			coverage = d.Verdict.Coverage(d.Range, composeThreshold)
		}
		if !d.Late {
			p.decidedSpans.Add(int64(d.Spans))
			if d.Keep() && (coverage != decide.KeepNone || len(d.Chunks) == 0) {
				kept[d.Reason]++
				p.keptSpans.Add(int64(d.Spans))
			} else {
				dropped++
			}
			p.telemetry.ProcessorSreSamplingDecisionLatency.Record(ctx, d.Latency.Seconds())
		}
		if d.Verdict.Mode == decide.ModeAll {
			evidence += int64(d.Spans)
		}
		if coverage == decide.KeepNone {
			p.budget.Release(d.Bytes)
			continue
		}
		p.releases.add(d, coverage, p.now())
		queued = true
	}
	p.policy.controller.CountEvidence(int(evidence))
	for r := decide.ReasonError; r <= decide.ReasonRatio; r++ {
		if kept[r] > 0 {
			p.telemetry.ProcessorSreSamplingTracesKept.Add(ctx, kept[r], reasonAttrs[r])
		}
	}
	if dropped > 0 {
		p.telemetry.ProcessorSreSamplingTracesDropped.Add(ctx, dropped)
	}
	if queued {
		p.releases.signal()
	}
}

// run decides traces whose time has come, adapts the ratios and forwards releases.
func (p *sreSampling) run() {
	defer p.wg.Done()
	interval := min(100*time.Millisecond, p.cfg.DecisionWait/4)
	t := time.NewTicker(interval)
	defer t.Stop()
	ctx := context.Background()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.tick(ctx)
		case <-p.releases.wake:
		}
		_ = p.releases.drain(ctx, false)
	}
}

// tick decides what is due, adapts the ratios every adjust_interval and records gauges. Only
// the run goroutine calls it (and Shutdown, and tests, once that has stopped).
func (p *sreSampling) tick(ctx context.Context) {
	wall := p.now()
	if elapsed := wall.Sub(p.lastAdjust); elapsed >= p.cfg.AdjustInterval {
		p.policy.controller.Adjust(elapsed.Seconds())
		p.lastAdjust = wall
	}
	p.updateBoost(ctx, wall)
	if p.board != nil {
		p.board.PublishSampling(p.boardSource, srestate.SamplingStats{
			DecidedSpans: float64(p.decidedSpans.Load()), KeptSpans: float64(p.keptSpans.Load()), Since: p.started, Updated: wall})
	}
	now := wall.UnixNano()
	var stats decide.Stats
	buffered := 0
	for i := range p.shards {
		s := &p.shards[i]
		s.mu.Lock()
		decisions := s.engine.Tick(now)
		if p.budget.Over() {
			decisions = append(decisions, s.engine.EnforceBudget(now)...)
		}
		st := s.engine.TakeStats()
		buffered += s.engine.Buffered()
		s.mu.Unlock()
		stats.LateSpans += st.LateSpans
		stats.EarlyDecisions += st.EarlyDecisions
		stats.GiantDecisions += st.GiantDecisions
		stats.OnSightSpans += st.OnSightSpans
		stats.OnSightKeptSpans += st.OnSightKeptSpans
		for r, n := range st.OnSight {
			stats.OnSight[r] += n
		}
		p.dispatch(ctx, decisions)
	}
	p.countOnSight(ctx, stats)
	if stats.LateSpans > 0 {
		p.telemetry.ProcessorSreSamplingLateSpans.Add(ctx, stats.LateSpans)
	}
	p.earlyTotal.Add(stats.EarlyDecisions + stats.GiantDecisions)
	if stats.EarlyDecisions > 0 {
		p.telemetry.ProcessorSreSamplingEarlyDecisions.Add(ctx, stats.EarlyDecisions)
	}
	if stats.GiantDecisions > 0 {
		p.telemetry.ProcessorSreSamplingGiantTraces.Add(ctx, stats.GiantDecisions)
	}
	p.telemetry.ProcessorSreSamplingBufferedTraces.Record(ctx, int64(buffered))
	p.telemetry.ProcessorSreSamplingBufferedBytes.Record(ctx, p.budget.Used())
	p.telemetry.ProcessorSreSamplingEvidenceRatio.Record(ctx, p.policy.controller.EvidenceRatio())
	p.telemetry.ProcessorSreSamplingKeys.Record(ctx, int64(p.policy.controller.Keys()))
}

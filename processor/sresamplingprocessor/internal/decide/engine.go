package decide

import "time"

// Policy gives the engine the ratios and rules in force.
type Policy interface {
	// OrdinaryRatio is the ratio for an ordinary trace of key.
	OrdinaryRatio(key uint32) float64
	// EvidenceRatio is the ratio for traces kept on evidence (1 unless capped).
	EvidenceRatio() float64
	// Rule describes rule i: drop, or keep every span (at the evidence ratio), or keep a
	// consistent ratio.
	Rule(i int) (drop, keepsAll bool, ratio float64)
	// DropIsFinal reports whether a matched drop rule i can no longer be overridden.
	DropIsFinal(i int) bool
	// Decided is told about every trace decided by a ratio (key or rule), for throughput
	// control; spans kept on evidence are counted by the caller as it forwards them.
	Decided(d *Decision, key uint32)
}

// Config of an Engine.
type Config struct {
	DecisionWait  time.Duration
	MaxTraceAge   time.Duration
	MaxTraceBytes int64
	KeptCache     int
	DroppedCache  int
	Budget        *Budget
	Policy        Policy
}

// traceOverhead is what one buffered trace costs beyond its chunks: the trace struct (192 B
// size class), its map entry at the map's worst load and at most one timer-wheel map entry
// (checked by TestBudgetIsTheMemory in the processor).
const traceOverhead = 320

// ChunkCost is what one buffered chunk is charged: its length, the slice header in the
// trace's chunk list (which grows by doubling) and size-class rounding of the allocation.
func ChunkCost(chunk []byte) int64 { return int64(len(chunk)) + int64(len(chunk))/8 + 48 }

// wheelSlot is the timer resolution.
const wheelSlot = int64(50 * time.Millisecond)

// Stats are counters since the last TakeStats.
type Stats struct {
	LateSpans      int64
	EarlyDecisions int64 // memory budget
	GiantDecisions int64 // max_trace_bytes
	// OnSight counts the traces decided by their first batch, never buffered (evidence or a
	// rule on first sight), by reason; ReasonNone counts the dropped ones. They yield no
	// Decision, so without these they would be missing from the kept and dropped totals.
	OnSight                        [ReasonRatio + 1]int64
	OnSightSpans, OnSightKeptSpans int64
}

type trace struct {
	id                            TraceID
	older, newer                  *trace // arrival order, for early decisions
	slotPrev, slotNext            *trace // the traces due in the same wheel slot
	firstSeen, lastSeen, rootSeen int64
	bytes                         int64
	spans                         int
	chunks                        [][]byte
	slot                          int64
	scheduled                     bool
	rule                          int
	key                           uint32
	keyFromRoot                   bool
	rng                           SpanRange
}

// deadline is root + wait, else last span + wait, never later than first span + max age.
func (t *trace) deadline(cfg *Config) int64 {
	anchor := t.lastSeen
	if t.rootSeen != 0 {
		anchor = t.rootSeen
	}
	return min(anchor+int64(cfg.DecisionWait), t.firstSeen+int64(cfg.MaxTraceAge))
}

// Engine decides the traces of one shard. It is not safe for concurrent use; several engines
// share one Budget and one Policy.
type Engine struct {
	cfg            Config
	traces         map[TraceID]*trace
	oldest, newest *trace
	wheel          map[int64]*trace // slot → first trace due in it
	cursor         int64
	kept, dropped  *verdictCache
	stats          Stats
}

// New returns an Engine and charges its caches to the budget.
func New(cfg Config) *Engine {
	e := &Engine{
		cfg: cfg, traces: map[TraceID]*trace{}, wheel: map[int64]*trace{},
		kept: newVerdictCache(cfg.KeptCache), dropped: newVerdictCache(cfg.DroppedCache),
	}
	cfg.Budget.Add(CacheBytes(cfg.KeptCache) + CacheBytes(cfg.DroppedCache))
	return e
}

// Close returns the caches' bytes to the budget.
func (e *Engine) Close() {
	e.cfg.Budget.Release(CacheBytes(e.cfg.KeptCache) + CacheBytes(e.cfg.DroppedCache))
}

// Plan is what to do with a batch's spans of one trace.
type Plan struct {
	// Buffer: the trace stays undecided; the spans go to Commit with their chunk.
	Buffer bool
	// Verdict is the decision the spans follow when not buffered. A ModeRatio verdict keeps
	// ordinary spans by its ratio and evidence spans by EvidenceRatio.
	Verdict Verdict
	// Decides: committing this batch decides the buffered trace with Verdict.
	Decides bool
	Reason  Reason
}

// Plan says, without changing anything, what a batch with evidence ev means for trace id. The
// caller forwards what the plan keeps and, once the next consumer has accepted, calls Commit
// with the same plan; if it refuses, nothing was changed and the batch can be retried.
func (e *Engine) Plan(id TraceID, ev Evidence) Plan {
	if v, ok := e.cached(id); ok {
		return Plan{Verdict: v}
	}
	rule := ev.Rule
	if t, ok := e.traces[id]; ok {
		rule = min(rule, t.rule)
	}
	if rule != NoRule {
		drop, keepsAll, _ := e.cfg.Policy.Rule(rule)
		switch {
		case drop && (ev.Reason != ReasonNone || e.cfg.Policy.DropIsFinal(rule)):
			return Plan{Verdict: Verdict{Mode: ModeDrop}, Decides: true}
		case keepsAll:
			return Plan{Verdict: Verdict{Mode: ModeAll, Ratio: e.cfg.Policy.EvidenceRatio()}, Decides: true, Reason: ReasonRule}
		}
	}
	if ev.Reason != ReasonNone {
		return Plan{Verdict: Verdict{Mode: ModeAll, Ratio: e.cfg.Policy.EvidenceRatio()}, Decides: true, Reason: ev.Reason}
	}
	return Plan{Buffer: true}
}

func (e *Engine) cached(id TraceID) (Verdict, bool) {
	if v, ok := e.kept.get(id); ok {
		return v, true
	}
	return e.dropped.get(id)
}

// Commit applies an accepted plan at now (unix nanos). chunk holds the batch's spans of the
// trace when the plan buffers them. It returns the decisions it makes: the trace decided by
// the plan, one decided early because it outgrew max_trace_bytes, or, when the trace was
// decided by someone else since the plan, the chunk as a late decision under that verdict.
func (e *Engine) Commit(id TraceID, now int64, ev Evidence, p Plan, chunk []byte) *Decision {
	if v, ok := e.cached(id); ok {
		e.stats.LateSpans += int64(ev.Spans)
		if p.Buffer && chunk != nil {
			return e.late(id, v, ev, chunk)
		}
		return nil
	}
	t, ok := e.traces[id]
	if !p.Buffer {
		if !ok {
			e.remember(id, p.Verdict)
			e.stats.OnSightSpans += int64(ev.Spans)
			if p.Verdict.Mode == ModeAll {
				e.stats.OnSight[p.Reason]++
				e.stats.OnSightKeptSpans += int64(ev.Spans)
			} else {
				e.stats.OnSight[ReasonNone]++
			}
			return nil
		}
		e.fold(t, now, ev)
		return e.decide(t, now, p.Verdict, p.Reason)
	}
	if !ok {
		if len(e.traces) == 0 {
			e.cursor = now / wheelSlot // the wheel starts at the first trace, not at the epoch
		}
		t = &trace{id: id, firstSeen: now, rule: NoRule, key: ev.Key}
		e.traces[id] = t
		e.link(t)
		e.cfg.Budget.Add(traceOverhead)
		t.bytes = traceOverhead
	}
	e.fold(t, now, ev)
	if chunk != nil {
		t.chunks = append(t.chunks, chunk)
		cost := ChunkCost(chunk)
		t.bytes += cost
		e.cfg.Budget.Add(cost)
	}
	if e.cfg.MaxTraceBytes > 0 && t.bytes > e.cfg.MaxTraceBytes {
		e.stats.GiantDecisions++
		d := e.decideByRatio(t, now)
		d.Early = true
		return d
	}
	if !t.scheduled {
		e.schedule(t)
	}
	return nil
}

func (e *Engine) fold(t *trace, now int64, ev Evidence) {
	t.lastSeen = now
	t.spans += ev.Spans
	t.rng.Merge(ev.Range)
	t.rule = min(t.rule, ev.Rule)
	if ev.Root {
		if t.rootSeen == 0 {
			t.rootSeen = now
		}
		if !t.keyFromRoot {
			t.key, t.keyFromRoot = ev.Key, true
		}
	}
}

// late turns spans that reached a decided trace into a decision of their own.
func (e *Engine) late(id TraceID, v Verdict, ev Evidence, chunk []byte) *Decision {
	cost := ChunkCost(chunk)
	e.cfg.Budget.Add(cost)
	return &Decision{ID: id, Verdict: v, Chunks: [][]byte{chunk}, Range: ev.Range, Spans: ev.Spans, Bytes: cost, Late: true}
}

// EnforceBudget decides this shard's oldest traces early, by their ratio, until the bytes
// they hand to the caller bring the shared budget back within its limit. No trace is ever
// dropped without a decision.
func (e *Engine) EnforceBudget(now int64) []*Decision {
	var out []*Decision
	var leaving int64
	for e.cfg.Budget.Used()-leaving > e.cfg.Budget.Limit() && e.oldest != nil {
		d := e.decideByRatio(e.oldest, now)
		leaving += d.Bytes
		d.Early = true
		e.stats.EarlyDecisions++
		out = append(out, d)
	}
	return out
}

// Tick decides every trace whose time has come by now.
func (e *Engine) Tick(now int64) []*Decision {
	var out []*Decision
	nowSlot := now / wheelSlot
	if len(e.wheel) == 0 {
		e.cursor = nowSlot
	}
	for ; e.cursor <= nowSlot; e.cursor++ {
		for {
			t := e.wheel[e.cursor]
			if t == nil {
				break
			}
			e.unschedule(t)
			if t.deadline(&e.cfg) > now {
				e.schedule(t) // it saw more spans since it was scheduled
				continue
			}
			out = append(out, e.decideByRatio(t, now))
		}
	}
	return out
}

// Flush decides every buffered trace now, as at shutdown.
func (e *Engine) Flush(now int64) []*Decision {
	out := make([]*Decision, 0, len(e.traces))
	for e.oldest != nil {
		out = append(out, e.decideByRatio(e.oldest, now))
	}
	return out
}

// TakeStats returns the counters since the last call and resets them.
func (e *Engine) TakeStats() Stats {
	s := e.stats
	e.stats = Stats{}
	return s
}

// Buffered returns the number of undecided traces.
func (e *Engine) Buffered() int { return len(e.traces) }

func (e *Engine) schedule(t *trace) {
	slot := max((t.deadline(&e.cfg)+wheelSlot-1)/wheelSlot, e.cursor) // the slot at or after the deadline
	t.slot, t.scheduled = slot, true
	if head := e.wheel[slot]; head != nil {
		head.slotPrev = t
		t.slotNext = head
	}
	e.wheel[slot] = t
}

// unschedule takes t out of its wheel slot, so a decided trace leaves nothing behind.
func (e *Engine) unschedule(t *trace) {
	if !t.scheduled {
		return
	}
	if t.slotPrev != nil {
		t.slotPrev.slotNext = t.slotNext
	} else if t.slotNext != nil {
		e.wheel[t.slot] = t.slotNext
	} else {
		delete(e.wheel, t.slot)
	}
	if t.slotNext != nil {
		t.slotNext.slotPrev = t.slotPrev
	}
	t.scheduled, t.slotPrev, t.slotNext = false, nil, nil
}

// decideByRatio applies the trace's rule, or its key's ratio.
func (e *Engine) decideByRatio(t *trace, now int64) *Decision {
	if t.rule != NoRule {
		drop, keepsAll, ratio := e.cfg.Policy.Rule(t.rule)
		switch {
		case drop:
			return e.decide(t, now, Verdict{Mode: ModeDrop}, ReasonNone)
		case keepsAll:
			return e.decide(t, now, Verdict{Mode: ModeAll, Ratio: e.cfg.Policy.EvidenceRatio()}, ReasonRule)
		default:
			return e.decide(t, now, Verdict{Mode: ModeRatio, Ratio: ratio}, ReasonRatio)
		}
	}
	return e.decide(t, now, Verdict{Mode: ModeRatio, Ratio: e.cfg.Policy.OrdinaryRatio(t.key)}, ReasonRatio)
}

func (e *Engine) decide(t *trace, now int64, v Verdict, r Reason) *Decision {
	d := &Decision{
		ID: t.id, Verdict: v, Reason: r, Chunks: t.chunks, Range: t.rng, Spans: t.spans,
		Bytes: t.bytes - traceOverhead, Latency: time.Duration(now - t.firstSeen),
	}
	delete(e.traces, t.id)
	e.unlink(t)
	e.unschedule(t)
	e.cfg.Budget.Release(traceOverhead)
	e.remember(t.id, v)
	if v.Mode == ModeRatio {
		d.Rule = t.rule
		e.cfg.Policy.Decided(d, t.key)
	}
	return d
}

func (e *Engine) remember(id TraceID, v Verdict) {
	if v.Mode == ModeAll {
		e.kept.put(id, v)
	} else {
		e.dropped.put(id, v)
	}
}

func (e *Engine) link(t *trace) {
	t.older = e.newest
	if e.newest != nil {
		e.newest.newer = t
	} else {
		e.oldest = t
	}
	e.newest = t
}

func (e *Engine) unlink(t *trace) {
	if t.older != nil {
		t.older.newer = t.newer
	} else {
		e.oldest = t.newer
	}
	if t.newer != nil {
		t.newer.older = t.older
	} else {
		e.newest = t.older
	}
	t.older, t.newer = nil, nil
}

package decide

import "time"

// TraceID is a W3C trace id.
type TraceID [16]byte

// Reason says why a trace was kept.
type Reason uint8

// Reasons in priority order: a trace with an error is kept as error even if it is also slow.
const (
	ReasonNone Reason = iota
	ReasonError
	ReasonLatency
	ReasonRule
	ReasonRatio
)

func (r Reason) String() string {
	return [...]string{"none", "error", "latency", "rule", "ratio"}[r]
}

// Evidence is what one batch says about one trace.
type Evidence struct {
	Error, Slow, Rule, Root bool
	// RatioThreshold is the largest OTEP 235 threshold (56-bit) the trace's spans compose to at
	// the configured ratio; RatioOK is false when none could be computed.
	RatioThreshold uint64
	RatioOK        bool
	Randomness     uint64
	Spans          int
}

// reason returns the keep reason the evidence proves on its own, if any.
func (ev Evidence) reason() Reason {
	switch {
	case ev.Error:
		return ReasonError
	case ev.Slow:
		return ReasonLatency
	case ev.Rule:
		return ReasonRule
	}
	return ReasonNone
}

// Action tells the caller what to do with the batch's spans of a trace.
type Action uint8

const (
	// Buffer: the trace is undecided; hand its spans to Store.
	Buffer Action = iota
	// Forward: the trace is kept; send its spans on with Kept.Threshold (Reason ratio) or
	// their own threshold (any other reason).
	Forward
	// Drop: the trace was dropped.
	Drop
)

// Decision is a trace decided now, with the chunks it had buffered.
type Decision struct {
	ID      TraceID
	Keep    bool
	Kept    Kept
	Chunks  [][]byte
	Spans   int
	Early   bool          // decided by the byte budget before its time
	Latency time.Duration // from first span to decision
}

// Config of an Engine.
type Config struct {
	DecisionWait     time.Duration
	MaxTraceAge      time.Duration
	MemoryLimitBytes int64
	KeptCache        int
	DroppedCache     int
}

// traceOverhead approximates the bytes one buffered trace costs beyond its chunks: the map
// entry, the summary and the queue and wheel slots.
const traceOverhead = 192

// wheelSlot is the timer resolution.
const wheelSlot = int64(50 * time.Millisecond)

// Stats are counters since the last TakeStats.
type Stats struct {
	LateSpans      int64
	EarlyDecisions int64
}

type trace struct {
	firstSeen, lastSeen, rootSeen int64
	ratioThreshold, randomness    uint64
	ratioOK                       bool
	bytes                         int64
	spans                         int
	chunks                        [][]byte
	slot                          int64
}

// deadline is root + wait, else last span + wait, never later than first span + max age.
func (t *trace) deadline(cfg *Config) int64 {
	anchor := t.lastSeen
	if t.rootSeen != 0 {
		anchor = t.rootSeen
	}
	return min(anchor+int64(cfg.DecisionWait), t.firstSeen+int64(cfg.MaxTraceAge))
}

// Engine decides traces. It is not safe for concurrent use.
type Engine struct {
	cfg     Config
	traces  map[TraceID]*trace
	order   []TraceID // arrival order, oldest first, for budget decisions; may hold decided ids
	head    int
	wheel   map[int64][]TraceID
	cursor  int64
	kept    *keptCache
	dropped *droppedCache
	bytes   int64
	stats   Stats
}

// New returns an Engine.
func New(cfg Config) *Engine {
	return &Engine{
		cfg: cfg, traces: map[TraceID]*trace{}, wheel: map[int64][]TraceID{},
		kept: newKeptCache(cfg.KeptCache), dropped: newDroppedCache(cfg.DroppedCache),
	}
}

// Observe folds a batch's evidence about trace id into its summary at now (unix nanos). It
// returns what to do with the batch's spans, and, when the evidence decides a buffered trace at
// once, that decision with its buffered chunks.
func (e *Engine) Observe(id TraceID, now int64, ev Evidence) (Action, Kept, *Decision) {
	if k, ok := e.kept.get(id); ok {
		e.stats.LateSpans += int64(ev.Spans)
		return Forward, k, nil
	}
	if e.dropped.has(id) {
		e.stats.LateSpans += int64(ev.Spans)
		if r := ev.reason(); r != ReasonNone {
			// An error or slow span is kept even after its trace was dropped.
			k := Kept{Reason: r}
			e.dropped.remove(id)
			e.kept.put(id, k)
			return Forward, k, nil
		}
		return Drop, Kept{}, nil
	}
	t, ok := e.traces[id]
	if !ok {
		if len(e.traces) == 0 && len(e.wheel) == 0 {
			e.cursor = now / wheelSlot // the wheel starts at the first trace, not at the epoch
		}
		t = &trace{firstSeen: now, randomness: ev.Randomness, slot: -1}
		e.traces[id] = t
		e.order = append(e.order, id)
		e.bytes += traceOverhead
	}
	t.lastSeen = now
	t.spans += ev.Spans
	if ev.Root && t.rootSeen == 0 {
		t.rootSeen = now
	}
	if ev.RatioOK && (!t.ratioOK || ev.RatioThreshold > t.ratioThreshold) {
		t.ratioThreshold, t.ratioOK = ev.RatioThreshold, true
	}
	if r := ev.reason(); r != ReasonNone {
		d := e.decide(id, t, now, Kept{Reason: r})
		return Forward, d.Kept, d
	}
	if t.slot < 0 {
		e.schedule(id, t)
	}
	return Buffer, Kept{}, nil
}

// Store adds a chunk of the trace's spans to its buffer.
func (e *Engine) Store(id TraceID, chunk []byte) {
	if t, ok := e.traces[id]; ok {
		t.chunks = append(t.chunks, chunk)
		t.bytes += int64(len(chunk))
		e.bytes += int64(len(chunk))
	}
}

// EnforceBudget decides the oldest traces early, by the ratio, until the buffer fits the byte
// budget again. No trace is ever dropped without a decision.
func (e *Engine) EnforceBudget(now int64) []*Decision {
	var out []*Decision
	for e.bytes > e.cfg.MemoryLimitBytes && e.head < len(e.order) {
		id := e.order[e.head]
		e.head++
		if t, ok := e.traces[id]; ok {
			d := e.decideByRatio(id, t, now)
			d.Early = true
			e.stats.EarlyDecisions++
			out = append(out, d)
		}
	}
	e.compactOrder()
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
		ids, ok := e.wheel[e.cursor]
		if !ok {
			continue
		}
		delete(e.wheel, e.cursor)
		for _, id := range ids {
			t, ok := e.traces[id]
			if !ok || t.slot != e.cursor {
				continue
			}
			t.slot = -1
			if t.deadline(&e.cfg) > now {
				e.schedule(id, t) // it saw more spans since it was scheduled
				continue
			}
			out = append(out, e.decideByRatio(id, t, now))
		}
	}
	e.compactOrder()
	return out
}

// Flush decides every buffered trace now, as at shutdown.
func (e *Engine) Flush(now int64) []*Decision {
	out := make([]*Decision, 0, len(e.traces))
	for id, t := range e.traces {
		out = append(out, e.decideByRatio(id, t, now))
	}
	e.order, e.head, e.wheel = nil, 0, map[int64][]TraceID{}
	return out
}

// TakeStats returns the counters since the last call and resets them.
func (e *Engine) TakeStats() Stats {
	s := e.stats
	e.stats = Stats{}
	return s
}

// Buffered returns the number of undecided traces and their bytes.
func (e *Engine) Buffered() (traces int, bytes int64) { return len(e.traces), e.bytes }

func (e *Engine) schedule(id TraceID, t *trace) {
	slot := (t.deadline(&e.cfg) + wheelSlot - 1) / wheelSlot
	if slot < e.cursor {
		slot = e.cursor
	}
	t.slot = slot
	e.wheel[slot] = append(e.wheel[slot], id)
}

// decideByRatio keeps the trace iff its composed threshold admits its randomness (T ≤ R).
func (e *Engine) decideByRatio(id TraceID, t *trace, now int64) *Decision {
	if t.ratioOK && t.ratioThreshold <= t.randomness {
		return e.decide(id, t, now, Kept{Reason: ReasonRatio, Threshold: t.ratioThreshold})
	}
	return e.decide(id, t, now, Kept{})
}

func (e *Engine) decide(id TraceID, t *trace, now int64, k Kept) *Decision {
	d := &Decision{ID: id, Keep: k.Reason != ReasonNone, Kept: k, Chunks: t.chunks, Spans: t.spans, Latency: time.Duration(now - t.firstSeen)}
	delete(e.traces, id)
	e.bytes -= t.bytes + traceOverhead
	if d.Keep {
		e.kept.put(id, k)
	} else {
		e.dropped.put(id)
	}
	return d
}

// compactOrder drops the decided prefix of the arrival queue once it is the larger part.
func (e *Engine) compactOrder() {
	for e.head < len(e.order) {
		if _, ok := e.traces[e.order[e.head]]; ok {
			break
		}
		e.head++
	}
	if e.head > 1024 && e.head*2 > len(e.order) {
		e.order = append(e.order[:0:0], e.order[e.head:]...)
		e.head = 0
	}
}

package decide

import (
	"sync/atomic"
	"time"
)

// TraceID is a W3C trace id.
type TraceID [16]byte

// Reason says why a trace was kept, for telemetry.
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

// Mode is how a decided trace treats its spans, buffered or late.
type Mode uint8

const (
	// ModeNone: not decided.
	ModeNone Mode = iota
	// ModeAll: the trace was kept on evidence (error, slow, a keep-all rule) before any ratio
	// decision. Every span is kept when its randomness passes its arriving threshold composed
	// with the verdict's ratio (ratio 1 unless the throughput cap holds evidence back).
	ModeAll
	// ModeRatio: the trace was decided by its ratio. Each ordinary span is kept when its
	// randomness passes its own composed threshold; evidence spans that come later are kept
	// at the evidence ratio.
	ModeRatio
	// ModeDrop: a drop rule matched; every span is dropped, evidence included.
	ModeDrop
)

// Verdict is a decision as late spans follow it.
type Verdict struct {
	Mode Mode
	// Ratio is the probability applied, composed with each span's arriving probability; 1
	// keeps every span with its arriving threshold.
	Ratio float64
}

// SpanRange summarises the sampling state of a trace's spans, so most decisions need not look
// at single spans: arriving thresholds A and randomness R of the spans whose arriving
// threshold is consistent (A ≤ R), and the count of inconsistent ones.
type SpanRange struct {
	MinA, MaxA, MinR, MaxR   uint64
	Consistent, Inconsistent int
}

// Add folds one span in.
func (s *SpanRange) Add(arriving, randomness uint64, consistent bool) {
	if !consistent {
		s.Inconsistent++
		return
	}
	if s.Consistent == 0 {
		s.MinA, s.MaxA, s.MinR, s.MaxR = arriving, arriving, randomness, randomness
	} else {
		s.MinA, s.MaxA = min(s.MinA, arriving), max(s.MaxA, arriving)
		s.MinR, s.MaxR = min(s.MinR, randomness), max(s.MaxR, randomness)
	}
	s.Consistent++
}

// Merge folds another range in.
func (s *SpanRange) Merge(o SpanRange) {
	if o.Consistent > 0 {
		if s.Consistent == 0 {
			s.MinA, s.MaxA, s.MinR, s.MaxR = o.MinA, o.MaxA, o.MinR, o.MaxR
		} else {
			s.MinA, s.MaxA = min(s.MinA, o.MinA), max(s.MaxA, o.MaxA)
			s.MinR, s.MaxR = min(s.MinR, o.MinR), max(s.MaxR, o.MaxR)
		}
	}
	s.Consistent += o.Consistent
	s.Inconsistent += o.Inconsistent
}

// Coverage says which of a decided trace's buffered spans are kept.
type Coverage uint8

const (
	// KeepNone: no span is kept; the chunks need not be decoded.
	KeepNone Coverage = iota
	// KeepAll: every span is kept.
	KeepAll
	// KeepSome: each span must be tested on its own.
	KeepSome
)

// Composer composes an arriving threshold with a ratio into the threshold the processor
// writes. It must be non-decreasing in arriving, and return arriving when ratio is 1.
type Composer func(arriving uint64, ratio float64) uint64

// Coverage of spans in r under v: a consistent span is kept iff compose(A, ratio) ≤ R; an
// inconsistent one is kept (its threshold erased) under ModeAll and dropped under ModeRatio,
// as probabilistic_sampler fails closed.
func (v Verdict) Coverage(r SpanRange, compose Composer) Coverage {
	switch v.Mode {
	case ModeAll, ModeRatio:
	default:
		return KeepNone
	}
	inconsistentKept := v.Mode == ModeAll
	if r.Consistent == 0 {
		if inconsistentKept && r.Inconsistent > 0 {
			return KeepAll
		}
		return KeepNone
	}
	allConsistent := v.Ratio >= 1 || compose(r.MaxA, v.Ratio) <= r.MinR
	noConsistent := compose(r.MinA, v.Ratio) > r.MaxR
	switch {
	case allConsistent && (r.Inconsistent == 0 || inconsistentKept):
		return KeepAll
	case noConsistent && (r.Inconsistent == 0 || !inconsistentKept):
		return KeepNone
	}
	return KeepSome
}

// Evidence is what one batch says about one trace.
type Evidence struct {
	// Reason is error, latency or rule (a keep-all rule) when the batch proves the trace must
	// be kept, else ReasonNone.
	Reason Reason
	// Rule is the lowest index of a rule any of the batch's spans matched, or NoRule.
	Rule int
	Root bool
	// Key is the dynamic-sampling key of the batch's root span, or of its first span.
	Key   uint32
	Spans int
	Range SpanRange
}

// NoRule means no rule matched.
const NoRule = 1 << 15

// Decision is a trace decided now, with what it had buffered.
type Decision struct {
	ID      TraceID
	Verdict Verdict
	Reason  Reason
	Chunks  [][]byte
	Range   SpanRange
	Spans   int
	// Bytes stay charged to the budget until the caller has forwarded or discarded the chunks
	// and calls Budget.Release.
	Bytes   int64
	Rule    int  // the rule whose ratio decided a ModeRatio trace, or NoRule for its key's ratio
	Early   bool // decided before its time: memory budget or max_trace_bytes
	Late    bool // spans that reached an already decided trace, not a new decision
	Latency time.Duration
}

// Keep reports whether any span may be kept.
func (d *Decision) Keep() bool { return d.Verdict.Mode == ModeAll || d.Verdict.Mode == ModeRatio }

// Budget is the byte budget shared by all shards.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Add charges n bytes (negative releases).
func (b *Budget) Add(n int64) { b.used.Add(n) }

// Release returns n bytes.
func (b *Budget) Release(n int64) { b.used.Add(-n) }

// Used returns the bytes charged.
func (b *Budget) Used() int64 { return b.used.Load() }

// Limit returns the budget.
func (b *Budget) Limit() int64 { return b.limit }

// Over reports whether more is charged than the budget allows.
func (b *Budget) Over() bool { return b.used.Load() > b.limit }

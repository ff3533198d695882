package decide

import (
	"testing"
	"time"
)

const sec = int64(time.Second)

// fakePolicy: rules by index, a ratio per key, an evidence ratio; records Decided calls.
type fakePolicy struct {
	rules    []fakeRule
	ratio    map[uint32]float64
	evidence float64
	decided  []uint32
}

type fakeRule struct {
	drop     bool
	keepsAll bool
	ratio    float64
}

func (f *fakePolicy) OrdinaryRatio(key uint32) float64 {
	if r, ok := f.ratio[key]; ok {
		return r
	}
	return 0.5
}
func (f *fakePolicy) EvidenceRatio() float64 { return f.evidence }
func (f *fakePolicy) Rule(i int) (bool, bool, float64) {
	r := f.rules[i]
	return r.drop, r.keepsAll, r.ratio
}
func (f *fakePolicy) DropIsFinal(i int) bool {
	for _, r := range f.rules[:i] {
		if !r.drop {
			return false
		}
	}
	return f.rules[i].drop
}
func (f *fakePolicy) Decided(d *Decision, key uint32) { f.decided = append(f.decided, key) }

func newEngine(p *fakePolicy, budget int64) *Engine {
	if p.evidence == 0 {
		p.evidence = 1
	}
	return New(Config{
		DecisionWait: 5 * time.Second, MaxTraceAge: 60 * time.Second, KeptCache: 100, DroppedCache: 100,
		Budget: NewBudget(budget), Policy: p,
	})
}

func id(n byte) TraceID { return TraceID{15: n} }

func ordinary(spans int) Evidence { return Evidence{Rule: NoRule, Spans: spans} }

// step plans and commits, as the processor does once the next consumer accepted.
func step(e *Engine, tid TraceID, now int64, ev Evidence, chunk []byte) (Plan, *Decision) {
	p := e.Plan(tid, ev)
	var c []byte
	if p.Buffer {
		c = chunk
	}
	return p, e.Commit(tid, now, ev, p, c)
}

func TestErrorDecidesAtOnceWithEverythingBuffered(t *testing.T) {
	e := newEngine(&fakePolicy{}, 1<<30)
	if p, _ := step(e, id(1), 0, ordinary(2), []byte("chunk-1")); !p.Buffer {
		t.Fatalf("first batch: %+v", p)
	}
	ev := Evidence{Reason: ReasonError, Rule: NoRule, Spans: 1}
	p, d := step(e, id(1), sec, ev, nil) // first span at 0: latency is now − first, not now + first
	if p.Buffer || !p.Decides || p.Verdict != (Verdict{Mode: ModeAll, Ratio: 1}) || p.Reason != ReasonError {
		t.Fatalf("error plan: %+v", p)
	}
	if d == nil || len(d.Chunks) != 1 || d.Spans != 3 || d.Latency != time.Second || d.Reason != ReasonError || d.Bytes != ChunkCost([]byte("chunk-1")) {
		t.Fatalf("error decision: %+v", d)
	}
	if p, d := step(e, id(1), 2*sec, ordinary(1), []byte("late")); p.Buffer || p.Verdict.Mode != ModeAll || d != nil {
		t.Errorf("late span of an error trace: %+v %+v", p, d)
	}
	if e.Buffered() != 0 || e.cfg.Budget.Used() != CacheBytes(100)*2+d.Bytes {
		t.Errorf("buffer: %d traces, %d bytes charged", e.Buffered(), e.cfg.Budget.Used())
	}
	if s := e.TakeStats(); s.LateSpans != 1 {
		t.Errorf("late spans %d", s.LateSpans)
	}
	if s := e.TakeStats(); s.LateSpans != 0 {
		t.Errorf("stats not reset: %+v", s)
	}
}

func TestEvidenceOnAnUnknownTraceIsRemembered(t *testing.T) {
	e := newEngine(&fakePolicy{evidence: 0.25}, 1<<30)
	p, d := step(e, id(2), 0, Evidence{Reason: ReasonLatency, Rule: NoRule, Spans: 1}, nil)
	if d != nil || p.Verdict != (Verdict{Mode: ModeAll, Ratio: 0.25}) || p.Reason != ReasonLatency {
		t.Fatalf("plan %+v decision %+v", p, d)
	}
	if p := e.Plan(id(2), ordinary(1)); p.Buffer || p.Verdict != (Verdict{Mode: ModeAll, Ratio: 0.25}) {
		t.Errorf("later batch: %+v", p)
	}
}

// Traces decided by their first batch yield no Decision, so the stats count them: kept by
// reason, dropped under ReasonNone, with their spans. A later batch is a late span, not another
// trace.
func TestTracesDecidedOnSightAreCounted(t *testing.T) {
	e := newEngine(&fakePolicy{rules: []fakeRule{{drop: true}}}, 1<<30)
	step(e, id(1), 0, Evidence{Reason: ReasonError, Rule: NoRule, Spans: 2}, nil)
	step(e, id(2), 0, Evidence{Reason: ReasonLatency, Rule: NoRule, Spans: 1}, nil)
	step(e, id(3), 0, Evidence{Rule: 0, Spans: 3}, nil)
	step(e, id(1), sec, Evidence{Rule: NoRule, Spans: 1}, nil)
	s := e.TakeStats()
	want := [ReasonRatio + 1]int64{ReasonNone: 1, ReasonError: 1, ReasonLatency: 1}
	if s.OnSight != want || s.OnSightSpans != 6 || s.OnSightKeptSpans != 3 || s.LateSpans != 1 {
		t.Errorf("stats %+v, want on sight %v over 6 spans, 3 kept, 1 late", s, want)
	}
	if s := e.TakeStats(); s.OnSight != ([ReasonRatio + 1]int64{}) || s.OnSightSpans != 0 {
		t.Errorf("stats not reset: %+v", s)
	}
}

// A trace decided by its ratio stays ModeRatio when an error arrives late: the late error is
// evidence (the caller keeps it at the evidence ratio), the ordinary spans keep following the
// ratio. A ModeAll verdict here would make the written th depend on the randomness.
func TestRatioDecisionSurvivesLateEvidence(t *testing.T) {
	pol := &fakePolicy{ratio: map[uint32]float64{7: 0.1}}
	e := newEngine(pol, 1<<30)
	step(e, id(3), 0, Evidence{Rule: NoRule, Spans: 2, Root: true, Key: 7}, []byte("a"))
	ds := e.Tick(6 * sec)
	if len(ds) != 1 || ds[0].Verdict != (Verdict{Mode: ModeRatio, Ratio: 0.1}) || ds[0].Reason != ReasonRatio || ds[0].Rule != NoRule {
		t.Fatalf("tick: %+v", ds)
	}
	if len(pol.decided) != 1 || pol.decided[0] != 7 {
		t.Errorf("policy told %v, want key 7", pol.decided)
	}
	p := e.Plan(id(3), Evidence{Reason: ReasonError, Rule: NoRule, Spans: 1})
	if p.Buffer || p.Decides || p.Verdict != (Verdict{Mode: ModeRatio, Ratio: 0.1}) {
		t.Errorf("late error: %+v", p)
	}
}

func TestTimingRootWaitIdleAndMaxAge(t *testing.T) {
	e := newEngine(&fakePolicy{}, 1<<30)
	step(e, id(1), 0, ordinary(1), []byte("x"))     // no root yet
	step(e, id(1), 3*sec, ordinary(1), []byte("x")) // idle deadline moves to 8s
	step(e, id(2), 1*sec, Evidence{Rule: NoRule, Root: true, Spans: 1}, []byte("x"))
	step(e, id(2), 4*sec, ordinary(1), []byte("x")) // root-timed: more spans do not move 6s
	decided := map[TraceID]int64{}
	for now := int64(0); now <= 61*sec; now += 100 * int64(time.Millisecond) {
		for _, d := range e.Tick(now) {
			decided[d.ID] = now
		}
		if now < 40*sec {
			step(e, id(3), now, ordinary(1), []byte("x")) // a rootless trace busy for 40s
		}
	}
	within := func(got, want int64) bool {
		return got >= want && got <= want+wheelSlot+int64(100*time.Millisecond)
	}
	if !within(decided[id(1)], 8*sec) {
		t.Errorf("idle trace decided at %v, want 8s", time.Duration(decided[id(1)]))
	}
	if !within(decided[id(2)], 6*sec) {
		t.Errorf("root trace decided at %v, want 6s (root at 1s + 5s)", time.Duration(decided[id(2)]))
	}
	if !within(decided[id(3)], 44*sec+9*sec/10) {
		t.Errorf("busy trace decided at %v, want 44.9s", time.Duration(decided[id(3)]))
	}
}

func TestMaxTraceAgeCapsABusyRootlessTrace(t *testing.T) {
	e := New(Config{DecisionWait: 5 * time.Second, MaxTraceAge: 10 * time.Second, Budget: NewBudget(1 << 30), Policy: &fakePolicy{evidence: 1}})
	var decidedAt int64 = -1
	for now := int64(0); now <= 20*sec && decidedAt < 0; now += 100 * int64(time.Millisecond) {
		step(e, id(1), now, ordinary(1), []byte("x"))
		for _, d := range e.Tick(now) {
			decidedAt = now
			if d.Latency != time.Duration(now) {
				t.Errorf("latency %v at %v", d.Latency, time.Duration(now))
			}
		}
	}
	if decidedAt < 10*sec || decidedAt > 10*sec+wheelSlot+int64(100*time.Millisecond) {
		t.Errorf("decided at %v, want 10s (first span + max_trace_age)", time.Duration(decidedAt))
	}
}

func TestBudgetDecidesOldestFirstAndChargesEverything(t *testing.T) {
	chunk := make([]byte, 1000)
	perTrace := traceOverhead + ChunkCost(chunk)
	e := New(Config{DecisionWait: time.Hour, MaxTraceAge: time.Hour, KeptCache: 10, DroppedCache: 10,
		Budget: NewBudget(2*CacheBytes(10) + 3*perTrace), Policy: &fakePolicy{evidence: 1}})
	if e.cfg.Budget.Used() != 2*CacheBytes(10) {
		t.Fatalf("caches charged %d, want %d", e.cfg.Budget.Used(), 2*CacheBytes(10))
	}
	for i := byte(1); i <= 3; i++ {
		step(e, id(i), int64(i), ordinary(1), chunk)
	}
	if e.cfg.Budget.Used() != 2*CacheBytes(10)+3*perTrace || e.cfg.Budget.Over() {
		t.Fatalf("3 traces charge %d", e.cfg.Budget.Used())
	}
	if ds := e.EnforceBudget(10); len(ds) != 0 {
		t.Fatalf("within budget, decided %d", len(ds))
	}
	step(e, id(2), 20, ordinary(1), chunk) // the middle trace grows: trace 1 is still the oldest
	ds := e.EnforceBudget(30)
	if len(ds) != 1 || ds[0].ID != id(1) || !ds[0].Early || ds[0].Bytes != ChunkCost(chunk) {
		t.Fatalf("early decisions %+v, want trace 1 alone", ds)
	}
	if s := e.TakeStats(); s.EarlyDecisions != 1 {
		t.Errorf("stats %+v", s)
	}
	e.cfg.Budget.Release(ds[0].Bytes) // the caller forwarded it
	if e.cfg.Budget.Over() {
		t.Errorf("still over: %d", e.cfg.Budget.Used())
	}
	e.Close()
	if got, want := e.cfg.Budget.Used(), 2*traceOverhead+3*ChunkCost(chunk); got != want {
		t.Errorf("after close %d charged, want %d", got, want)
	}
}

func TestGiantTraceIsDecidedAloneAndItsLateSpansFollow(t *testing.T) {
	chunk := make([]byte, 4000)
	e := New(Config{DecisionWait: time.Hour, MaxTraceAge: time.Hour, MaxTraceBytes: traceOverhead + 2*ChunkCost(chunk),
		KeptCache: 10, DroppedCache: 10, Budget: NewBudget(1 << 30), Policy: &fakePolicy{evidence: 1}})
	step(e, id(9), 0, ordinary(1), chunk) // an ordinary trace that must not be touched
	for i := 0; i < 2; i++ {
		if _, d := step(e, id(1), int64(i), ordinary(10), chunk); d != nil {
			t.Fatalf("decided at %d chunks", i+1)
		}
	}
	_, d := step(e, id(1), 3, ordinary(10), chunk)
	if d == nil || d.ID != id(1) || !d.Early || len(d.Chunks) != 3 || d.Spans != 30 || d.Verdict.Mode != ModeRatio {
		t.Fatalf("giant decision %+v", d)
	}
	if e.Buffered() != 1 || e.TakeStats().GiantDecisions != 1 {
		t.Errorf("other traces must stay: %d buffered", e.Buffered())
	}
	p, late := step(e, id(1), 4, ordinary(1), chunk)
	if p.Buffer || late != nil {
		t.Errorf("late span of the giant trace: %+v %+v", p, late)
	}
}

// A trace decided between Plan and Commit (by the ticker) gets its chunk back as a late
// decision under the verdict, charged to the budget.
func TestCommitAfterADecisionElsewhereReturnsALateDecision(t *testing.T) {
	e := newEngine(&fakePolicy{}, 1<<30)
	step(e, id(1), 0, Evidence{Rule: NoRule, Root: true, Spans: 1}, []byte("a"))
	p := e.Plan(id(1), ordinary(2))
	if !p.Buffer {
		t.Fatal(p)
	}
	if ds := e.Tick(6 * sec); len(ds) != 1 {
		t.Fatal(ds)
	}
	used := e.cfg.Budget.Used()
	d := e.Commit(id(1), 6*sec, ordinary(2), p, []byte("late"))
	if d == nil || !d.Late || d.Verdict.Mode != ModeRatio || d.Spans != 2 || d.Bytes != ChunkCost([]byte("late")) {
		t.Fatalf("late decision %+v", d)
	}
	if e.cfg.Budget.Used() != used+d.Bytes {
		t.Errorf("late chunk not charged")
	}
}

func TestRules(t *testing.T) {
	pol := &fakePolicy{rules: []fakeRule{{drop: true}, {ratio: 0.01}, {keepsAll: true}}, evidence: 0.5}
	e := newEngine(pol, 1<<30)
	// Rule 0 (drop, nothing keeps before it) is final: decided at once, evidence or not.
	if p := e.Plan(id(1), Evidence{Rule: 0, Spans: 1}); !p.Decides || p.Verdict.Mode != ModeDrop {
		t.Errorf("final drop: %+v", p)
	}
	// A keep-all rule decides at once at the evidence ratio.
	if p := e.Plan(id(2), Evidence{Rule: 2, Spans: 1}); !p.Decides || p.Verdict != (Verdict{Mode: ModeAll, Ratio: 0.5}) || p.Reason != ReasonRule {
		t.Errorf("keep-all rule: %+v", p)
	}
	// A keep-ratio rule waits, then decides with its own ratio, not the key's.
	step(e, id(3), 0, Evidence{Rule: 1, Spans: 1, Root: true}, []byte("x"))
	ds := e.Tick(6 * sec)
	if len(ds) != 1 || ds[0].Verdict != (Verdict{Mode: ModeRatio, Ratio: 0.01}) || ds[0].Rule != 1 {
		t.Fatalf("ratio rule: %+v", ds)
	}
	// An earlier rule matched by a later batch wins over a later one.
	step(e, id(4), 0, Evidence{Rule: 2 - 1, Spans: 1}, []byte("x"))
	if p := e.Plan(id(4), Evidence{Rule: 0, Reason: ReasonError, Spans: 1}); p.Verdict.Mode != ModeDrop {
		t.Errorf("drop rule 0 beats rule 1 and the error: %+v", p)
	}

	// A drop rule after a keep rule is not final: it waits for the decision time.
	pol2 := &fakePolicy{rules: []fakeRule{{keepsAll: true}, {drop: true}}}
	e2 := newEngine(pol2, 1<<30)
	step(e2, id(5), 0, Evidence{Rule: 1, Spans: 1, Root: true}, []byte("x"))
	if e2.Buffered() != 1 {
		t.Fatal("non-final drop decided at once")
	}
	ds = e2.Tick(6 * sec)
	if len(ds) != 1 || ds[0].Verdict.Mode != ModeDrop || ds[0].Keep() {
		t.Errorf("drop at decision time: %+v", ds)
	}
	step(e2, id(6), 0, Evidence{Rule: NoRule, Spans: 1, Root: true}, []byte("x"))
	if _, d := step(e2, id(6), 1, Evidence{Rule: 1, Reason: ReasonError, Spans: 1}, nil); d == nil || d.Verdict.Mode != ModeDrop {
		t.Errorf("evidence with a matched drop rule: %+v", d)
	}
}

func TestKeyFromTheRootWins(t *testing.T) {
	pol := &fakePolicy{ratio: map[uint32]float64{1: 0.2, 2: 0.3}}
	e := newEngine(pol, 1<<30)
	step(e, id(1), 0, Evidence{Rule: NoRule, Spans: 1, Key: 1}, []byte("x"))
	step(e, id(1), 1, Evidence{Rule: NoRule, Spans: 1, Key: 2, Root: true}, []byte("x"))
	step(e, id(1), 2, Evidence{Rule: NoRule, Spans: 1, Key: 1}, []byte("x"))
	ds := e.Flush(3)
	if len(ds) != 1 || ds[0].Verdict.Ratio != 0.3 || pol.decided[0] != 2 {
		t.Errorf("flush: %+v, keys %v", ds, pol.decided)
	}
}

func TestChunkCost(t *testing.T) {
	if got := ChunkCost(make([]byte, 1000)); got != 1000+125+48 {
		t.Errorf("ChunkCost(1000) = %d, want 1173", got)
	}
}

// Real clocks are unix nanoseconds: the wheel must start at the first trace, decide a trace
// in the tick at its exact deadline and not one nanosecond before.
func TestDeadlineExactOnUnixTime(t *testing.T) {
	e := newEngine(&fakePolicy{}, 1<<30)
	start := int64(1_700_000_000) * sec // a multiple of the wheel slot
	step(e, id(1), start, Evidence{Rule: NoRule, Root: true, Spans: 1}, []byte("x"))
	if ds := e.Tick(start + 5*sec - 1); len(ds) != 0 {
		t.Fatalf("decided 1ns before the deadline: %+v", ds)
	}
	ds := e.Tick(start + 5*sec)
	if len(ds) != 1 || ds[0].Latency != 5*time.Second {
		t.Fatalf("at the deadline: %+v", ds)
	}
}

// Evidence verdicts go to the kept cache and ratio verdicts to the dropped cache, each sized
// on its own.
func TestVerdictsGoToTheirCache(t *testing.T) {
	e := New(Config{DecisionWait: time.Second, MaxTraceAge: time.Second, KeptCache: 0, DroppedCache: 100,
		Budget: NewBudget(1 << 30), Policy: &fakePolicy{evidence: 1}})
	step(e, id(1), 0, Evidence{Rule: NoRule, Reason: ReasonError, Spans: 1}, nil)
	step(e, id(2), 0, Evidence{Rule: NoRule, Root: true, Spans: 1}, []byte("x"))
	e.Tick(2 * sec)
	if p := e.Plan(id(1), ordinary(1)); !p.Buffer {
		t.Errorf("evidence verdict remembered by a zero kept cache: %+v", p)
	}
	if p := e.Plan(id(2), ordinary(1)); p.Buffer || p.Verdict.Mode != ModeRatio {
		t.Errorf("ratio verdict not remembered: %+v", p)
	}
}

func TestFlushDecidesEverythingOnce(t *testing.T) {
	e := newEngine(&fakePolicy{}, 1<<30)
	for i := byte(1); i <= 5; i++ {
		step(e, id(i), int64(i), ordinary(1), []byte("x"))
	}
	if ds := e.Flush(10); len(ds) != 5 || e.Buffered() != 0 || len(e.Flush(11)) != 0 || len(e.Tick(100*sec)) != 0 {
		t.Errorf("flush: %d", len(ds))
	}
}

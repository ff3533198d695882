package decide

import (
	"testing"
	"time"
)

const (
	sec  = int64(time.Second)
	half = uint64(1) << 55 // threshold of p = 0.5
)

func newEngine() *Engine {
	return New(Config{DecisionWait: 5 * time.Second, MaxTraceAge: 60 * time.Second, MemoryLimitBytes: 1 << 30, KeptCache: 100, DroppedCache: 100})
}

func id(n byte) TraceID { return TraceID{15: n} }

func TestErrorDecidesAtOnceWithEverythingBuffered(t *testing.T) {
	e := newEngine()
	if a, _, _ := e.Observe(id(1), 0, Evidence{Spans: 2}); a != Buffer {
		t.Fatalf("first batch: %v", a)
	}
	e.Store(id(1), []byte("chunk-1"))
	a, k, d := e.Observe(id(1), sec, Evidence{Error: true, Slow: true, Spans: 1})
	if a != Forward || k.Reason != ReasonError || d == nil || len(d.Chunks) != 1 || d.Spans != 3 || d.Latency != time.Second {
		t.Fatalf("error batch: %v %v %+v", a, k, d)
	}
	if a, k, _ := e.Observe(id(1), 2*sec, Evidence{Spans: 1}); a != Forward || k.Reason != ReasonError {
		t.Errorf("late span of an error trace: %v %v", a, k)
	}
	if n, b := e.Buffered(); n != 0 || b != 0 {
		t.Errorf("buffer not empty: %d traces %d bytes", n, b)
	}
	if s := e.TakeStats(); s.LateSpans != 1 {
		t.Errorf("late spans %d", s.LateSpans)
	}
}

func TestTimingRootWaitIdleAndMaxAge(t *testing.T) {
	e := newEngine()
	keep := Evidence{RatioOK: true, RatioThreshold: half, Randomness: half + 1, Spans: 1}
	e.Observe(id(1), 0, keep)                                                                                   // no root yet
	e.Observe(id(1), 3*sec, keep)                                                                               // idle deadline moves to 8s
	e.Observe(id(2), 1*sec, Evidence{Root: true, Spans: 1, RatioOK: true, RatioThreshold: half, Randomness: 1}) // decided at 6s, dropped
	for i := int64(0); i < 40; i++ {                                                                            // a trace that keeps sending spans every second
		e.Observe(id(3), i*sec, keep)
	}
	decided := map[TraceID]int64{}
	for now := int64(0); now <= 61*sec; now += 100 * int64(time.Millisecond) {
		for _, d := range e.Tick(now) {
			decided[d.ID] = now
			if d.ID == id(1) && (!d.Keep || d.Kept.Reason != ReasonRatio || d.Kept.Threshold != half) {
				t.Errorf("trace 1: %+v", d)
			}
			if d.ID == id(2) && d.Keep {
				t.Errorf("trace 2 kept though its randomness fails the threshold")
			}
		}
		if now < 40*sec {
			e.Observe(id(3), now, keep)
		}
	}
	within := func(got, want int64) bool {
		return got >= want && got <= want+int64(wheelSlot)+int64(100*time.Millisecond)
	}
	if !within(decided[id(1)], 8*sec) {
		t.Errorf("idle trace decided at %v, want 8s", time.Duration(decided[id(1)]))
	}
	if !within(decided[id(2)], 6*sec) {
		t.Errorf("root trace decided at %v, want 6s", time.Duration(decided[id(2)]))
	}
	if !within(decided[id(3)], 44*sec+9*sec/10) {
		t.Errorf("busy trace decided at %v, want 44.9s (last span at 39.9s + 5s, under the 60s cap)", time.Duration(decided[id(3)]))
	}
}

func TestMaxTraceAgeCapsABusyRootlessTrace(t *testing.T) {
	e := New(Config{DecisionWait: 5 * time.Second, MaxTraceAge: 10 * time.Second, MemoryLimitBytes: 1 << 30})
	var decidedAt int64 = -1
	for now := int64(0); now <= 20*sec && decidedAt < 0; now += 100 * int64(time.Millisecond) {
		e.Observe(id(9), now, Evidence{Spans: 1})
		for range e.Tick(now) {
			decidedAt = now
		}
	}
	if decidedAt < 10*sec || decidedAt > 10*sec+2*wheelSlot {
		t.Errorf("decided at %v, want 10s", time.Duration(decidedAt))
	}
}

func TestByteBudgetDecidesOldestEarlyAndNeverLosesErrors(t *testing.T) {
	e := New(Config{DecisionWait: time.Minute, MaxTraceAge: time.Hour, MemoryLimitBytes: 10 * (1000 + traceOverhead), KeptCache: 1000, DroppedCache: 1000})
	chunk := make([]byte, 1000)
	var early []*Decision
	errorsKept := 0
	for i := 0; i < 100; i++ {
		tid := TraceID{0: byte(i), 15: byte(i)}
		ev := Evidence{Spans: 1, RatioOK: true, RatioThreshold: half, Randomness: uint64(i%2) * (half + 1)}
		if a, _, _ := e.Observe(tid, int64(i), ev); a == Buffer {
			e.Store(tid, chunk)
		}
		early = append(early, e.EnforceBudget(int64(i))...)
		if i%10 == 0 {
			if a, k, _ := e.Observe(tid, int64(i), Evidence{Error: true, Spans: 1}); a == Forward && k.Reason == ReasonError {
				errorsKept++
			}
		}
		if _, b := e.Buffered(); b > e.cfg.MemoryLimitBytes {
			t.Fatalf("buffer %d B over budget after trace %d", b, i)
		}
	}
	if errorsKept != 10 {
		t.Errorf("%d of 10 error spans kept under memory pressure", errorsKept)
	}
	for i, d := range early {
		if !d.Early || len(d.Chunks) != 1 {
			t.Fatalf("early decision %d: %+v", i, d)
		}
		if odd := d.ID[0]%2 == 1; d.Keep != odd { // odd traces pass the ratio, even ones do not
			t.Errorf("early decision for trace %d: keep %v", d.ID[0], d.Keep)
		}
	}
	if len(early) < 80 {
		t.Errorf("%d early decisions for 100 traces in a budget of 10", len(early))
	}
	if s := e.TakeStats(); s.EarlyDecisions != int64(len(early)) {
		t.Errorf("early decisions counted %d, made %d", s.EarlyDecisions, len(early))
	}
}

func TestDroppedTraceLateSpans(t *testing.T) {
	e := newEngine()
	e.Observe(id(5), 0, Evidence{Spans: 1, RatioOK: true, RatioThreshold: half, Randomness: 0})
	if ds := e.Tick(10 * sec); len(ds) != 1 || ds[0].Keep {
		t.Fatalf("want one drop, got %+v", ds)
	}
	if a, _, _ := e.Observe(id(5), 11*sec, Evidence{Spans: 1}); a != Drop {
		t.Errorf("late ordinary span of a dropped trace: %v", a)
	}
	if a, k, _ := e.Observe(id(5), 12*sec, Evidence{Slow: true, Spans: 1}); a != Forward || k.Reason != ReasonLatency {
		t.Errorf("late slow span of a dropped trace: %v %v", a, k)
	}
	if a, _, _ := e.Observe(id(5), 13*sec, Evidence{Spans: 1}); a != Forward {
		t.Errorf("span after the slow one: %v", a)
	}
}

func TestFlushDecidesEverything(t *testing.T) {
	e := newEngine()
	for i := byte(0); i < 10; i++ {
		e.Observe(id(i), 0, Evidence{Spans: 1})
	}
	if ds := e.Flush(sec); len(ds) != 10 {
		t.Errorf("flush decided %d of 10", len(ds))
	}
	if n, b := e.Buffered(); n != 0 || b != 0 {
		t.Errorf("left %d traces, %d bytes", n, b)
	}
}

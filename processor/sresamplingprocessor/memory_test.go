package sresamplingprocessor

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spreadWorkload is a realistic ingest mix: every batch carries one span of each of 100
// traces, each trace spread over 10 batches (10 chunks of one span), random ids, per-request
// attributes that do not repeat, and optionally giant spans of one trace.
type spreadWorkload struct {
	perBatch int // spans of each active trace per batch
	rng      *rand.Rand
	seq      int
	active   [10][]pcommon.TraceID // traces by how many of their spans have been sent
	giant    pcommon.TraceID
}

func newSpreadWorkload(seed uint64, perBatch int) *spreadWorkload {
	w := &spreadWorkload{perBatch: perBatch, rng: rand.New(rand.NewPCG(seed, seed+1))}
	w.giant = randomTraceID(w.rng)
	return w
}

func (w *spreadWorkload) next(giantSpans int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("service.instance.id", "pod-"+strconv.Itoa(w.seq%7))
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	w.seq++
	for age := 9; age >= 0; age-- { // age 9 finishes, every other moves on
		if age < 9 {
			w.active[age+1] = w.active[age]
		}
		w.active[age] = nil
	}
	for i := 0; i < 10; i++ {
		w.active[0] = append(w.active[0], randomTraceID(w.rng))
	}
	for age, ids := range w.active {
		for _, id := range ids {
			for k := 0; k < w.perBatch; k++ {
				w.span(spans, id, age == 0 && k == 0)
			}
		}
	}
	for i := 0; i < giantSpans; i++ {
		w.span(spans, w.giant, false)
	}
	return td
}

func (w *spreadWorkload) span(spans ptrace.SpanSlice, id pcommon.TraceID, root bool) {
	s := spans.AppendEmpty()
	s.SetTraceID(id)
	var sid pcommon.SpanID
	binary.LittleEndian.PutUint64(sid[:], w.rng.Uint64())
	s.SetSpanID(sid)
	if !root {
		s.SetParentSpanID(pcommon.SpanID{1})
	}
	s.SetName("GET /api/items/{id}")
	now := time.Now()
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-20 * time.Millisecond)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
	a := s.Attributes()
	a.PutStr("http.route", "/api/items/{id}")
	a.PutInt("http.response.status_code", 200)
	a.PutStr("url.full", "https://shop.example/api/items/"+strconv.FormatUint(w.rng.Uint64(), 36))
	a.PutStr("user.id", strconv.FormatUint(w.rng.Uint64(), 36))
	a.PutStr("request.id", strconv.FormatUint(w.rng.Uint64(), 16))
}

func heapNow() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// The budget is the memory: a 16 MiB budget is filled three times over with traces spread over
// batches and one giant trace. The giant trace is decided alone when it passes max_trace_bytes
// (1 MiB), before any other trace is decided early; afterwards the budget forces early
// decisions; and the live heap the processor holds never exceeds 1.2× the budget.
func TestBudgetIsTheMemory(t *testing.T) {
	for _, perBatch := range []int{1, 10} {
		t.Run(strconv.Itoa(perBatch)+"_spans_per_trace_and_batch", func(t *testing.T) { testBudgetIsTheMemory(t, perBatch) })
	}
}

func testBudgetIsTheMemory(t *testing.T, perBatch int) {
	cfg := testConfig()
	cfg.MemoryLimitMiB = 16
	cfg.DecisionCache = DecisionCacheCfg{Kept: 50_000, Dropped: 200_000}
	cfg.DecisionWait, cfg.MaxTraceAge = 10*time.Minute, 10*time.Minute
	budget := cfg.budgetBytes()
	sink := &countingSink{}
	baseline := heapNow()
	p, err := newProcessor(componenttest.NewNopTelemetrySettings(), cfg, sink, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	w := newSpreadWorkload(41, perBatch)
	var peak int64
	giantAt := -1
	for i := 0; i < 3000 && p.earlyTotal.Load() < 20_000; i++ {
		giant := 0
		if i < 200 {
			giant = 300
		}
		if err := p.ConsumeTraces(context.Background(), w.next(giant)); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			p.tick(context.Background()) // counts early decisions; the run goroutine also ticks
			if giantAt < 0 && p.earlyTotal.Load() > 0 {
				giantAt = i
				if early := p.earlyTotal.Load(); early != 1 {
					t.Fatalf("first early decisions: %d, want the giant trace alone", early)
				}
				if p.budget.Used() > budget*3/4 {
					t.Fatalf("the giant trace was decided only when the budget was %d%% full", 100*p.budget.Used()/budget)
				}
			}
			if h := heapNow() - baseline; h > peak {
				peak = h
				if testing.Verbose() {
					t.Logf("batch %d: heap %.2f MiB, charged %.2f MiB (%d traces buffered, %.2f MiB held for release)", i, float64(h)/(1<<20),
						float64(p.budget.Used())/(1<<20), p.buffered(), float64(p.releases.heldBytes())/(1<<20))
				}
			}
		}
	}
	if giantAt < 0 {
		t.Fatal("the giant trace was never decided")
	}
	if early := p.earlyTotal.Load(); early < 1000 {
		t.Fatalf("%d early decisions: the test did not fill the budget", early)
	}
	ratio := float64(peak) / float64(budget)
	t.Logf("giant trace decided alone at batch %d; %d early decisions; peak live heap %.1f MiB = %.2f× the %d MiB budget",
		giantAt, p.earlyTotal.Load(), float64(peak)/(1<<20), ratio, cfg.MemoryLimitMiB)
	if ratio > 1.2 {
		t.Errorf("live heap %.2f× the budget, want ≤ 1.2×", ratio)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

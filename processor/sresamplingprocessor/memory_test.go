package sresamplingprocessor

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
)

// heapNow is the heap the last full GC found live. HeapAlloc read after runtime.GC also counts
// what other goroutines (the release goroutine decoding a batch) allocate between the end of
// the mark and the read, which on a loaded machine is megabytes of garbage, not held memory.
func heapNow() int64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return int64(sample[0].Value.Uint64())
}

// The budget is the memory: a 16 MiB budget is filled three times over with traces spread over
// batches and one giant trace. The giant trace is decided alone when it passes max_trace_bytes
// (1 MiB), before any other trace is decided early; afterwards the budget forces early
// decisions; and the live heap the processor holds never exceeds 1.2× the budget.
//
// Each shape runs in a fresh test process: the live heap of a process that has run other tests
// moves with their leftovers (pools, finalizers) by more than the margin being measured.
func TestBudgetIsTheMemory(t *testing.T) {
	if shape := os.Getenv("SRE_SAMPLING_MEMORY_SHAPE"); shape != "" {
		perBatch, err := strconv.Atoi(shape)
		if err != nil {
			t.Fatal(err)
		}
		testBudgetIsTheMemory(t, perBatch)
		return
	}
	for _, perBatch := range []int{1, 10} {
		t.Run(strconv.Itoa(perBatch)+"_spans_per_trace_and_batch", func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBudgetIsTheMemory$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "SRE_SAMPLING_MEMORY_SHAPE="+strconv.Itoa(perBatch))
			out, err := cmd.CombinedOutput()
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "memory_test.go") {
					t.Log(strings.TrimSpace(line))
				}
			}
			if err != nil {
				t.Fatalf("the measuring process failed: %v\n%s", err, out)
			}
		})
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

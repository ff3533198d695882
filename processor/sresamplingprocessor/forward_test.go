package sresamplingprocessor

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// refusingConsumer refuses its first `refusals` calls (all of them when refusals < 0) with err.
type refusingConsumer struct {
	consumertest.TracesSink
	mu       sync.Mutex
	refusals int
	err      error
	calls    int
}

func (c *refusingConsumer) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	c.mu.Lock()
	c.calls++
	refuse := c.refusals != 0
	if c.refusals > 0 {
		c.refusals--
	}
	c.mu.Unlock()
	if refuse {
		return c.err
	}
	return c.TracesSink.ConsumeTraces(ctx, td)
}

// startWithOrdinaryTraces runs the processor on the fake clock with traces kept by the ratio
// (1.0), which only the ticker releases, once decision_wait has passed.
func startWithOrdinaryTraces(t *testing.T, next *refusingConsumer, clock *fakeClock, traces int) *sreSampling {
	t.Helper()
	cfg := testConfig()
	cfg.Ratio = 1
	cfg.DecisionWait, cfg.MaxTraceAge = time.Second, 10*time.Second
	p, err := newProcessor(componenttest.NewNopTelemetrySettings(), cfg, next, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < traces; i++ {
		if err := p.ConsumeTraces(context.Background(), batch(spanSpec{trace: pcommon.TraceID{byte(i + 1)}, id: 1, root: true})); err != nil {
			t.Fatal(err)
		}
	}
	if next.SpanCount() != 0 {
		t.Fatalf("%d spans forwarded before decision_wait", next.SpanCount())
	}
	return p
}

// advanceUntil moves the fake clock a step at a time, polling cond for a few wall-clock ticker
// periods (100ms each) after every step, until cond holds or the steps run out.
func advanceUntil(t *testing.T, clock *fakeClock, step time.Duration, steps int, cond func() bool) {
	t.Helper()
	for i := 0; i < steps; i++ {
		clock.Add(step)
		for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if cond() {
				return
			}
		}
	}
	t.Fatal("condition not reached")
}

func TestTickerRetriesARefusedReleaseUntilAccepted(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	next := &refusingConsumer{refusals: 3, err: errors.New("sending queue is full")}
	p := startWithOrdinaryTraces(t, next, clock, 5)
	advanceUntil(t, clock, 500*time.Millisecond, 40, func() bool { return next.SpanCount() == 5 })
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if next.SpanCount() != 5 || p.releases.dropped.Load() != 0 {
		t.Fatalf("delivered %d of 5 spans, dropped %d", next.SpanCount(), p.releases.dropped.Load())
	}
	if next.calls < 4 {
		t.Fatalf("%d calls: the refused release was not retried", next.calls)
	}
}

func TestTickerDropsAndCountsPermanentRefusals(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	next := &refusingConsumer{refusals: -1, err: consumererror.NewPermanent(errors.New("bad data"))}
	p := startWithOrdinaryTraces(t, next, clock, 4)
	advanceUntil(t, clock, 500*time.Millisecond, 40, func() bool { next.mu.Lock(); defer next.mu.Unlock(); return next.calls > 0 })
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.releases.dropped.Load() != 4 || p.releases.pending() != 0 || next.calls != 1 {
		t.Fatalf("permanent refusal: dropped %d of 4, %d pending, %d calls (want 1: never retried)", p.releases.dropped.Load(), p.releases.pending(), next.calls)
	}
}

func TestTickerGivesUpAfterMaxTraceAge(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	next := &refusingConsumer{refusals: -1, err: errors.New("backend down")}
	p := startWithOrdinaryTraces(t, next, clock, 3)
	// Released after 1s, then retried with backoff until 10s of refusals have passed.
	advanceUntil(t, clock, time.Second, 60, func() bool { return p.releases.dropped.Load() == 3 })
	if elapsed := clock.Now().Sub(time.Unix(1_700_000_000, 0)); elapsed < 11*time.Second {
		t.Fatalf("dropped after %s of fake time, before decision_wait + max_trace_age", elapsed)
	}
	next.mu.Lock()
	calls := next.calls
	next.mu.Unlock()
	if calls < 3 {
		t.Fatalf("%d calls: not retried before giving up", calls)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown with nothing pending: %v", err)
	}
	if p.releases.dropped.Load() != 3 || next.SpanCount() != 0 {
		t.Fatalf("after max_trace_age of refusals: dropped %d of 3, delivered %d", p.releases.dropped.Load(), next.SpanCount())
	}
}

package sresamplingprocessor

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// flakyConsumer refuses every third call with a retryable error until told to stop, and
// counts every span it accepts.
type flakyConsumer struct {
	refusingConsumer
	seen map[spanKey]int
}

func newFlaky() *flakyConsumer {
	return &flakyConsumer{refusingConsumer: refusingConsumer{refusals: -1, err: errors.New("sending queue is full")}, seen: map[spanKey]int{}}
}

func (c *flakyConsumer) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.refusals != 0 && c.calls%3 == 0 {
		return c.err
	}
	for k := range spansOf(td) {
		c.seen[k]++
	}
	return nil
}

func (c *flakyConsumer) stopRefusing() { c.mu.Lock(); c.refusals = 0; c.mu.Unlock() }

// send retries a copy of the original batch until it is accepted, as an OTLP client does.
func send(t *testing.T, p *sreSampling, original ptrace.Traces) {
	t.Helper()
	for attempt := 0; attempt < 50; attempt++ {
		td := ptrace.NewTraces()
		original.CopyTo(td)
		if err := p.ConsumeTraces(context.Background(), td); err == nil {
			return
		}
	}
	t.Fatal("batch refused 50 times")
}

// traceBatches spreads each trace over three batches: root, children, then (for every fifth
// trace) an error span, with ordinary late spans mixed in, so every path of the engine meets a
// refusal: buffering, release on evidence, passing through the caches.
func traceBatches(prefix byte, traces int) (batches []ptrace.Traces, spans int) {
	rng := rand.New(rand.NewPCG(uint64(prefix), 7))
	var a, b, c []spanSpec
	for i := 0; i < traces; i++ {
		id := randomTraceID(rng)
		id[0] = prefix
		a = append(a, spanSpec{trace: id, id: 1, root: true})
		b = append(b, spanSpec{trace: id, id: 2}, spanSpec{trace: id, id: 3})
		c = append(c, spanSpec{trace: id, id: 4, err: i%5 == 0})
		spans += 4
		if len(a) == 50 {
			batches = append(batches, batch(a...), batch(b...), batch(c...))
			a, b, c = nil, nil, nil
		}
	}
	return batches, spans
}

func assertExactlyOnce(t *testing.T, c *flakyConsumer, batches []ptrace.Traces, spans int) {
	t.Helper()
	want := map[spanKey]bool{}
	for _, td := range batches {
		for k := range spansOf(td) {
			want[k] = true
		}
	}
	if len(want) != spans {
		t.Fatalf("test data: %d distinct spans, want %d", len(want), spans)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var missing, twice int
	for k := range want {
		switch n := c.seen[k]; {
		case n == 0:
			missing++
		case n > 1:
			twice++
		}
	}
	if missing > 0 || twice > 0 || len(c.seen) != spans {
		t.Fatalf("of %d spans: %d missing, %d delivered more than once, %d delivered in all", spans, missing, twice, len(c.seen))
	}
	t.Logf("%d spans delivered exactly once through %d calls, a third of them refused", spans, c.calls)
}

// With ratio 1 every span must come out. A next consumer that refuses every third call, on
// both the ingest path and the release path, must still see each span exactly once.
func TestRefusingConsumerSeesEverySpanExactlyOnce(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.Ratio = 1
	cfg.DecisionWait, cfg.MaxTraceAge = time.Second, time.Minute
	next := newFlaky()
	p, err := newProcessor(componenttest.NewNopTelemetrySettings(), cfg, next, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	batches, spans := traceBatches(1, 2000)
	for i, td := range batches {
		send(t, p, td)
		if i%7 == 0 { // decisions and releases interleave with ingest
			clock.Add(700 * time.Millisecond)
			p.tick(context.Background())
			_ = p.releases.drain(context.Background(), false)
		}
	}
	for i := 0; i < 200 && (p.releases.pending() > 0 || p.buffered() > 0); i++ {
		clock.Add(time.Second)
		p.tick(context.Background())
		_ = p.releases.drain(context.Background(), false)
	}
	next.stopRefusing()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := p.releases.dropped.Load(); d != 0 {
		t.Fatalf("%d spans dropped", d)
	}
	assertExactlyOnce(t, next, batches, spans)
}

// The same with four concurrent senders and the processor's own goroutine releasing on wall
// time: the plan/forward/commit steps of different batches interleave on the shards.
func TestConcurrentSendersWithRefusalsExactlyOnce(t *testing.T) {
	cfg := testConfig()
	cfg.Ratio = 1
	cfg.NumShards = 4
	cfg.DecisionWait, cfg.MaxTraceAge = 20*time.Millisecond, time.Minute
	next := newFlaky()
	p, err := newProcessor(componenttest.NewNopTelemetrySettings(), cfg, next, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	var all []ptrace.Traces
	total := 0
	var wg sync.WaitGroup
	for g := byte(1); g <= 4; g++ {
		batches, spans := traceBatches(g, 1000)
		all = append(all, batches...)
		total += spans
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, td := range batches {
				send(t, p, td)
			}
		}()
	}
	wg.Wait()
	next.stopRefusing()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(fmt.Errorf("shutdown: %w", err))
	}
	assertExactlyOnce(t, next, all, total)
}

package sresamplingprocessor

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// The sampler publishes what it decided, so pillars judges the keep ratio from the decisions
// and not from the unsampled stream it may see before the sampler.
func TestDecisionsArePublishedToTheBoard(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	p, sink := newTestProcessor(t, cfg, clock)
	board := srestate.NewBoard(srestate.Limits{})
	p.board = board
	const n = 10_000
	td := ptrace.NewTraces()
	serviceTraces(rand.New(rand.NewPCG(7, 8)), td, n, "shop", 1)
	consume(t, p, td)
	decideAll(t, p, clock)
	p.tick(context.Background())
	stats, ok := board.Sampling()
	count, _, _ := spansByClass(sink)
	if !ok || stats.DecidedSpans != n || stats.KeptSpans != float64(count[1]) || count[1] == 0 {
		t.Errorf("published %+v (%v), sink kept %d of %d", stats, ok, count[1], n)
	}
}

package sresamplingprocessor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
)

// Releases: a decision is final, so its kept spans are the processor's to deliver. They wait
// here as the compressed chunks they were buffered as (still charged to the budget) and are
// decoded and forwarded in slices of at most a 64th of the budget (64 KiB to 1 MiB) of
// protobuf, so a giant trace never becomes one giant pdata and the decoded slice in flight
// stays a few percent of the budget. A slice the next consumer refuses is retried with backoff until
// max_trace_age has passed since the decision; a permanent refusal, or one that outlasts
// max_trace_age, drops the rest of that trace's spans and counts them.
const (
	firstRetry      = 100 * time.Millisecond
	maxRetryBackoff = 5 * time.Second
	maxSliceBytes   = 1 << 20
	minSliceBytes   = 64 << 10
)

func sliceBytes(budget int64) int { return int(min(max(budget/64, minSliceBytes), maxSliceBytes)) }

type release struct {
	d            *decide.Decision
	coverage     decide.Coverage
	next         int // first chunk not yet delivered
	since, retry time.Time
	backoff      time.Duration
}

// releaseQueue is filled by any goroutine and drained by the processor's run goroutine only
// (and by Shutdown once that has stopped).
type releaseQueue struct {
	p       *sreSampling
	mu      sync.Mutex
	items   []*release
	held    atomic.Int64 // chunk bytes waiting
	dropped atomic.Int64 // spans given up on
	wake    chan struct{}
	ts      *tracestates // drain's own
	slice   int          // protobuf bytes per forwarded batch
	um      ptrace.ProtoUnmarshaler
	raw     []byte
}

func (q *releaseQueue) init(p *sreSampling) {
	q.p, q.wake, q.ts = p, make(chan struct{}, 1), newTracestates()
	q.slice = sliceBytes(p.budget.Limit())
}

func (q *releaseQueue) heldBytes() int64 { return q.held.Load() }

func (q *releaseQueue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

func (q *releaseQueue) add(d *decide.Decision, coverage decide.Coverage, now time.Time) {
	q.held.Add(d.Bytes)
	q.mu.Lock()
	q.items = append(q.items, &release{d: d, coverage: coverage, since: now, backoff: firstRetry / 2})
	q.mu.Unlock()
}

func (q *releaseQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// part is a run of one release's chunks inside an outgoing batch.
type part struct {
	r    *release
	end  int
	cost int64
}

// drain forwards every release that is due, packing the chunks of many small releases into
// batches of up to q.slice bytes, and a large release into several. With final (shutdown) a
// refusal drops at once.
func (q *releaseQueue) drain(ctx context.Context, final bool) error {
	q.mu.Lock()
	items := q.items
	q.items = nil
	q.mu.Unlock()
	now := q.p.now()
	var lastErr error
	out, parts, rawBytes := ptrace.NewTraces(), []part(nil), 0
	var failed map[*release]bool // made on the first refusal: most drains have none
	send := func() {
		if len(parts) == 0 {
			return
		}
		var err error
		if out.SpanCount() > 0 {
			err = q.p.next.ConsumeTraces(ctx, out)
		}
		for _, pt := range parts {
			switch {
			case failed[pt.r]:
			case err == nil:
				q.settle(pt.r, pt.end, pt.cost)
			default:
				if failed == nil {
					failed = map[*release]bool{}
				}
				failed[pt.r] = true
				lastErr = err
				q.refused(ctx, pt.r, now, final, err)
			}
		}
		out, parts, rawBytes = ptrace.NewTraces(), parts[:0], 0
	}
	for _, r := range items {
		if !final && now.Before(r.retry) {
			continue
		}
		for pos := r.next; pos < len(r.d.Chunks); {
			end, cost, n := q.appendChunks(out, r, pos, q.slice-rawBytes)
			parts = append(parts, part{r: r, end: end, cost: cost})
			rawBytes += n
			pos = end
			if rawBytes >= q.slice {
				send()
				if failed[r] {
					break
				}
			}
		}
	}
	send()
	var waiting []*release
	for _, r := range items {
		if r.next < len(r.d.Chunks) {
			waiting = append(waiting, r)
		}
	}
	if len(waiting) > 0 {
		q.mu.Lock()
		q.items = append(waiting, q.items...)
		q.mu.Unlock()
	}
	return lastErr
}

// refused schedules a retry of r, or gives up on it.
func (q *releaseQueue) refused(ctx context.Context, r *release, now time.Time, final bool, err error) {
	if final || consumererror.IsPermanent(err) || now.Sub(r.since) >= q.p.cfg.MaxTraceAge {
		q.dropRest(ctx, r, err)
		return
	}
	r.backoff = min(2*r.backoff, maxRetryBackoff)
	r.retry = now.Add(r.backoff)
}

func (q *releaseQueue) settle(r *release, end int, cost int64) {
	r.next = end
	q.p.budget.Release(cost)
	q.held.Add(-cost)
}

// appendChunks decodes r's chunks from pos into out, applying the verdict, until room bytes
// of protobuf (at least one chunk). It returns where it stopped, the budget cost of the chunks
// and the protobuf bytes decoded.
func (q *releaseQueue) appendChunks(out ptrace.Traces, r *release, pos, room int) (end int, cost int64, rawBytes int) {
	end = pos
	for ; end < len(r.d.Chunks) && (end == pos || rawBytes < room); end++ {
		chunk := r.d.Chunks[end]
		cost += decide.ChunkCost(chunk)
		raw, err := decodeChunk(chunk, q.raw)
		var td ptrace.Traces
		if err == nil {
			q.raw = raw
			rawBytes += len(raw)
			td, err = q.um.UnmarshalTraces(raw)
		}
		if err != nil {
			q.p.logger.Error("a buffered chunk does not decode; its spans are lost", zap.Error(err))
			continue
		}
		q.apply(td, r)
		td.ResourceSpans().MoveAndAppendTo(out.ResourceSpans())
	}
	return end, cost, rawBytes
}

// apply removes the spans the verdict does not keep and writes the thresholds of the rest.
func (q *releaseQueue) apply(td ptrace.Traces, r *release) {
	v := r.d.Verdict
	evidence := v.Mode == decide.ModeAll
	td.ResourceSpans().RemoveIf(func(rs ptrace.ResourceSpans) bool {
		rs.ScopeSpans().RemoveIf(func(ss ptrace.ScopeSpans) bool {
			ss.Spans().RemoveIf(func(span ptrace.Span) bool {
				s := q.ts.span(span)
				threshold, kept := q.ts.keep(s, v.Ratio, evidence)
				if kept {
					writeThreshold(q.ts, span, s, threshold)
				}
				return !kept
			})
			return ss.Spans().Len() == 0
		})
		return rs.ScopeSpans().Len() == 0
	})
}

// dropRest gives up on r, counting the spans it still held.
func (q *releaseQueue) dropRest(ctx context.Context, r *release, err error) {
	var spans int64
	for r.next < len(r.d.Chunks) {
		td := ptrace.NewTraces()
		end, cost, _ := q.appendChunks(td, r, r.next, q.slice)
		spans += int64(td.SpanCount())
		q.settle(r, end, cost)
	}
	q.dropped.Add(spans)
	q.p.telemetry.ProcessorSreSamplingForwardDroppedSpans.Add(ctx, spans)
	q.p.logger.Warn("dropping kept spans the next consumer refused", zap.Int64("spans", spans), zap.Error(err))
}

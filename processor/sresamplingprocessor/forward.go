package sresamplingprocessor

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
)

// Retrying what the ticker releases: a decision is final, so the kept spans are the
// processor's to deliver. A batch the next consumer refuses (an exporter queue that is full, a
// memory_limiter downstream) is retried with backoff until max_trace_age has passed since the
// first refusal; a permanent refusal, or one that outlasts max_trace_age, drops it and counts
// the spans. Only the ticker goroutine touches pending, and Shutdown after it has stopped.
const (
	firstRetry      = 100 * time.Millisecond
	maxRetryBackoff = 5 * time.Second
	// maxPendingSpans bounds what waits for a refusing consumer; the oldest go first beyond it.
	maxPendingSpans = 1 << 20
)

type pendingRelease struct {
	td           ptrace.Traces
	since, retry time.Time
	backoff      time.Duration
}

// forward delivers out after any earlier refused batches that are due for another attempt.
func (p *sreSampling) forward(ctx context.Context, out ptrace.Traces) {
	now := p.now()
	kept := p.pending[:0]
	for _, pr := range p.pending {
		if now.Before(pr.retry) {
			kept = append(kept, pr)
			continue
		}
		if pr, again := p.attempt(ctx, pr, now); again {
			kept = append(kept, pr)
		}
	}
	p.pending = kept
	if out.SpanCount() > 0 {
		if pr, again := p.attempt(ctx, pendingRelease{td: out, since: now, backoff: firstRetry / 2}, now); again {
			p.pending = append(p.pending, pr)
		}
	}
	p.boundPending(ctx)
}

// attempt sends one batch; again is true when it should be retried later.
func (p *sreSampling) attempt(ctx context.Context, pr pendingRelease, now time.Time) (pendingRelease, bool) {
	err := p.next.ConsumeTraces(ctx, pr.td)
	if err == nil {
		return pr, false
	}
	if consumererror.IsPermanent(err) || now.Sub(pr.since) >= p.cfg.MaxTraceAge {
		p.dropForwarded(ctx, pr.td, err)
		return pr, false
	}
	pr.backoff = min(2*pr.backoff, maxRetryBackoff)
	pr.retry = now.Add(pr.backoff)
	return pr, true
}

func (p *sreSampling) boundPending(ctx context.Context) {
	total := 0
	for _, pr := range p.pending {
		total += pr.td.SpanCount()
	}
	for len(p.pending) > 0 && total > maxPendingSpans {
		total -= p.pending[0].td.SpanCount()
		p.dropForwarded(ctx, p.pending[0].td, errPendingFull)
		p.pending = p.pending[1:]
	}
}

func (p *sreSampling) dropForwarded(ctx context.Context, td ptrace.Traces, err error) {
	n := int64(td.SpanCount())
	p.forwardDropped.Add(n)
	p.telemetry.ProcessorSreSamplingForwardDroppedSpans.Add(ctx, n)
	p.logger.Warn("dropping kept spans the next consumer refused", zap.Int64("spans", n), zap.Error(err))
}

var errPendingFull = errors.New("more kept spans wait for a refusing consumer than the retry buffer holds")

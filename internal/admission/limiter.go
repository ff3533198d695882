// Package admission bounds how many export requests a receiver works on at once. A request
// beyond the bound waits briefly for a slot and is then refused, so an overloaded gateway
// answers with a fast retryable refusal instead of queueing work until clients time out.
package admission

import (
	"context"
	"sync/atomic"
	"time"
)

// Limiter admits at most MaxInFlight requests at a time, with at most MaxWaiting more waiting.
type Limiter struct {
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
}

// New returns a limiter; maxInFlight must be positive and maxWaiting not negative.
func New(maxInFlight, maxWaiting int) *Limiter {
	return &Limiter{slots: make(chan struct{}, maxInFlight), maxWaiting: int64(maxWaiting)}
}

// Refusal says why a request was not admitted.
type Refusal int

const (
	Admitted      Refusal = iota
	QueueFull             // MaxWaiting requests were already waiting
	WaitedTooLong         // no slot freed within the wait
	Cancelled             // the caller's context ended while waiting
)

// Acquire admits the request at once when a slot is free, otherwise waits up to wait for one.
// On Admitted the caller must call release exactly once when the request is done.
func (l *Limiter) Acquire(ctx context.Context, wait time.Duration) (release func(), why Refusal) {
	select {
	case l.slots <- struct{}{}:
		return l.release, Admitted
	default:
	}
	if l.waiting.Add(1) > l.maxWaiting {
		l.waiting.Add(-1)
		return nil, QueueFull
	}
	defer l.waiting.Add(-1)
	timer := time.NewTimer(wait) // a wait of 0 fires at once
	defer timer.Stop()
	select {
	case l.slots <- struct{}{}:
		return l.release, Admitted
	case <-timer.C:
		return nil, WaitedTooLong
	case <-ctx.Done():
		return nil, Cancelled
	}
}

func (l *Limiter) release() { <-l.slots }

// Saturated reports whether a request arriving now would be refused at once: every slot is
// taken and the waiting room is full.
func (l *Limiter) Saturated() bool {
	return len(l.slots) == cap(l.slots) && l.waiting.Load() >= l.maxWaiting
}

// InFlight is the number of admitted requests not yet released.
func (l *Limiter) InFlight() int { return len(l.slots) }

// Waiting is the number of requests waiting for a slot.
func (l *Limiter) Waiting() int { return int(l.waiting.Load()) }

// String names a refusal for logs and metric attributes.
func (r Refusal) String() string {
	switch r {
	case Admitted:
		return "admitted"
	case QueueFull:
		return "queue_full"
	case WaitedTooLong:
		return "wait_timeout"
	case Cancelled:
		return "cancelled"
	}
	return "unknown"
}

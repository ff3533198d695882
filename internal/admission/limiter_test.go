package admission

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestAdmitsUpToMaxInFlightAtOnce(t *testing.T) {
	l := New(2, 0)
	r1, why1 := l.Acquire(context.Background(), 0)
	r2, why2 := l.Acquire(context.Background(), 0)
	if why1 != Admitted || why2 != Admitted {
		t.Fatalf("first two: %v %v", why1, why2)
	}
	if l.InFlight() != 2 {
		t.Fatalf("in flight %d, want 2", l.InFlight())
	}
	if !l.Saturated() {
		t.Fatal("full with no waiting room, yet not saturated")
	}
	if _, why := l.Acquire(context.Background(), time.Hour); why != QueueFull {
		t.Fatalf("third with no waiting room: %v, want queue_full", why)
	}
	r1()
	if l.InFlight() != 1 {
		t.Fatalf("in flight %d after a release, want 1", l.InFlight())
	}
	r3, why3 := l.Acquire(context.Background(), 0)
	if why3 != Admitted {
		t.Fatalf("after a release: %v", why3)
	}
	r2()
	r3()
	if l.InFlight() != 0 || l.Waiting() != 0 {
		t.Fatalf("in flight %d waiting %d at the end", l.InFlight(), l.Waiting())
	}
}

func TestWaitsForAFreedSlot(t *testing.T) {
	l := New(1, 1)
	release, _ := l.Acquire(context.Background(), 0)
	got := make(chan Refusal)
	go func() {
		r, why := l.Acquire(context.Background(), time.Minute)
		if r != nil {
			defer r()
		}
		got <- why
	}()
	if l.Saturated() {
		t.Fatal("saturated with the waiting room empty")
	}
	waitFor(t, func() bool { return l.Waiting() == 1 })
	if !l.Saturated() {
		t.Fatal("slots and waiting room full, yet not saturated")
	}
	if _, why := l.Acquire(context.Background(), time.Minute); why != QueueFull {
		t.Fatalf("second waiter with room for one: %v", why)
	}
	release()
	if why := <-got; why != Admitted {
		t.Fatalf("waiter after release: %v", why)
	}
	if l.Waiting() != 0 {
		t.Fatalf("waiting %d after admission", l.Waiting())
	}
}

func TestRefusesAfterTheWaitOrCancellation(t *testing.T) {
	l := New(1, 5)
	release, _ := l.Acquire(context.Background(), 0)
	defer release()
	if _, why := l.Acquire(context.Background(), 0); why != WaitedTooLong {
		t.Fatalf("zero wait: %v", why)
	}
	start := time.Now()
	if _, why := l.Acquire(context.Background(), 20*time.Millisecond); why != WaitedTooLong {
		t.Fatalf("short wait: %v", why)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("refused after %s, before the 20ms wait", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, why := l.Acquire(ctx, time.Minute); why != Cancelled {
		t.Fatalf("cancelled context: %v", why)
	}
	if l.Waiting() != 0 {
		t.Fatalf("waiting %d after refusals", l.Waiting())
	}
}

// Under contention the bound holds at every moment.
func TestNeverMoreThanMaxInFlight(t *testing.T) {
	const limit = 3
	l := New(limit, 100)
	var mu sync.Mutex
	cur, peak, admitted := 0, 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, why := l.Acquire(context.Background(), time.Minute)
			if why != Admitted {
				return
			}
			mu.Lock()
			cur++
			admitted++
			peak = max(peak, cur)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			cur--
			mu.Unlock()
			release()
		}()
	}
	wg.Wait()
	if peak > limit || admitted != 50 {
		t.Fatalf("peak %d (limit %d), admitted %d of 50", peak, limit, admitted)
	}
}

func TestRefusalNames(t *testing.T) {
	for r, want := range map[Refusal]string{Admitted: "admitted", QueueFull: "queue_full", WaitedTooLong: "wait_timeout", Cancelled: "cancelled", Refusal(9): "unknown"} {
		if r.String() != want {
			t.Errorf("%d: %q, want %q", r, r.String(), want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

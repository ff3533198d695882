package sharedcomponent

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
)

type counting struct {
	starts, stops int
	startErr      error
}

func (c *counting) Start(context.Context, component.Host) error { c.starts++; return c.startErr }
func (c *counting) Shutdown(context.Context) error              { c.stops++; return nil }

func TestOneInstancePerKeyStartedOnceStoppedByTheLastUser(t *testing.T) {
	m := NewMap[string, *counting]()
	created := 0
	create := func() (*counting, error) { created++; return &counting{}, nil }
	a, _ := m.LoadOrStore("x", create)
	b, _ := m.LoadOrStore("x", create)
	other, _ := m.LoadOrStore("y", create)
	if a != b || a == other || created != 2 || m.Len() != 2 {
		t.Fatalf("created %d instances for two keys (same for x: %v), Len %d", created, a == b, m.Len())
	}
	ctx, host := context.Background(), componenttest.NewNopHost()
	for _, c := range []*Component[*counting]{a, b} {
		if err := c.Start(ctx, host); err != nil {
			t.Fatal(err)
		}
	}
	if a.Unwrap().starts != 1 {
		t.Fatalf("started %d times, want once", a.Unwrap().starts)
	}
	if err := a.Shutdown(ctx); err != nil || a.Unwrap().stops != 0 || m.Len() != 2 {
		t.Fatalf("the first of two users stopped it (stops %d, err %v, Len %d)", a.Unwrap().stops, err, m.Len())
	}
	if err := b.Shutdown(ctx); err != nil || a.Unwrap().stops != 1 || m.Len() != 1 {
		t.Fatalf("the last user: stops %d, err %v, Len %d; want stopped and forgotten", a.Unwrap().stops, err, m.Len())
	}
	again, _ := m.LoadOrStore("x", create)
	if again == a || created != 3 {
		t.Fatal("a stopped instance was handed out again")
	}
}

func TestAFailedStartCanBeRetriedAndCreateErrorsAreNotStored(t *testing.T) {
	m := NewMap[string, *counting]()
	boom := errors.New("boom")
	if _, err := m.LoadOrStore("x", func() (*counting, error) { return nil, boom }); !errors.Is(err, boom) || m.Len() != 0 {
		t.Fatalf("create error: %v, Len %d", err, m.Len())
	}
	c, _ := m.LoadOrStore("x", func() (*counting, error) { return &counting{startErr: boom}, nil })
	ctx, host := context.Background(), componenttest.NewNopHost()
	if err := c.Start(ctx, host); !errors.Is(err, boom) {
		t.Fatalf("Start = %v, want boom", err)
	}
	c.Unwrap().startErr = nil
	if err := c.Start(ctx, host); err != nil || c.Unwrap().starts != 2 {
		t.Fatalf("retry after a failed start: %v, starts %d", err, c.Unwrap().starts)
	}
	if err := c.Shutdown(ctx); err != nil || c.Unwrap().stops != 1 {
		t.Fatalf("one start, one shutdown: stops %d", c.Unwrap().stops)
	}
}

// A pipeline that failed to build is shut down without having started: the instance stops.
func TestShutdownWithoutStart(t *testing.T) {
	m := NewMap[string, *counting]()
	c, _ := m.LoadOrStore("x", func() (*counting, error) { return &counting{}, nil })
	if err := c.Shutdown(context.Background()); err != nil || c.Unwrap().stops != 1 || m.Len() != 0 {
		t.Fatalf("stops %d, Len %d", c.Unwrap().stops, m.Len())
	}
}

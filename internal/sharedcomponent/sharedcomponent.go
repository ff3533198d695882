// Package sharedcomponent lets the pipelines of one component ID share one instance, as core's
// internal sharedcomponent does for the OTLP receiver: the collector creates a node per signal
// (or per connector form), and each must reach the same state. Unlike core's, Start and
// Shutdown are counted, so the instance stops only when its last user stops: a pipeline shut
// down first must not close what another pipeline still feeds.
package sharedcomponent

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
)

// Lifecycle is what a shared instance does once: start on the first Start, stop on the last
// Shutdown.
type Lifecycle interface {
	Start(context.Context, component.Host) error
	Shutdown(context.Context) error
}

// Map holds the live instances by key, usually the component.ID. Keep one Map per factory, so
// two collectors in one process (tests) never share an instance.
type Map[K comparable, C Lifecycle] struct {
	mu    sync.Mutex
	byKey map[K]*Component[C]
}

// NewMap returns an empty map.
func NewMap[K comparable, C Lifecycle]() *Map[K, C] {
	return &Map[K, C]{byKey: map[K]*Component[C]{}}
}

// LoadOrStore returns the instance for key, creating it with create on the first call.
func (m *Map[K, C]) LoadOrStore(key K, create func() (C, error)) (*Component[C], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.byKey[key]; ok {
		return c, nil
	}
	inst, err := create()
	if err != nil {
		return nil, err
	}
	c := &Component[C]{inst: inst, remove: func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.byKey, key)
	}}
	m.byKey[key] = c
	return c, nil
}

// Len is the number of live instances.
func (m *Map[K, C]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byKey)
}

// Component is one shared instance and the count of its users that started it.
type Component[C Lifecycle] struct {
	inst    C
	mu      sync.Mutex
	started int
	remove  func()
}

// Unwrap returns the instance.
func (c *Component[C]) Unwrap() C { return c.inst }

// Start starts the instance on its first call; later calls only count.
func (c *Component[C]) Start(ctx context.Context, host component.Host) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started++; c.started > 1 {
		return nil
	}
	if err := c.inst.Start(ctx, host); err != nil {
		c.started = 0
		return err
	}
	return nil
}

// Shutdown stops the instance when the last user that started it stops, and forgets it so a
// reload creates a fresh one. A Shutdown without a Start (a pipeline that failed to build)
// stops and forgets an instance nobody started.
func (c *Component[C]) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started > 1 {
		c.started--
		return nil
	}
	c.started = 0
	c.remove()
	return c.inst.Shutdown(ctx)
}

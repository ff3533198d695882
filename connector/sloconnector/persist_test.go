package sloconnector

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// memStorage is an in-memory storage.Client, as file_storage behaves for one process.
type memStorage struct {
	mu sync.Mutex
	kv map[string][]byte
}

func (m *memStorage) Get(_ context.Context, k string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kv[k], nil
}

func (m *memStorage) Set(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kv[k] = v
	return nil
}

func (m *memStorage) Delete(_ context.Context, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.kv, k)
	return nil
}

func (m *memStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = m.Get(ctx, op.Key)
		case storage.Set:
			_ = m.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = m.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (m *memStorage) Close(context.Context) error { return nil }

// A restart restores every SLO whose definition is unchanged and resets only the one that
// changed; the downtime is a gap in the windows, not good events.
func TestRestartResetsOnlyTheChangedSLOAndDowntimeIsAGap(t *testing.T) {
	store := &memStorage{kv: map[string][]byte{}}
	kept := SLO{Name: "kept", Service: "svc", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}
	changed := SLO{Name: "changed", Service: "svc", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}
	start := func(now time.Time, slos ...SLO) *sloConnector {
		t.Helper()
		c := newTestConnector(t, baseConfig(slos...))
		c.now = func() time.Time { return now }
		c.storage = store
		c.restore(context.Background())
		return c
	}
	c := start(testNow, kept, changed)
	var spans []testSpan
	for i := 0; i < 100; i++ {
		s := testSpan{service: "svc", kind: ptrace.SpanKindServer}
		if i < 10 {
			s.status = ptrace.StatusCodeError
		}
		spans = append(spans, s)
	}
	if err := c.ConsumeTraces(context.Background(), makeTraces(spans)); err != nil {
		t.Fatal(err)
	}
	if err := c.checkpoint(context.Background(), true); err != nil {
		t.Fatal(err)
	}

	changed.Objective = 99.5
	later := testNow.Add(2 * time.Hour) // down for two hours
	c = start(later, kept, changed)
	got := points(c.buildMetrics(later))
	want := map[string]float64{
		"slo.events{service.name=svc,slo.name=kept,slo.outcome=good}":                     90,
		"slo.events{service.name=svc,slo.name=kept,slo.outcome=bad}":                      10,
		"slo.window.events{service.name=svc,slo.name=kept,slo.outcome=bad,slo.window=3d}": 10,
		"slo.window.events{service.name=svc,slo.name=kept,slo.outcome=bad,slo.window=1h}": 0, // the downtime is no traffic
		"slo.events{service.name=svc,slo.name=changed,slo.outcome=good}":                  0,
		"slo.events{service.name=svc,slo.name=changed,slo.outcome=bad}":                   0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if _, ok := got["slo.sli{service.name=svc,slo.name=kept,slo.window=1h}"]; ok {
		t.Error("the downtime produced an SLI: it was counted as traffic")
	}
	if v := got["slo.sli{service.name=svc,slo.name=kept,slo.window=3d}"]; v != 0.9 {
		t.Errorf("restored 3d SLI %v, want 0.9", v)
	}
}

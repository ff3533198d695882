package pillarsexporter

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
)

type memClient struct {
	mu   sync.Mutex
	data map[string][]byte
}

func (m *memClient) Get(_ context.Context, k string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data[k], nil
}

func (m *memClient) Set(_ context.Context, k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[k] = append([]byte(nil), v...)
	return nil
}

func (m *memClient) Delete(_ context.Context, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, k)
	return nil
}

func (m *memClient) Batch(context.Context, ...*storage.Operation) error { return nil }
func (m *memClient) Close(context.Context) error                        { return nil }

type memStorage struct {
	component.StartFunc
	component.ShutdownFunc
	client *memClient
}

func (s *memStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return s.client, nil
}

type hostWith struct {
	component.Host
	ext map[component.ID]component.Component
}

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h.ext }

// The DORA event history (deployments, version) survives a restart through the storage extension.
func TestDoraHistorySurvivesRestart(t *testing.T) {
	id := component.MustNewID("file_storage")
	host := hostWith{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{id: &memStorage{client: &memClient{data: map[string][]byte{}}}}}
	cfg := createDefaultConfig().(*Config)
	cfg.HTTP.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Storage = &id
	run := func(send bool) ServiceResult {
		p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), time.Now)
		if err := p.Start(context.Background(), host); err != nil {
			t.Fatal(err)
		}
		if send {
			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", "kept")
			lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
			lr.Attributes().PutStr("event.name", "deployment")
			lr.Attributes().PutStr("service.version", "1.2.3")
			_ = p.consumeLogs(context.Background(), ld)
			md := cpuDelta("", "", 4, gib, time.Now())
			md.ResourceMetrics().At(0).Resource().Attributes().PutStr("service.name", "kept")
			md.ResourceMetrics().At(0).Resource().Attributes().Remove("deployment.environment.name")
			md.ResourceMetrics().At(0).Resource().Attributes().Remove("service.version")
			_ = p.consumeMetrics(context.Background(), md)
		}
		p.evaluate()
		if err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(p.latest.Load().Services) != 1 {
			t.Fatalf("services: %+v", p.latest.Load().Services)
		}
		return p.latest.Load().Services[0]
	}
	if first := run(true); first.Dora.Deployments != 1 {
		t.Fatalf("first run: %+v", first.Dora)
	}
	if second := run(false); second.Dora.Deployments != 1 || second.Identity["service.name"] != "kept" {
		t.Errorf("after restart: %+v %+v", second.Identity, second.Dora)
	} else if f := findingOfCheck(second, "finops.allocation"); !strings.Contains(f.Evidence, "8 CPU-seconds") {
		t.Errorf("the FinOps usage history did not survive the restart: %+v", f)
	}
}

func findingOfCheck(s ServiceResult, check string) standards.Finding {
	for _, f := range s.Standards {
		if f.Check == check {
			return f
		}
	}
	return standards.Finding{}
}

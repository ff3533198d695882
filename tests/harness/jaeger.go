package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Jaeger is a real Jaeger v2 listening on loopback only, with in-memory storage or, for tests
// that restart it, Badger on disk.
type Jaeger struct {
	*Process
	OTLPGRPC string
	QueryURL string

	bin, cfg, health string
}

const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines: {traces: {receivers: [otlp], exporters: [jaeger_storage_exporter]}}
  telemetry: {metrics: {level: none}, traces: {level: none}}
extensions:
  healthcheckv2: {use_v2: true, http: {endpoint: "{{.Health}}"}}
  jaeger_query: {storage: {traces: mem}, http: {endpoint: "{{.QueryHTTP}}"}, grpc: {endpoint: "{{.QueryGRPC}}"}}
  jaeger_storage: {backends: {mem: {{if .Dir}}{badger: {ephemeral: false, directories: {keys: "{{.Dir}}/keys", values: "{{.Dir}}/values"}}}{{else}}{memory: {max_traces: 100000}}{{end}}}}
receivers: {otlp: {protocols: {grpc: {endpoint: "{{.OTLPGRPC}}"}, http: {endpoint: "{{.OTLPHTTP}}"}}}}
exporters: {jaeger_storage_exporter: {trace_storage: mem}}
`

// StartJaeger runs bin with a loopback-only config and in-memory storage, and waits until it is
// healthy.
func StartJaeger(t testing.TB, bin string) *Jaeger { return startJaeger(t, bin, "") }

// StartDurableJaeger stores traces with Badger under a test directory, so Restart keeps them.
func StartDurableJaeger(t testing.TB, bin string) *Jaeger { return startJaeger(t, bin, t.TempDir()) }

func startJaeger(t testing.TB, bin, dir string) *Jaeger {
	t.Helper()
	ports := map[string]string{
		"Health": Addr(t), "QueryHTTP": Addr(t), "QueryGRPC": Addr(t), "OTLPGRPC": Addr(t), "OTLPHTTP": Addr(t), "Dir": dir,
	}
	j := &Jaeger{OTLPGRPC: ports["OTLPGRPC"], QueryURL: "http://" + ports["QueryHTTP"], bin: bin,
		cfg: WriteConfig(t, "jaeger.yaml", jaegerConfig, ports), health: "http://" + ports["Health"] + "/status"}
	j.Restart(t)
	return j
}

// Restart starts Jaeger again on the same ports and storage after Stop (or starts it the first
// time), and waits until it is healthy.
func (j *Jaeger) Restart(t testing.TB) {
	t.Helper()
	j.Process = Start(t, "jaeger", j.bin, []string{"--config", j.cfg}, nil)
	j.WaitHTTP200(t, j.health, 60*time.Second)
}

// Trace fetches one trace by id through /api/v3/traces/{id}; found is false on 404.
func (j *Jaeger) Trace(traceID string) (traces ptrace.Traces, found bool, err error) {
	return j.getTraces(j.QueryURL + "/api/v3/traces/" + traceID)
}

func (j *Jaeger) getTraces(u string) (ptrace.Traces, bool, error) {
	resp, err := http.Get(u)
	if err != nil {
		return ptrace.Traces{}, false, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return ptrace.Traces{}, false, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return ptrace.Traces{}, false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return ptrace.Traces{}, false, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	var envelope struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil {
		return ptrace.Traces{}, false, fmt.Errorf("decode %s: %w", u, err)
	}
	var um ptrace.JSONUnmarshaler
	td, err := um.UnmarshalTraces(envelope.Result)
	if err != nil {
		return ptrace.Traces{}, false, fmt.Errorf("decode OTLP JSON from %s: %w", u, err)
	}
	return td, true, nil
}

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

// Jaeger is a real Jaeger v2 with in-memory storage, listening on loopback only.
type Jaeger struct {
	*Process
	OTLPGRPC string
	QueryURL string
}

const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines: {traces: {receivers: [otlp], exporters: [jaeger_storage_exporter]}}
  telemetry: {metrics: {level: none}, traces: {level: none}}
extensions:
  healthcheckv2: {use_v2: true, http: {endpoint: "{{.Health}}"}}
  jaeger_query: {storage: {traces: mem}, http: {endpoint: "{{.QueryHTTP}}"}, grpc: {endpoint: "{{.QueryGRPC}}"}}
  jaeger_storage: {backends: {mem: {memory: {max_traces: 100000}}}}
receivers: {otlp: {protocols: {grpc: {endpoint: "{{.OTLPGRPC}}"}, http: {endpoint: "{{.OTLPHTTP}}"}}}}
exporters: {jaeger_storage_exporter: {trace_storage: mem}}
`

// StartJaeger runs bin with a loopback-only config and waits until it is healthy.
func StartJaeger(t testing.TB, bin string) *Jaeger {
	t.Helper()
	ports := map[string]string{
		"Health": Addr(t), "QueryHTTP": Addr(t), "QueryGRPC": Addr(t), "OTLPGRPC": Addr(t), "OTLPHTTP": Addr(t),
	}
	cfg := WriteConfig(t, "jaeger.yaml", jaegerConfig, ports)
	p := Start(t, "jaeger", bin, []string{"--config", cfg}, nil)
	p.WaitHTTP200(t, "http://"+ports["Health"]+"/status", 60*time.Second)
	return &Jaeger{Process: p, OTLPGRPC: ports["OTLPGRPC"], QueryURL: "http://" + ports["QueryHTTP"]}
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

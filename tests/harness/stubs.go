package harness

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

// LokiStub stands in for Loki 3, which cannot run here: it serves Loki's native OTLP path
// /otlp/v1/logs and decodes the real OTLP/HTTP payload (protobuf or JSON).
type LokiStub struct {
	URL string // base URL; the collector's otlp_http endpoint is URL + "/otlp"

	mu    sync.Mutex
	logs  []plog.Logs
	paths []string
}

// StartLokiStub listens on a loopback port until the test ends.
func StartLokiStub(t testing.TB) *LokiStub {
	t.Helper()
	stub := &LokiStub{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		stub.mu.Lock()
		stub.paths = append(stub.paths, r.URL.Path)
		stub.mu.Unlock()
		if r.URL.Path != "/otlp/v1/logs" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		reader, err := requestBody(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(reader)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := plogotlp.NewExportRequest()
		if r.Header.Get("Content-Type") == "application/json" {
			err = req.UnmarshalJSON(body)
		} else {
			err = req.UnmarshalProto(body)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		stub.mu.Lock()
		stub.logs = append(stub.logs, req.Logs())
		stub.mu.Unlock()
		out, _ := plogotlp.NewExportResponse().MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	stub.URL = "http://" + l.Addr().String()
	return stub
}

// Logs returns the decoded payloads received so far.
func (s *LokiStub) Logs() []plog.Logs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]plog.Logs(nil), s.logs...)
}

// Paths returns every request path seen, valid or not.
func (s *LokiStub) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

// TempoStub stands in for Tempo, which cannot run here: a real OTLP/gRPC trace service. It
// also takes metrics and logs, so it can stand in for any OTLP next hop (the AWS forwarder).
type TempoStub struct {
	ptraceotlp.UnimplementedGRPCServer
	Addr string

	mu      sync.Mutex
	traces  []ptrace.Traces
	metrics []pmetric.Metrics
	logs    []plog.Logs
}

type otlpMetricsSink struct {
	pmetricotlp.UnimplementedGRPCServer
	*TempoStub
}

type otlpLogsSink struct {
	plogotlp.UnimplementedGRPCServer
	*TempoStub
}

func (s otlpMetricsSink) Export(_ context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	md := pmetric.NewMetrics()
	req.Metrics().CopyTo(md)
	s.mu.Lock()
	s.metrics = append(s.metrics, md)
	s.mu.Unlock()
	return pmetricotlp.NewExportResponse(), nil
}

func (s otlpLogsSink) Export(_ context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	ld := plog.NewLogs()
	req.Logs().CopyTo(ld)
	s.mu.Lock()
	s.logs = append(s.logs, ld)
	s.mu.Unlock()
	return plogotlp.NewExportResponse(), nil
}

// Metrics returns the metrics payloads received so far.
func (s *TempoStub) Metrics() []pmetric.Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pmetric.Metrics(nil), s.metrics...)
}

// Logs returns the logs payloads received so far.
func (s *TempoStub) Logs() []plog.Logs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]plog.Logs(nil), s.logs...)
}

// StartTempoStub serves OTLP/gRPC on a loopback port until the test ends.
func StartTempoStub(t testing.TB) *TempoStub {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stub := &TempoStub{Addr: l.Addr().String()}
	srv := grpc.NewServer()
	ptraceotlp.RegisterGRPCServer(srv, stub)
	pmetricotlp.RegisterGRPCServer(srv, &otlpMetricsSink{TempoStub: stub})
	plogotlp.RegisterGRPCServer(srv, &otlpLogsSink{TempoStub: stub})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return stub
}

// Export implements the OTLP trace service.
func (s *TempoStub) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	td := ptrace.NewTraces()
	req.Traces().CopyTo(td)
	s.mu.Lock()
	s.traces = append(s.traces, td)
	s.mu.Unlock()
	return ptraceotlp.NewExportResponse(), nil
}

// Traces returns the decoded payloads received so far.
func (s *TempoStub) Traces() []ptrace.Traces {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ptrace.Traces(nil), s.traces...)
}

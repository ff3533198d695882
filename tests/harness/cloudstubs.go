package harness

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"cloud.google.com/go/logging/apiv2/loggingpb"
	"cloud.google.com/go/monitoring/apiv3/v2/monitoringpb"
	"cloud.google.com/go/trace/apiv2/tracepb"
	metricpb "google.golang.org/genproto/googleapis/api/metric"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// No cloud is reachable from here, so these stand-ins decode what each exporter really sends:
// Application Insights track envelopes over HTTP, and Cloud Trace, Cloud Monitoring and Cloud
// Logging requests over gRPC.

// Envelope is the part of an Application Insights track envelope the tests read.
type Envelope struct {
	Name string            `json:"name"`
	IKey string            `json:"iKey"`
	Tags map[string]string `json:"tags"`
	Data struct {
		BaseType string          `json:"baseType"`
		BaseData json.RawMessage `json:"baseData"`
	} `json:"data"`
}

// OperationID is the envelope's trace id (ai.operation.id).
func (e Envelope) OperationID() string { return e.Tags["ai.operation.id"] }

// AppInsightsStub serves the ingestion endpoint's /v2.1/track: gzip'd, newline-delimited JSON
// envelopes, answered as the service answers ({"itemsReceived", "itemsAccepted", "errors"}).
type AppInsightsStub struct {
	URL string // the connection string's IngestionEndpoint

	mu        sync.Mutex
	envelopes []Envelope
	bad       []string
}

// StartAppInsightsStub listens on a loopback port until the test ends.
func StartAppInsightsStub(t testing.TB) *AppInsightsStub {
	t.Helper()
	stub := &AppInsightsStub{}
	srv := serveHTTP(t, http.HandlerFunc(stub.track))
	stub.URL = srv
	return stub
}

func (s *AppInsightsStub) track(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v2.1/track" || r.Method != http.MethodPost {
		s.reject(fmt.Sprintf("%s %s", r.Method, r.URL.Path))
		http.NotFound(w, r)
		return
	}
	body, err := requestBody(r)
	if err != nil {
		s.reject("gzip: " + err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var got []Envelope
	lines := bufio.NewScanner(body)
	lines.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for lines.Scan() {
		if len(bytes.TrimSpace(lines.Bytes())) == 0 {
			continue
		}
		var e Envelope
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			s.reject("envelope: " + err.Error())
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = append(got, e)
	}
	s.mu.Lock()
	s.envelopes = append(s.envelopes, got...)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"itemsReceived": len(got), "itemsAccepted": len(got), "errors": []any{}})
}

func (s *AppInsightsStub) reject(why string) {
	s.mu.Lock()
	s.bad = append(s.bad, why)
	s.mu.Unlock()
}

// Envelopes returns what was received so far; Rejected, the requests it could not decode.
func (s *AppInsightsStub) Envelopes() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Envelope(nil), s.envelopes...)
}

// Rejected lists the requests the stub could not decode.
func (s *AppInsightsStub) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bad...)
}

// GoogleCloudStub serves Cloud Trace v2 (BatchWriteSpans), Cloud Monitoring v3 (time series and
// metric descriptors) and Cloud Logging v2 (WriteLogEntries) on one insecure gRPC port.
type GoogleCloudStub struct {
	Addr string

	mu      sync.Mutex
	spans   []*tracepb.Span
	series  []*monitoringpb.TimeSeries
	entries []*loggingpb.LogEntry
}

type gcpTrace struct {
	tracepb.UnimplementedTraceServiceServer
	*GoogleCloudStub
}

type gcpMetrics struct {
	monitoringpb.UnimplementedMetricServiceServer
	*GoogleCloudStub
}

type gcpLogging struct {
	loggingpb.UnimplementedLoggingServiceV2Server
	*GoogleCloudStub
}

// StartGoogleCloudStub listens on a loopback port until the test ends.
func StartGoogleCloudStub(t testing.TB) *GoogleCloudStub {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stub := &GoogleCloudStub{Addr: l.Addr().String()}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(64 << 20))
	tracepb.RegisterTraceServiceServer(srv, gcpTrace{GoogleCloudStub: stub})
	monitoringpb.RegisterMetricServiceServer(srv, gcpMetrics{GoogleCloudStub: stub})
	loggingpb.RegisterLoggingServiceV2Server(srv, gcpLogging{GoogleCloudStub: stub})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return stub
}

func (s gcpTrace) BatchWriteSpans(_ context.Context, req *tracepb.BatchWriteSpansRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	s.spans = append(s.spans, req.GetSpans()...)
	s.mu.Unlock()
	return &emptypb.Empty{}, nil
}

func (s gcpMetrics) CreateTimeSeries(_ context.Context, req *monitoringpb.CreateTimeSeriesRequest) (*emptypb.Empty, error) {
	s.mu.Lock()
	s.series = append(s.series, req.GetTimeSeries()...)
	s.mu.Unlock()
	return &emptypb.Empty{}, nil
}

func (s gcpMetrics) CreateServiceTimeSeries(ctx context.Context, req *monitoringpb.CreateTimeSeriesRequest) (*emptypb.Empty, error) {
	return s.CreateTimeSeries(ctx, req)
}

func (gcpMetrics) CreateMetricDescriptor(_ context.Context, req *monitoringpb.CreateMetricDescriptorRequest) (*metricpb.MetricDescriptor, error) {
	return req.GetMetricDescriptor(), nil
}

func (s gcpLogging) WriteLogEntries(_ context.Context, req *loggingpb.WriteLogEntriesRequest) (*loggingpb.WriteLogEntriesResponse, error) {
	s.mu.Lock()
	s.entries = append(s.entries, req.GetEntries()...)
	s.mu.Unlock()
	return &loggingpb.WriteLogEntriesResponse{}, nil
}

// Spans returns the Cloud Trace spans received so far.
func (s *GoogleCloudStub) Spans() []*tracepb.Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*tracepb.Span(nil), s.spans...)
}

// TimeSeries returns the Cloud Monitoring points received so far.
func (s *GoogleCloudStub) TimeSeries() []*monitoringpb.TimeSeries {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*monitoringpb.TimeSeries(nil), s.series...)
}

// LogEntries returns the Cloud Logging entries received so far.
func (s *GoogleCloudStub) LogEntries() []*loggingpb.LogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*loggingpb.LogEntry(nil), s.entries...)
}

// CloudTraceID is the trace id in a Cloud Trace span's resource name,
// projects/{project}/traces/{trace_id}/spans/{span_id}.
func CloudTraceID(span *tracepb.Span) string {
	_, rest, _ := strings.Cut(span.GetName(), "/traces/")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// requestBody is the request's body, gunzipped when its Content-Encoding says gzip.
func requestBody(r *http.Request) (io.Reader, error) {
	if r.Header.Get("Content-Encoding") != "gzip" {
		return r.Body, nil
	}
	return gzip.NewReader(r.Body)
}

// serveHTTP serves h on a loopback port until the test ends and returns its base URL.
func serveHTTP(t testing.TB, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String()
}

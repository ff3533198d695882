package loadgen

import (
	"context"
	"net"
	"sync"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
)

// Sink is an OTLP/gRPC server for traces and metrics that counts what it receives and, when
// asked, which error traces arrived and how many times each span did.
type Sink struct {
	Addr string

	srv         *grpc.Server
	mu          sync.Mutex
	spans       int64
	errorSpans  int64
	dataPoints  int64
	trackErrors bool
	errorTraces map[[16]byte]int // spans received per error trace
	ptraceotlp.UnimplementedGRPCServer
}

// StartSink listens on a free 127.0.0.1 port.
func StartSink(trackErrors bool) (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{Addr: ln.Addr().String(), srv: grpc.NewServer(grpc.MaxRecvMsgSize(256 << 20)), trackErrors: trackErrors,
		errorTraces: map[[16]byte]int{}}
	ptraceotlp.RegisterGRPCServer(s.srv, s)
	pmetricotlp.RegisterGRPCServer(s.srv, &metricsSink{s: s})
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Stop ends the server.
func (s *Sink) Stop() { s.srv.Stop() }

// Export counts one trace request.
func (s *Sink) Export(_ context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	td := req.Traces()
	var errSpans int64
	var errIDs map[[16]byte]bool
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				if spans.At(k).Status().Code() == ptrace.StatusCodeError {
					errSpans++
					if s.trackErrors {
						if errIDs == nil {
							errIDs = map[[16]byte]bool{}
						}
						errIDs[spans.At(k).TraceID()] = true
					}
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans += int64(td.SpanCount())
	s.errorSpans += errSpans
	for id := range errIDs {
		s.errorTraces[id]++
	}
	return ptraceotlp.NewExportResponse(), nil
}

// Counts returns spans, error spans and metric data points received so far.
func (s *Sink) Counts() (spans, errorSpans, dataPoints int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spans, s.errorSpans, s.dataPoints
}

// ErrorTraces returns, per error trace id, how many requests carried its error span.
func (s *Sink) ErrorTraces() map[[16]byte]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[[16]byte]int, len(s.errorTraces))
	for k, v := range s.errorTraces {
		out[k] = v
	}
	return out
}

type metricsSink struct {
	s *Sink
	pmetricotlp.UnimplementedGRPCServer
}

func (m *metricsSink) Export(_ context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	n := int64(req.Metrics().DataPointCount())
	m.s.mu.Lock()
	m.s.dataPoints += n
	m.s.mu.Unlock()
	return pmetricotlp.NewExportResponse(), nil
}

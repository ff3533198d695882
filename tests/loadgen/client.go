package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// NoRetryHint ends the detail of a retryable refusal that says nothing of when to retry (no
// gRPC RetryInfo, no HTTP Retry-After).
const NoRetryHint = " without a retry hint"

// Outcome classifies one export call as a client sees it.
type Outcome int

const (
	Accepted  Outcome = iota
	Retryable         // gRPC RESOURCE_EXHAUSTED or UNAVAILABLE, HTTP 429 or 503: the SDK retries
	TimedOut          // the client's deadline passed first (gRPC DEADLINE_EXCEEDED): the SDK retries
	Failed            // anything else: the client would drop the batch
)

// Client sends one marshalled ExportTraceServiceRequest and reports how it went; detail names
// the status for the report (e.g. "grpc Unavailable", "http 503").
type Client interface {
	Send(ctx context.Context, payload []byte) (Outcome, string)
	Close() error
}

// rawCodec passes pre-marshalled protobuf through gRPC untouched. Its name is "proto", so
// the server decodes the request with its usual codec.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	if b, ok := v.(*[]byte); ok {
		return *b, nil
	}
	return nil, fmt.Errorf("rawCodec: %T", v)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	if b, ok := v.(*[]byte); ok {
		*b = append((*b)[:0], data...)
		return nil
	}
	return fmt.Errorf("rawCodec: %T", v)
}

func (rawCodec) Name() string { return "proto" }

// grpcClient spreads calls over several connections, as a fleet of SDKs (one connection each)
// would: one HTTP/2 connection carrying thousands of concurrent calls is its own bottleneck.
type grpcClient struct {
	conns []*grpc.ClientConn
	next  atomic.Uint64
}

// NewGRPCClient exports over OTLP/gRPC without TLS, on 16 connections.
func NewGRPCClient(addr string) (Client, error) {
	c := &grpcClient{}
	for i := 0; i < 16; i++ {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallSendMsgSize(64<<20)))
		if err != nil {
			c.Close()
			return nil, err
		}
		c.conns = append(c.conns, conn)
	}
	return c, nil
}

func (c *grpcClient) Send(ctx context.Context, payload []byte) (Outcome, string) {
	var reply []byte
	conn := c.conns[c.next.Add(1)%uint64(len(c.conns))]
	err := conn.Invoke(ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", &payload, &reply)
	return ClassifyGRPC(err)
}

func (c *grpcClient) Close() error {
	for _, conn := range c.conns {
		conn.Close()
	}
	return nil
}

// ClassifyGRPC maps a gRPC result onto an Outcome as the OTLP exporters' retry rules do.
func ClassifyGRPC(err error) (Outcome, string) {
	if err == nil {
		return Accepted, "grpc OK"
	}
	st := status.Convert(err)
	code := st.Code()
	switch code {
	case codes.ResourceExhausted, codes.Unavailable:
		for _, d := range st.Details() {
			if _, ok := d.(*errdetails.RetryInfo); ok {
				return Retryable, "grpc " + code.String()
			}
		}
		return Retryable, "grpc " + code.String() + NoRetryHint
	case codes.DeadlineExceeded:
		return TimedOut, "grpc " + code.String()
	}
	return Failed, "grpc " + code.String()
}

type httpClient struct {
	url string
	hc  *http.Client
}

// NewHTTPClient exports over OTLP/HTTP protobuf to base (e.g. http://127.0.0.1:4318).
func NewHTTPClient(base string) Client {
	return &httpClient{url: base + "/v1/traces", hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}}
}

func (c *httpClient) Send(ctx context.Context, payload []byte) (Outcome, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return Failed, err.Error()
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := c.hc.Do(req)
	if err != nil {
		return Failed, "http " + err.Error()
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	outcome, detail := ClassifyHTTP(resp.StatusCode)
	if outcome == Retryable && resp.Header.Get("Retry-After") == "" {
		detail += NoRetryHint
	}
	return outcome, detail
}

func (c *httpClient) Close() error { c.hc.CloseIdleConnections(); return nil }

// ClassifyHTTP maps an OTLP/HTTP status onto an Outcome (429, 502, 503, 504 are retryable).
func ClassifyHTTP(code int) (Outcome, string) {
	detail := "http " + strconv.Itoa(code)
	switch {
	case code >= 200 && code < 300:
		return Accepted, detail
	case code == 429 || code == 502 || code == 503 || code == 504:
		return Retryable, detail
	}
	return Failed, detail
}

package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// Outcome classifies one export call as a client sees it.
type Outcome int

const (
	Accepted  Outcome = iota
	Retryable         // gRPC RESOURCE_EXHAUSTED or UNAVAILABLE, HTTP 429 or 503: the SDK retries
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

type grpcClient struct{ conn *grpc.ClientConn }

// NewGRPCClient exports over OTLP/gRPC without TLS.
func NewGRPCClient(addr string) (Client, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		return nil, err
	}
	return &grpcClient{conn: conn}, nil
}

func (c *grpcClient) Send(ctx context.Context, payload []byte) (Outcome, string) {
	var reply []byte
	err := c.conn.Invoke(ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", &payload, &reply)
	return ClassifyGRPC(err)
}

func (c *grpcClient) Close() error { return c.conn.Close() }

// ClassifyGRPC maps a gRPC result onto an Outcome as the OTLP exporters' retry rules do.
func ClassifyGRPC(err error) (Outcome, string) {
	if err == nil {
		return Accepted, "grpc OK"
	}
	code := status.Code(err)
	switch code {
	case codes.ResourceExhausted, codes.Unavailable:
		return Retryable, "grpc " + code.String()
	}
	return Failed, "grpc " + code.String()
}

type httpClient struct {
	url string
	hc  *http.Client
}

// NewHTTPClient exports over OTLP/HTTP protobuf to base (e.g. http://127.0.0.1:4318).
func NewHTTPClient(base string) Client {
	return &httpClient{url: base + "/v1/traces", hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
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
	return ClassifyHTTP(resp.StatusCode)
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

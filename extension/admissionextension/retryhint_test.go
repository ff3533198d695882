package admissionextension

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

func retryDelay(err error) (time.Duration, bool) {
	for _, d := range status.Convert(err).Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}

// memory_limiter's refusal reaches the receiver as a plain error, which it sends as
// UNAVAILABLE without RetryInfo: the interceptor adds the hint, and leaves other codes and
// existing hints alone.
func TestGRPCRefusalsFromBehindGetRetryInfo(t *testing.T) {
	a := newExt(t, Config{MaxInFlight: 4, MaxWaiting: 1, RetryAfter: 3 * time.Second})
	opts, err := a.GetGRPCServerOptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	failing := &failingHealth{}
	client := serveHealth(t, opts, failing)
	hinted, _ := status.New(codes.Unavailable, "queue full").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
	cases := []struct {
		name      string
		err       error
		wantDelay time.Duration // 0: no hint expected
	}{
		{"memory limiter", status.Error(codes.Unavailable, "data refused due to high memory usage"), 3 * time.Second},
		{"resource exhausted", status.Error(codes.ResourceExhausted, "too big"), 3 * time.Second},
		{"own hint kept", hinted.Err(), time.Second},
		{"invalid argument", status.Error(codes.InvalidArgument, "bad"), 0},
		{"plain error", errors.New("not a status"), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			failing.err = tc.err
			_, got := client.Check(context.Background(), &grpc_health_v1.HealthCheckRequest{})
			delay, ok := retryDelay(got)
			if tc.wantDelay == 0 {
				if ok || status.Convert(got).Message() != status.Convert(tc.err).Message() {
					t.Errorf("got %v (hint %v)", got, ok)
				}
				return
			}
			if !ok || delay != tc.wantDelay || status.Code(got) != status.Code(tc.err) {
				t.Errorf("got %v, delay %v %v; want %v", got, delay, ok, tc.wantDelay)
			}
		})
	}
}

// serveHealth serves h with the extension's server options on a loopback port and returns a
// client of it; both stop with the test.
func serveHealth(t *testing.T, opts []grpc.ServerOption, h grpc_health_v1.HealthServer) grpc_health_v1.HealthClient {
	t.Helper()
	srv := grpc.NewServer(opts...)
	grpc_health_v1.RegisterHealthServer(srv, h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return grpc_health_v1.NewHealthClient(conn)
}

type failingHealth struct {
	grpc_health_v1.UnimplementedHealthServer
	err error
}

func (f *failingHealth) Check(context.Context, *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	return nil, f.err
}

func TestHTTPRefusalsFromBehindGetRetryAfter(t *testing.T) {
	a := newExt(t, Config{MaxInFlight: 4, MaxWaiting: 1, MaxNestingDepth: 64, RetryAfter: 2 * time.Second})
	wrap, err := a.GetHTTPHandler(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[int]string{http.StatusServiceUnavailable: "2", http.StatusTooManyRequests: "2", http.StatusBadRequest: "", http.StatusOK: ""} {
		h, err := wrap(context.Background(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(code)
		}))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		resp, err := http.Post(srv.URL, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		if resp.StatusCode != code || resp.Header.Get("Retry-After") != want {
			t.Errorf("%d: status %d, Retry-After %q, want %q", code, resp.StatusCode, resp.Header.Get("Retry-After"), want)
		}
	}
}

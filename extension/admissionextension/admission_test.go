package admissionextension

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
)

// A gRPC server whose health Check blocks until released stands in for a slow receiver.
type blockingHealth struct {
	*health.Server
	entered chan struct{}
	release chan struct{}
}

func (b *blockingHealth) Check(ctx context.Context, req *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.Server.Check(ctx, req)
}

func newExt(t *testing.T, cfg Config) *admissionExt {
	t.Helper()
	a, err := newAdmission(componenttest.NewNopTelemetrySettings(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestGRPCRefusesBeyondTheLimitWithRetryInfo(t *testing.T) {
	a := newExt(t, Config{MaxInFlight: 2, MaxWaiting: 0, MaxWait: 0, RetryAfter: 3 * time.Second})
	opts, err := a.GetGRPCServerOptions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hs := &blockingHealth{Server: health.NewServer(), entered: make(chan struct{}, 10), release: make(chan struct{})}
	client := serveHealth(t, opts, hs)

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.Check(context.Background(), &grpc_health_v1.HealthCheckRequest{})
			errs <- err
		}()
	}
	<-hs.entered
	<-hs.entered
	_, err = client.Check(context.Background(), &grpc_health_v1.HealthCheckRequest{})
	st := status.Convert(err)
	if st.Code() != codes.Unavailable {
		t.Fatalf("third call: %v, want Unavailable", err)
	}
	var delay time.Duration
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			delay = ri.GetRetryDelay().AsDuration()
		}
	}
	if delay != 3*time.Second {
		t.Fatalf("RetryInfo delay %s, want 3s (details %v)", delay, st.Details())
	}
	close(hs.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("admitted call failed: %v", err)
		}
	}
	if _, err := client.Check(context.Background(), &grpc_health_v1.HealthCheckRequest{}); err != nil {
		t.Fatalf("after the slots freed: %v", err)
	}
	if a.limiter.InFlight() != 0 {
		t.Fatalf("%d slots still held", a.limiter.InFlight())
	}
}

func TestHTTPRefusesWith503AndRetryAfter(t *testing.T) {
	a := newExt(t, Config{MaxInFlight: 1, MaxWaiting: 1, MaxWait: 10 * time.Millisecond, RetryAfter: 2 * time.Second})
	wrap, err := a.GetHTTPHandler(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	h, err := wrap(context.Background(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	first := make(chan int)
	go func() {
		resp, err := http.Post(srv.URL, "application/x-protobuf", nil)
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-entered
	resp, err := http.Post(srv.URL, "application/x-protobuf", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("second request: %d Retry-After %q, want 503 and 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("admitted request: %d", code)
	}
}

func TestHTTPRefusesDeepNestingAndPassesTheBodyOn(t *testing.T) {
	a := newExt(t, Config{MaxInFlight: 4, MaxWaiting: 4, MaxWait: time.Second, MaxNestingDepth: 16, RetryAfter: time.Second})
	wrap, err := a.GetHTTPHandler(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var seen []byte
	h, _ := wrap(context.Background(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(contentType, body string) int {
		resp, err := http.Post(srv.URL, contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	shallow := `{"resourceSpans":[{"resource":{}}]}`
	if code := post("application/json", shallow); code != http.StatusOK || string(seen) != shallow {
		t.Fatalf("shallow JSON: %d, handler saw %q", code, seen)
	}
	seen = nil
	deep := strings.Repeat("[", 33) + strings.Repeat("]", 33)
	if code := post("application/json; charset=utf-8", deep); code != http.StatusBadRequest || seen != nil {
		t.Fatalf("33-deep JSON over a limit of 32: %d, handler saw %q", code, seen)
	}
	var deepProto []byte
	for i := 0; i < 20; i++ {
		deepProto = append([]byte{0x0a, byte(len(deepProto))}, deepProto...)
	}
	if code := post("application/x-protobuf", string(deepProto)); code != http.StatusBadRequest {
		t.Fatalf("20-deep protobuf over a limit of 16: %d", code)
	}
}

func TestCodecRefusesDeepNestingBeforeDecoding(t *testing.T) {
	c := newDepthCodec(16)
	var deepProto []byte
	for i := 0; i < 20; i++ {
		deepProto = append([]byte{0x0a, byte(len(deepProto))}, deepProto...)
	}
	err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(deepProto)}, &grpc_health_v1.HealthCheckRequest{})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "max_nesting_depth") {
		t.Fatalf("deep payload: %v", err)
	}
	ok := &grpc_health_v1.HealthCheckRequest{}
	raw := []byte{0x0a, 0x03, 'a', 'p', 'i'}
	split := mem.BufferSlice{mem.SliceBuffer(raw[:2]), mem.SliceBuffer(raw[2:])}
	if err := c.Unmarshal(split, ok); err != nil || ok.GetService() != "api" {
		t.Fatalf("shallow payload in two buffers: %v %q", err, ok.GetService())
	}
	if c.Name() != "proto" {
		t.Fatalf("codec name %q", c.Name())
	}
}

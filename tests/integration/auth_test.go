//go:build integration

package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
	"github.com/otelcol-sre/otelcol-sre/tests/loadgen"
)

// config/gateway.yaml with TLS and bearer-token auth switched on by environment alone: on both
// OTLP receivers and the scorecard, a missing or wrong token is refused (401 / UNAUTHENTICATED),
// plaintext is refused, and the real Go SDK with the token over TLS gets its spans through.
func TestGatewayTLSAndBearerAuthFromEnvironment(t *testing.T) {
	bins := harness.Bins(t)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedCert(t, dir)
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sink, err := loadgen.StartSink(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sink.Stop)
	env := gatewayEnv(t, sink.Addr, sink.Addr)
	for k, v := range map[string]string{
		"OTLP_TLS_ENABLED": "true", "OTLP_TLS_CERT_FILE": certFile, "OTLP_TLS_KEY_FILE": keyFile,
		"OTLP_AUTH_ENABLED": "true", "OTLP_BEARER_TOKEN_FILE": tokenFile,
		"PILLARS_TLS_ENABLED": "true", "PILLARS_TLS_CERT_FILE": certFile, "PILLARS_TLS_KEY_FILE": keyFile,
		"PILLARS_AUTH_ENABLED": "true",
	} {
		env[k] = v
	}
	col := harness.StartCollector(t, bins.Collector, "gateway-secure", env, harness.ConfigPath(t, "gateway.yaml"))
	tlsCfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	body := marshal(t, oneSpan("secure", "/pay"))

	// gRPC
	conn, err := grpc.NewClient(col.OTLPGRPC(), grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := ptraceotlp.NewGRPCClient(conn)
	export := func(ctx context.Context) error {
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			t.Fatal(err)
		}
		_, err := client.Export(ctx, req)
		return err
	}
	for name, md := range map[string]metadata.MD{"no token": nil, "wrong token": metadata.Pairs("authorization", "Bearer nope")} {
		ctx := metadata.NewOutgoingContext(context.Background(), md)
		if err := export(ctx); status.Code(err) != codes.Unauthenticated {
			t.Errorf("gRPC with %s: %v, want Unauthenticated", name, err)
		}
	}
	if err := export(metadata.NewOutgoingContext(context.Background(), metadata.Pairs("authorization", "Bearer s3cret-token"))); err != nil {
		t.Errorf("gRPC with the token: %v", err)
	}
	plain, err := grpc.NewClient(col.OTLPGRPC(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(context.Background(), metadata.Pairs("authorization", "Bearer s3cret-token")), 5*time.Second)
	defer cancel()
	req := ptraceotlp.NewExportRequest()
	_ = req.UnmarshalProto(body)
	if _, err := ptraceotlp.NewGRPCClient(plain).Export(ctx, req); err == nil {
		t.Error("plaintext gRPC accepted by a TLS receiver")
	}

	// HTTP: OTLP receiver and the console.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}, Timeout: 10 * time.Second}
	do := func(method, url, token string) int {
		req, _ := http.NewRequest(method, url, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/x-protobuf")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	otlpURL := "https://" + col.Env[harness.EnvOTLPHTTP] + "/v1/traces"
	consoleURL := "https://" + col.Env[harness.EnvPillars]
	scoreURL := consoleURL + "/scorecard.json"
	for _, c := range []struct {
		method, url, token string
		want               int
	}{
		{http.MethodPost, otlpURL, "", http.StatusUnauthorized},
		{http.MethodPost, otlpURL, "nope", http.StatusUnauthorized},
		{http.MethodPost, otlpURL, "s3cret-token", http.StatusOK},
		{http.MethodGet, scoreURL, "", http.StatusUnauthorized},
		{http.MethodGet, scoreURL, "nope", http.StatusUnauthorized},
		{http.MethodGet, scoreURL, "s3cret-token", http.StatusOK},
		// Every page of the console sits behind the same TLS and token.
		{http.MethodGet, consoleURL + "/slos.json", "", http.StatusUnauthorized},
		{http.MethodGet, consoleURL + "/slos.json", "s3cret-token", http.StatusOK},
		{http.MethodGet, consoleURL + "/slos", "nope", http.StatusUnauthorized},
		{http.MethodGet, consoleURL + "/incidents", "", http.StatusUnauthorized},
		{http.MethodGet, consoleURL + "/incidents", "s3cret-token", http.StatusOK},
	} {
		if got := do(c.method, c.url, c.token); got != c.want {
			t.Errorf("%s %s with token %q: %d, want %d", c.method, c.url, c.token, got, c.want)
		}
	}
	if resp, err := http.Post("http://"+col.Env[harness.EnvOTLPHTTP]+"/v1/traces", "application/x-protobuf", strings.NewReader(string(body))); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plaintext HTTP accepted by a TLS receiver")
		}
	}

	// The real SDK, configured as an application would be.
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(col.OTLPGRPC()),
		otlptracegrpc.WithTLSCredentials(credentials.NewTLS(tlsCfg)),
		otlptracegrpc.WithHeaders(map[string]string{"authorization": "Bearer s3cret-token"}))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "sdk-secure"))))
	_, span := tp.Tracer("secure").Start(context.Background(), "charge")
	span.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatalf("SDK export with TLS and token: %v", err)
	}
	fam, err := harness.Scrape(col.TelemetryURL())
	if err != nil {
		t.Fatal(err)
	}
	// Accepted: the gRPC and HTTP exports with the token and the SDK span; refusals never reach
	// the pipeline.
	if accepted, _ := sloValue(fam, "otelcol_receiver_accepted_spans_total", map[string]string{"transport": "grpc"}); accepted != 2 {
		t.Errorf("gRPC receiver accepted %v spans, want 2 (one export, one SDK span)", accepted)
	}
	if accepted, _ := sloValue(fam, "otelcol_receiver_accepted_spans_total", map[string]string{"transport": "http"}); accepted != 1 {
		t.Errorf("HTTP receiver accepted %v spans, want 1", accepted)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key, and returns a pool trusting it.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "otelcol-sre test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certFile, keyFile, pool
}

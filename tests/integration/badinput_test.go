//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
	"github.com/otelcol-sre/otelcol-sre/tests/loadgen"
)

// Malformed and hostile OTLP against config/gateway.yaml. Each request gets a clear answer (a
// 4xx with a message for what cannot be decoded, acceptance for what is odd but valid), and
// after each one the collector still answers its health check, accepts a good batch, and
// serves a parseable /metrics and a valid /scorecard.json.
func TestGatewayAnswersBadInputAndStaysHealthy(t *testing.T) {
	bins := harness.Bins(t)
	sink, err := loadgen.StartSink(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sink.Stop)
	env := gatewayEnv(t, sink.Addr, sink.Addr)
	env["PILLARS_EVALUATION_INTERVAL"] = "1s" // so the scorecard is evaluated over each bad input
	col := harness.StartCollector(t, bins.Collector, "gateway", env, harness.ConfigPath(t, "gateway.yaml"))
	base := "http://" + col.Env[harness.EnvOTLPHTTP]

	good := oneSpan("good", "/ok")
	goodBody, _ := ptraceotlp.NewExportRequestFromTraces(good).MarshalProto()

	cases := []struct {
		name        string
		contentType string
		body        []byte
		wantStatus  int
	}{
		{"truncated protobuf", "application/x-protobuf", goodBody[:len(goodBody)/2], http.StatusBadRequest},
		{"wrong content type", "text/plain", goodBody, http.StatusUnsupportedMediaType},
		{"invalid JSON", "application/json", []byte(`{"resourceSpans": [`), http.StatusBadRequest},
		{"100 MB body", "application/x-protobuf", bytes.Repeat([]byte{0x0a}, 100<<20), http.StatusBadRequest},
		// A million nested key-value lists (a few MB) overflow the stack of pdata's recursive
		// decoder, a fatal error; the admission extension refuses them before decoding.
		{"a million nested attribute levels", "application/x-protobuf", marshal(t, nested(1_000_000)), http.StatusBadRequest},
		{"200k nested attribute levels as JSON", "application/json", marshalJSON(t, nested(200_000)), http.StatusBadRequest},
		{"ten nested attribute levels", "application/x-protobuf", marshal(t, nested(10)), http.StatusOK},
		{"invalid UTF-8 names and values", "application/x-protobuf", marshal(t, oneSpan("svc-\xff\xfe", "/r\xc3\x28")), http.StatusOK},
		{"10k attributes on one span", "application/x-protobuf", marshal(t, wide(10_000)), http.StatusOK},
	}
	for _, tc := range cases {
		resp, err := http.Post(base+"/v1/traces", tc.contentType, bytes.NewReader(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.wantStatus {
			t.Errorf("%s: status %d (%s), want %d", tc.name, resp.StatusCode, strings.TrimSpace(string(msg)), tc.wantStatus)
		}
		if tc.wantStatus >= 400 && len(bytes.TrimSpace(msg)) == 0 {
			t.Errorf("%s: refused with an empty body, no reason given", tc.name)
		}
		t.Logf("%s: %d %.120q", tc.name, resp.StatusCode, msg)
		assertHealthyAndAccepting(t, col, base, goodBody)
	}

	// The same over gRPC, within its 4 MiB message limit.
	client, err := loadgen.NewGRPCClient(col.OTLPGRPC())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for name, body := range map[string][]byte{"truncated protobuf": goodBody[:len(goodBody)/2], "200k nested attribute levels": marshal(t, nested(200_000))} {
		if outcome, detail := client.Send(context.Background(), body); outcome == loadgen.Accepted {
			t.Errorf("%s over gRPC accepted (%s)", name, detail)
		} else {
			t.Logf("%s over gRPC: %s", name, detail)
		}
		assertHealthyAndAccepting(t, col, base, goodBody)
	}

	// Series and scorecard entries keyed by a service name that is not UTF-8 (a Prometheus label
	// value the client library panics on) must still be served.
	harness.Eventually(t, 30*time.Second, "the odd service on the scorecard", func() error {
		resp, err := http.Get("http://" + col.Env[harness.EnvPillars] + "/scorecard.json")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		// One replacement character stands for the run of invalid bytes.
		if !json.Valid(body) || !strings.Contains(string(body), `"svc-\ufffd"`) && !strings.Contains(string(body), "\"svc-\uFFFD\"") {
			return fmt.Errorf("scorecard.json has no svc-\uFFFD service yet")
		}
		return nil
	})
	assertHealthyAndAccepting(t, col, base, goodBody)
	// Metrics keyed by hostile attribute values must still scrape.
	harness.Eventually(t, 60*time.Second, "SLO series of the odd service on /metrics", func() error {
		fam, err := harness.Scrape(col.MetricsURL())
		if err != nil {
			return err
		}
		if _, ok := sloValue(fam, "slo_events_total", map[string]string{"service_name": "good"}); !ok {
			return fmt.Errorf("no slo_events_total for the good service yet")
		}
		return nil
	})
}

func assertHealthyAndAccepting(t *testing.T, col *harness.Collector, base string, goodBody []byte) {
	t.Helper()
	if exited, err := col.Exited(); exited {
		t.Fatalf("collector exited: %v\n%s", err, col.LogTail(40))
	}
	for _, u := range []string{"http://" + col.Env[harness.EnvHealth] + "/", col.MetricsURL(), "http://" + col.Env[harness.EnvPillars] + "/scorecard.json"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
		}
		if strings.HasSuffix(u, ".json") && !json.Valid(body) {
			t.Fatalf("GET %s: invalid JSON %.200q", u, body)
		}
		if strings.HasSuffix(u, ".json") && resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: served without X-Content-Type-Options: nosniff", u)
		}
	}
	resp, err := http.Post(base+"/v1/traces", "application/x-protobuf", bytes.NewReader(goodBody))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("good batch after bad input: %d", resp.StatusCode)
	}
}

func oneSpan(service, route string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	s := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(len(service))})
	s.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	s.SetName("GET " + route)
	s.SetKind(ptrace.SpanKindServer)
	now := time.Now()
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-10 * time.Millisecond)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
	s.Attributes().PutStr("http.route", route)
	return td
}

func nested(depth int) ptrace.Traces {
	td := oneSpan("nested", "/n")
	m := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	for i := 0; i < depth; i++ {
		m = m.PutEmptyMap("k")
	}
	m.PutStr("leaf", "v")
	return td
}

func wide(n int) ptrace.Traces {
	td := oneSpan("wide", "/w")
	attrs := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	for i := 0; i < n; i++ {
		attrs.PutStr(fmt.Sprintf("attr.%d", i), "v")
	}
	return td
}

func marshalJSON(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func marshal(t *testing.T, td ptrace.Traces) []byte {
	t.Helper()
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

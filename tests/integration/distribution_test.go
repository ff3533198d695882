//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// sendCheckoutTrace emits one trace of a server span with two children through the SDK and
// returns its trace id and the span names it holds.
func sendCheckoutTrace(t *testing.T, endpoint, service string) (trace.TraceID, []string) {
	t.Helper()
	tp := harness.TracerProvider(t, endpoint, attribute.String("service.name", service), attribute.String("deployment.environment.name", "test"))
	tracer := tp.Tracer("otelcol-sre/tests")
	ctx, root := tracer.Start(context.Background(), "POST /checkout", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.route", "/checkout"), attribute.Int("http.response.status_code", 200)))
	_, db := tracer.Start(ctx, "SELECT orders", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.Int64("db.rows", 3)))
	db.End()
	_, pay := tracer.Start(ctx, "charge card", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.Bool("payment.retried", true)))
	pay.SetStatus(codes.Error, "card declined")
	pay.End()
	root.End()
	harness.Flush(t, tp)
	return root.SpanContext().TraceID(), []string{"POST /checkout", "SELECT orders", "charge card"}
}

// spansOf collects every span of traceID in td by name.
func spansOf(td ptrace.Traces, traceID trace.TraceID) map[string]ptrace.Span {
	out := map[string]ptrace.Span{}
	harness.EachSpan(td, func(s ptrace.Span) {
		if s.TraceID() == [16]byte(traceID) {
			out[s.Name()] = s
		}
	})
	return out
}

// readJSONLines decodes the file exporter's OTLP-JSON-per-line output.
func readTraceFile(path string) (ptrace.Traces, error) {
	all := ptrace.NewTraces()
	f, err := os.Open(path)
	if err != nil {
		return all, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var um ptrace.JSONUnmarshaler
	for sc.Scan() {
		td, err := um.UnmarshalTraces(sc.Bytes())
		if err != nil {
			return all, fmt.Errorf("%s: %w", path, err)
		}
		td.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	return all, sc.Err()
}

func TestDefaultConfig_SDKSpansReachFilesAndMetrics(t *testing.T) {
	bins := harness.Bins(t)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre", nil, harness.ConfigPath(t, "otelcol-sre.yaml"))

	traceID, names := sendCheckoutTrace(t, col.OTLPGRPC(), "checkout")

	tracesFile := filepath.Join(col.DataDir(), "traces.jsonl")
	harness.Eventually(t, 30*time.Second, "all spans in "+tracesFile, func() error {
		td, err := readTraceFile(tracesFile)
		if err != nil {
			return err
		}
		got := spansOf(td, traceID)
		for _, n := range names {
			if _, ok := got[n]; !ok {
				return fmt.Errorf("span %q of trace %s not in file yet (have %d)", n, traceID, len(got))
			}
		}
		return nil
	})

	// The trace holds an error, so sre_sampling keeps it for the sampled file at once.
	sampledFile := filepath.Join(col.DataDir(), "traces-sampled.jsonl")
	harness.Eventually(t, 30*time.Second, "the error trace in "+sampledFile, func() error {
		td, err := readTraceFile(sampledFile)
		if err != nil {
			return err
		}
		if got := spansOf(td, traceID); len(got) != len(names) {
			return fmt.Errorf("%d of %d spans in the sampled file", len(got), len(names))
		}
		return nil
	})

	// A newcomer's first span is often INTERNAL: the default valid condition counts root spans too.
	tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "newcomer"))
	_, span := tp.Tracer("hello").Start(context.Background(), "hello")
	span.End()
	harness.Flush(t, tp)
	harness.Eventually(t, 60*time.Second, "slo series for checkout and newcomer on "+col.MetricsURL(), func() error {
		families, err := harness.Scrape(col.MetricsURL())
		if err != nil {
			return err
		}
		for _, svc := range []string{"checkout", "newcomer"} {
			if v, ok := sloValue(families, "slo_events_total", map[string]string{"service_name": svc, "slo_name": "availability", "slo_outcome": "good"}); !ok || v != 1 {
				return fmt.Errorf("slo_events_total for %s: %v %v", svc, v, ok)
			}
		}
		return nil
	})

	if !strings.Contains(col.Log(), "Traces") {
		t.Errorf("debug exporter summary missing from stdout:\n%s", col.LogTail(20))
	}
}

func TestTelemetrygenErrorTracesAndLogsAreAllWritten(t *testing.T) {
	bins := harness.Bins(t)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre", nil, harness.ConfigPath(t, "otelcol-sre.yaml"))

	// telemetrygen's --traces and --rate are per worker; one parent + 2 children each. It is
	// throttled: unthrottled (--rate 0) it drops spans in its own SDK queue.
	const traces, workers = 100, 2
	// Error traces: sre_sampling keeps every one of them, at once and complete.
	harness.Telemetrygen(t, bins.Telemetrygen, "traces", "--otlp-endpoint", col.OTLPGRPC(), "--otlp-insecure",
		"--traces", fmt.Sprint(traces), "--child-spans", "2", "--workers", fmt.Sprint(workers), "--rate", "200", "--service", "tg-svc",
		"--status-code", "Error")
	harness.Telemetrygen(t, bins.Telemetrygen, "logs", "--otlp-endpoint", col.OTLPGRPC(), "--otlp-insecure",
		"--logs", "50", "--workers", "1", "--rate", "100", "--service", "tg-svc")

	harness.Eventually(t, 30*time.Second, "telemetrygen spans in file", func() error {
		td, err := readTraceFile(filepath.Join(col.DataDir(), "traces.jsonl"))
		if err != nil {
			return err
		}
		if got, want := td.SpanCount(), traces*workers*3; got != want {
			return fmt.Errorf("spans in file = %d, want %d", got, want)
		}
		return nil
	})
	// sre_sampling keeps every error trace, complete: the sampled file holds every span too.
	harness.Eventually(t, 30*time.Second, "every error span in the sampled file", func() error {
		td, err := readTraceFile(filepath.Join(col.DataDir(), "traces-sampled.jsonl"))
		if err != nil {
			return err
		}
		if got, want := td.SpanCount(), traces*workers*3; got != want {
			return fmt.Errorf("spans in the sampled file = %d, want %d", got, want)
		}
		return nil
	})
	harness.Eventually(t, 30*time.Second, "telemetrygen logs in file", func() error {
		n, err := countLogRecords(filepath.Join(col.DataDir(), "logs.jsonl"))
		if err != nil {
			return err
		}
		if n != 50 {
			return fmt.Errorf("log records in file = %d, want 50", n)
		}
		return nil
	})
}

func TestComponentsListsTheDistribution(t *testing.T) {
	bins := harness.Bins(t)
	out, err := harness.RunOutput(bins.Collector, "components")
	if err != nil {
		t.Fatalf("components: %v\n%s", err, out)
	}
	want := []string{
		"otlp", "zipkin", "jaeger", "prometheus", "fluent_forward", // hostmetrics cannot be fetched at v0.161.0 here
		"memory_limiter", "batch", "attributes", "resource", "filter", "transform", "probabilistic_sampler", "tail_sampling", "redaction",
		"k8s_attributes", "sre_sampling", "forward", "span_metrics", "slo",
		"otlp_grpc", "otlp_http", "debug", "file", "prometheus_remote_write", "load_balancing", "azure_monitor", "googlecloud", "pillars",
		"health_check", "pprof", "zpages", "file_storage", "bearertokenauth", "admission",
		"env", "file", "yaml", "http", "https",
	}
	for _, name := range want {
		if !strings.Contains(out, "name: "+name+"\n") && !strings.Contains(out, "scheme: "+name+"\n") {
			t.Errorf("component %q missing from `otelcol-sre components`", name)
		}
	}
	// The README's component table says the same: every component it lists is built, and every
	// one it strikes through (left out, with the reason) is not.
	root, _ := harness.RepoRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(readme), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || !slices.Contains([]string{"receiver", "processor", "connector", "exporter", "extension", "provider"}, strings.TrimSpace(cells[1])) {
			continue
		}
		rows++
		struck := strings.Contains(cells[2], "~~")
		for _, name := range regexp.MustCompile("`([a-z0-9_]+)`").FindAllStringSubmatch(cells[2], -1) {
			listed := strings.Contains(out, "name: "+name[1]+"\n") || strings.Contains(out, "scheme: "+name[1]+"\n")
			if listed == struck {
				t.Errorf("README lists %s %q (struck through: %v), `components` lists it: %v", strings.TrimSpace(cells[1]), name[1], struck, listed)
			}
		}
	}
	if rows < 20 {
		t.Errorf("found %d rows of the README's component table", rows)
	}
}

func TestShippedConfigsValidate(t *testing.T) {
	bins := harness.Bins(t)
	files, err := filepath.Glob(harness.ConfigPath(t, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no configs under config/: %v", err)
	}
	for _, f := range files {
		if out, ok := harness.Validate(bins.Collector, f); !ok {
			t.Errorf("validate %s failed:\n%s", filepath.Base(f), out)
		}
	}
}

func traceHex(id trace.TraceID) string { return hex.EncodeToString(id[:]) }

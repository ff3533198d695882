//go:build integration

package integration

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// cloudOrdinaryTraces is how many ordinary traces each cloud gateway samples; at the configs'
// 10 % ratio the kept share has σ = √(n·0.1·0.9) ≈ 13 traces.
const cloudOrdinaryTraces = 2000

// cloudDelivery is what a cloud's stub received, decoded from its own wire format.
type cloudDelivery struct {
	traceIDs   map[string]bool // distinct trace ids, lower-case hex
	logBodies  []string        // log record bodies (messages)
	sloMetrics int             // points of the slo connector's series
	resource   string          // everything the stub saw about resources, for the cloud attributes
}

type cloudCase struct {
	config string
	env    func(t *testing.T) (env map[string]string, received func() cloudDelivery)
}

// Each cloud config, started as shipped against stubs of its cloud's APIs: an error trace is
// delivered, the ordinary traces arrive at the configured 10 % within 3σ, a Fluent Bit record
// reaches the cloud's log service, the SLO series reach its metrics service, and the cloud
// attributes from the environment are on what it sends.
func TestCloudGatewaysDeliverToTheirCloud(t *testing.T) {
	bins := harness.Bins(t)
	cases := map[string]cloudCase{
		"aws":   {config: "aws.yaml", env: awsStub},
		"azure": {config: "azure.yaml", env: azureStub},
		"gcp":   {config: "gcp.yaml", env: gcpStub},
	}
	for _, name := range []string{"aws", "azure", "gcp"} {
		t.Run(name, func(t *testing.T) {
			cloudEnv, received := cases[name].env(t)
			env := harness.CollectorEnv(t)
			for k, v := range cloudEnv {
				env[k] = v
			}
			env["FLUENT_FORWARD_ENDPOINT"] = harness.Addr(t)
			env["CLOUD_REGION"] = "region-under-test"
			env["AWS_REGION"] = "region-under-test"
			col := harness.StartCollector(t, bins.Collector, "otelcol-sre-"+name, env, harness.ConfigPath(t, cases[name].config))

			failedID := traceHex(sendFailedRequest(t, col.OTLPGRPC(), "checkout"))
			ordinary := sendOrdinaryTraces(t, col.OTLPGRPC(), "catalog", cloudOrdinaryTraces)
			if err := harness.SendFluentForward(env["FLUENT_FORWARD_ENDPOINT"], "app.catalog", time.Now(),
				map[string]string{"log": "fluent bit says hello", "stream": "stdout"}); err != nil {
				t.Fatalf("fluent forward: %v", err)
			}

			total := float64(cloudOrdinaryTraces + 1)
			harness.Eventually(t, 90*time.Second, "every trace decided", func() error {
				kept, dropped := selfSum(col, "otelcol_processor_sre_sampling_traces_kept"), selfSum(col, "otelcol_processor_sre_sampling_traces_dropped")
				if kept+dropped != total {
					return fmt.Errorf("decided %v of %v traces", kept+dropped, total)
				}
				return nil
			})
			kept := selfSum(col, "otelcol_processor_sre_sampling_traces_kept")
			var got cloudDelivery
			harness.Eventually(t, 90*time.Second, "every kept trace, the Fluent record and the SLO series delivered", func() error {
				got = received()
				switch {
				case float64(len(got.traceIDs)) != kept:
					return fmt.Errorf("%d distinct traces delivered, the sampler kept %v", len(got.traceIDs), kept)
				case !containsSubstring(got.logBodies, "fluent bit says hello"):
					return fmt.Errorf("fluent record not among %d log records", len(got.logBodies))
				case got.sloMetrics == 0:
					return fmt.Errorf("no slo series yet")
				}
				return nil
			})
			if !got.traceIDs[failedID] {
				t.Errorf("error trace %s not delivered", failedID)
			}
			share := 0
			for _, id := range ordinary {
				if got.traceIDs[id] {
					share++
				}
			}
			mean, sigma := 0.1*cloudOrdinaryTraces, math.Sqrt(cloudOrdinaryTraces*0.1*0.9)
			if math.Abs(float64(share)-mean) > 3*sigma {
				t.Errorf("%d of %d ordinary traces delivered, want %.0f ± %.0f (3σ)", share, cloudOrdinaryTraces, mean, 3*sigma)
			}
			for _, want := range []string{name, "region-under-test"} {
				if !strings.Contains(got.resource, want) {
					t.Errorf("cloud attribute %q not on the delivered data", want)
				}
			}
			t.Logf("%s: %d of %d ordinary traces delivered (%.1f %%), %d log records, %d SLO points",
				name, share, cloudOrdinaryTraces, 100*float64(share)/cloudOrdinaryTraces, len(got.logBodies), got.sloMetrics)
		})
	}
}

// sendOrdinaryTraces sends n fast, successful two-span traces (a SERVER request and its
// database CLIENT call) and returns their trace ids.
func sendOrdinaryTraces(t *testing.T, endpoint, service string, n int) []string {
	t.Helper()
	tp := harness.TracerProvider(t, endpoint, attribute.String("service.name", service))
	tracer := tp.Tracer("otelcol-sre/tests")
	ids := make([]string, 0, n)
	for i := 0; i < n; i++ {
		ctx, root := tracer.Start(context.Background(), "GET /items", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.route", "/items"), attribute.Int("http.response.status_code", 200)))
		_, db := tracer.Start(ctx, "SELECT items", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("db.system.name", "postgresql")))
		db.End()
		root.End()
		ids = append(ids, traceHex(root.SpanContext().TraceID()))
	}
	harness.Flush(t, tp)
	return ids
}

// selfSum adds every series of one of the collector's own counters (named with or without the
// _total suffix, which depends on how the telemetry reader is set up).
func selfSum(col *harness.Collector, name string) float64 {
	fam, err := harness.Scrape(col.TelemetryURL())
	if err != nil {
		return 0
	}
	sum := 0.0
	for _, n := range []string{name, name + "_total"} {
		if fam[n] == nil {
			continue
		}
		for _, m := range fam[n].GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func containsSubstring(values []string, want string) bool {
	for _, v := range values {
		if strings.Contains(v, want) {
			return true
		}
	}
	return false
}

// awsStub: the node's AWS forwarder (CloudWatch agent or ADOT) takes OTLP/gRPC.
func awsStub(t *testing.T) (map[string]string, func() cloudDelivery) {
	fwd := harness.StartTempoStub(t)
	return map[string]string{"AWS_OTLP_ENDPOINT": fwd.Addr}, func() cloudDelivery {
		d := cloudDelivery{traceIDs: map[string]bool{}}
		var res strings.Builder
		for _, td := range fwd.Traces() {
			for i := 0; i < td.ResourceSpans().Len(); i++ {
				res.WriteString(fmt.Sprint(td.ResourceSpans().At(i).Resource().Attributes().AsRaw()))
			}
			harness.EachSpan(td, func(s ptrace.Span) { d.traceIDs[traceHex(trace.TraceID(s.TraceID()))] = true })
		}
		for _, ld := range fwd.Logs() {
			eachLogBody(ld, func(body string) { d.logBodies = append(d.logBodies, body) })
		}
		for _, md := range fwd.Metrics() {
			d.sloMetrics += countMetricsNamed(md, "slo.")
		}
		d.resource = res.String()
		return d
	}
}

//go:build integration

package integration

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// Three otelcol-sre processes on loopback: a load_balancing tier routing by trace id to two
// sharded tier-2 replicas that export to a real Jaeger. One replica is stopped mid-run and
// started again on its ports and state; tier 1 queues and retries meanwhile. Every error trace
// must arrive complete in Jaeger, and the replicas' slo_events_total must sum to the recount.
func TestTwoTierGatewayWithAReplicaRestart(t *testing.T) {
	bins := harness.Bins(t)
	jaeger := harness.StartJaeger(t, bins.Jaeger)
	envB := []map[string]string{harness.CollectorEnv(t), harness.CollectorEnv(t)}
	tier2Cfg := harness.WriteConfig(t, "tier2.yaml", tier2Config, map[string]string{"Jaeger": jaeger.OTLPGRPC})
	replicas := make([]*harness.Collector, 2)
	for i := range replicas {
		envB[i]["REPLICA"] = fmt.Sprintf("tier2-%d", i)
		replicas[i] = harness.StartCollector(t, bins.Collector, envB[i]["REPLICA"], envB[i], tier2Cfg)
	}
	tier1Cfg := harness.WriteConfig(t, "tier1.yaml", tier1Config, map[string]string{
		"B1": envB[0][harness.EnvOTLPGRPC], "B2": envB[1][harness.EnvOTLPGRPC]})
	lb := harness.StartCollector(t, bins.Collector, "tier1", nil, tier1Cfg)

	tp := harness.TracerProvider(t, lb.OTLPGRPC(), attribute.String("service.name", "api"))
	const traces = 7000 // 3 spans each: 21 000 spans
	var errorTraces []pcommon.TraceID
	restarted := false
	for i := 0; i < traces; i++ {
		ctx, root := tp.Tracer("api").Start(context.Background(), "GET /items", trace.WithSpanKind(trace.SpanKindServer))
		for c := 0; c < 2; c++ {
			_, child := tp.Tracer("api").Start(ctx, "db", trace.WithSpanKind(trace.SpanKindClient))
			child.End()
		}
		if i%20 == 7 {
			root.SetStatus(codes.Error, "failed")
			errorTraces = append(errorTraces, pcommon.TraceID(root.SpanContext().TraceID()))
		}
		root.End()
		if i == traces/2 {
			// Mid-run: stop replica 1 gracefully, keep sending, then bring it back on the same
			// ports and state directory.
			harness.Flush(t, tp)
			if err := replicas[1].Stop(syscall.SIGTERM, 20*time.Second); err != nil {
				t.Fatalf("stopping tier2-1: %v", err)
			}
		}
		if i == traces/2+1000 && !restarted {
			harness.Flush(t, tp)
			replicas[1] = harness.StartCollector(t, bins.Collector, "tier2-1-restarted", envB[1], tier2Cfg)
			restarted = true
		}
	}
	harness.Flush(t, tp)
	good, bad := float64(traces-len(errorTraces)), float64(len(errorTraces))

	harness.Eventually(t, 120*time.Second, "slo_events_total summed over both replicas to equal the recount", func() error {
		var gotGood, gotBad float64
		for _, r := range replicas {
			fam, err := harness.Scrape(r.MetricsURL())
			if err != nil {
				return err
			}
			g, _ := sloValue(fam, "slo_events_total", map[string]string{"slo_name": "api-availability", "slo_outcome": "good", "collector_instance_id": r.Env["REPLICA"]})
			b, _ := sloValue(fam, "slo_events_total", map[string]string{"slo_name": "api-availability", "slo_outcome": "bad", "collector_instance_id": r.Env["REPLICA"]})
			gotGood, gotBad = gotGood+g, gotBad+b
		}
		if gotGood != good || gotBad != bad {
			return fmt.Errorf("replicas sum good %v bad %v, recount good %v bad %v", gotGood, gotBad, good, bad)
		}
		return nil
	})

	missing := 0
	harness.Eventually(t, 120*time.Second, "every error trace complete in Jaeger", func() error {
		missing = 0
		for _, id := range errorTraces {
			td, found, err := jaeger.Trace(id.String())
			if err != nil {
				return err
			}
			if !found || td.SpanCount() != 3 {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d error traces not complete yet", missing, len(errorTraces))
		}
		return nil
	})

	fam, err := harness.Scrape(lb.TelemetryURL())
	if err != nil {
		t.Fatal(err)
	}
	accepted, _ := sloValue(fam, "otelcol_receiver_accepted_spans_total", nil)
	sent, _ := sloValue(fam, "otelcol_exporter_sent_spans_total", nil)
	failed, _ := sloValue(fam, "otelcol_exporter_send_failed_spans_total", nil)
	t.Logf("tier 1 accepted %v spans, sent %v, failed permanently %v; %v server spans counted by the two replicas (%v bad); %d error traces complete in Jaeger",
		accepted, sent, failed, good+bad, bad, len(errorTraces))
	if accepted != 3*traces || sent != 3*traces || failed != 0 {
		t.Errorf("tier 1 accepted %v, sent on %v and failed %v of the %d spans the SDK sent", accepted, sent, failed, 3*traces)
	}
}

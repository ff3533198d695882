//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// The k8s_attributes processor exactly as Helm renders it for tier 1 (the chart's preset),
// pointed at a stub Kubernetes API by kubeconfig: a span from an SDK that sets no pod attributes
// leaves with its pod, namespace, node and Deployment, found by the connection's address, and
// what the SDK did set is kept.
func TestK8sAttributesAddsThePodOfTheConnection(t *testing.T) {
	bins := harness.Bins(t)
	raw, _ := readValues(t, "tier1")
	processor := helmTemplate(t, "otelcol-sre-tier1", raw).config["processors"].(map[string]any)["k8s_attributes"].(map[string]any)
	processor["auth_type"] = "kubeConfig"
	processor["wait_for_metadata"] = true // the first span must not race the informers' first list

	api := harness.StartK8sAPIStub(t, map[string][]any{
		"/api/v1/pods": {map[string]any{
			"metadata": map[string]any{"name": "checkout-7d9f8-abcde", "namespace": "shop", "uid": "pod-uid-1",
				"labels":          map[string]any{"app": "checkout", "pod-template-hash": "7d9f8"},
				"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "checkout-7d9f8", "uid": "rs-uid-1"}}},
			"spec":   map[string]any{"nodeName": "node-a", "containers": []any{map[string]any{"name": "app", "image": "shop/checkout:1.4.2"}}},
			"status": map[string]any{"podIP": "127.0.0.1", "phase": "Running", "startTime": "2026-12-01T10:00:00Z"},
		}},
		"/apis/apps/v1/replicasets": {map[string]any{
			"metadata": map[string]any{"name": "checkout-7d9f8", "namespace": "shop", "uid": "rs-uid-1",
				"ownerReferences": []any{map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout", "uid": "dep-uid-1"}}},
		}},
		"/api/v1/namespaces": {
			map[string]any{"metadata": map[string]any{"name": "shop", "uid": "ns-uid-shop"}},
			map[string]any{"metadata": map[string]any{"name": "kube-system", "uid": "cluster-uid-1"}},
		},
	})

	sink := harness.StartTempoStub(t)
	cfg := map[string]any{
		"extensions": map[string]any{"health_check": map[string]any{"endpoint": "${env:HEALTH_CHECK_ENDPOINT}"}},
		"receivers":  map[string]any{"otlp": map[string]any{"protocols": map[string]any{"grpc": map[string]any{"endpoint": "${env:OTLP_GRPC_ENDPOINT}"}}}},
		"processors": map[string]any{"k8s_attributes": processor},
		"exporters":  map[string]any{"otlp_grpc": map[string]any{"endpoint": sink.Addr, "tls": map[string]any{"insecure": true}}},
		"service": map[string]any{
			"extensions": []any{"health_check"},
			"telemetry":  map[string]any{"metrics": map[string]any{"level": "none"}},
			"pipelines":  map[string]any{"traces": map[string]any{"receivers": []any{"otlp"}, "processors": []any{"k8s_attributes"}, "exporters": []any{"otlp_grpc"}}},
		},
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "k8sattributes.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	env := harness.CollectorEnv(t)
	env["KUBECONFIG"] = api.Kubeconfig
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-k8s", env, path)

	tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "checkout"), attribute.String("service.version", "from-sdk"))
	_, span := tp.Tracer("otelcol-sre/tests").Start(context.Background(), "POST /checkout", trace.WithSpanKind(trace.SpanKindServer))
	span.End()
	harness.Flush(t, tp)
	id := span.SpanContext().TraceID()

	want := map[string]string{
		"k8s.pod.name": "checkout-7d9f8-abcde", "k8s.namespace.name": "shop", "k8s.node.name": "node-a",
		"k8s.pod.uid": "pod-uid-1", "k8s.deployment.name": "checkout", "k8s.replicaset.name": "checkout-7d9f8",
		"service.name": "checkout", "service.version": "from-sdk",
	}
	harness.Eventually(t, 30*time.Second, "the span with its pod's attributes", func() error {
		for _, td := range sink.Traces() {
			for i := 0; i < td.ResourceSpans().Len(); i++ {
				rs := td.ResourceSpans().At(i)
				if !hasTrace(rs, id) {
					continue
				}
				attrs := rs.Resource().Attributes()
				var wrong []string
				for k, v := range want {
					got := "<missing>"
					if a, ok := attrs.Get(k); ok {
						got = a.AsString()
					}
					if got != v {
						wrong = append(wrong, fmt.Sprintf("%s=%q (want %q)", k, got, v))
					}
				}
				if len(wrong) > 0 {
					return fmt.Errorf("resource attributes wrong: %s; API requests %v", strings.Join(wrong, ", "), api.Paths())
				}
				return nil
			}
		}
		return fmt.Errorf("span not delivered yet")
	})
}

func hasTrace(rs ptrace.ResourceSpans, id trace.TraceID) bool {
	found := false
	for j := 0; j < rs.ScopeSpans().Len(); j++ {
		spans := rs.ScopeSpans().At(j).Spans()
		for k := 0; k < spans.Len(); k++ {
			found = found || spans.At(k).TraceID() == [16]byte(id)
		}
	}
	return found
}

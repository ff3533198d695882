//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// deploy/istio's provider points at the Service Helm renders for tier 1, on its OTLP/gRPC port,
// and the Telemetry resource switches that provider on for every request.
func TestIstioProviderTargetsTier1(t *testing.T) {
	root, _ := harness.RepoRoot()
	var mesh struct {
		MeshConfig struct {
			ExtensionProviders []struct {
				Name          string `yaml:"name"`
				OpenTelemetry struct {
					Service string `yaml:"service"`
					Port    int    `yaml:"port"`
				} `yaml:"opentelemetry"`
			} `yaml:"extensionProviders"`
		} `yaml:"meshConfig"`
	}
	var tel struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Tracing []struct {
				Providers []struct {
					Name string `yaml:"name"`
				} `yaml:"providers"`
				RandomSamplingPercentage float64 `yaml:"randomSamplingPercentage"`
			} `yaml:"tracing"`
		} `yaml:"spec"`
	}
	for file, into := range map[string]any{"mesh-config.yaml": &mesh, "telemetry.yaml": &tel} {
		raw, err := os.ReadFile(filepath.Join(root, "deploy/istio", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if len(mesh.MeshConfig.ExtensionProviders) != 1 {
		t.Fatalf("want one extension provider, got %+v", mesh.MeshConfig.ExtensionProviders)
	}
	provider := mesh.MeshConfig.ExtensionProviders[0]

	raw, _ := readValues(t, "tier1")
	svc, ok := helmTemplate(t, "otelcol-sre-tier1", raw).object("Service")
	if !ok {
		t.Fatal("tier 1 renders no Service")
	}
	if want := svc.Metadata.Name + ".observability.svc.cluster.local"; provider.OpenTelemetry.Service != want || provider.OpenTelemetry.Port != 4317 {
		t.Errorf("provider sends to %s:%d, tier 1's OTLP/gRPC Service is %s:4317", provider.OpenTelemetry.Service, provider.OpenTelemetry.Port, want)
	}
	var ports []int
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Port)
	}
	if !slices.Contains(ports, 4317) {
		t.Errorf("tier 1's Service exposes %v, not 4317", ports)
	}
	if tel.Kind != "Telemetry" || len(tel.Spec.Tracing) != 1 || len(tel.Spec.Tracing[0].Providers) != 1 ||
		tel.Spec.Tracing[0].Providers[0].Name != provider.Name || tel.Spec.Tracing[0].RandomSamplingPercentage != 100 {
		t.Errorf("Telemetry %+v does not trace every request to provider %q", tel, provider.Name)
	}
}

// Spans shaped as Envoy's OpenTelemetry tracer makes them (a sidecar's inbound SERVER span,
// string http.status_code, component=proxy, the service named <app>.<namespace>) count once each
// in the shipped availability SLO: a 200 is good; a 503 with the error status of current Envoys,
// a 503 without it (older Envoys) and a reset (status code "0", error "true") are bad.
func TestEnvoySpansCountInTheShippedSLO(t *testing.T) {
	bins := harness.Bins(t)
	col := harness.StartCollector(t, bins.Collector, "otelcol-sre-istio", nil, harness.ConfigPath(t, "otelcol-sre.yaml"))
	tp := harness.TracerProvider(t, col.OTLPGRPC(), attribute.String("service.name", "checkout.shop"))
	tracer := tp.Tracer("envoy")
	inbound := func(status string, errorTag bool, errStatus bool) {
		attrs := []attribute.KeyValue{
			attribute.String("component", "proxy"), attribute.String("http.method", "POST"),
			attribute.String("http.url", "http://checkout.shop:8080/checkout"), attribute.String("http.status_code", status),
			attribute.String("upstream_cluster", "inbound|8080||"), attribute.String("response_flags", "-"),
			attribute.String("istio.canonical_service", "checkout"), attribute.String("istio.namespace", "shop"),
		}
		if errorTag {
			attrs = append(attrs, attribute.String("error", "true"))
		}
		_, span := tracer.Start(context.Background(), "checkout.shop.svc.cluster.local:8080/*", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		if errStatus {
			span.SetStatus(codes.Error, "")
		}
		span.End()
	}
	inbound("200", false, false)
	inbound("503", true, true)
	inbound("503", true, false)
	inbound("0", true, false)
	harness.Flush(t, tp)

	harness.Eventually(t, 60*time.Second, "the Envoy spans in the availability SLO", func() error {
		fam, err := harness.Scrape(col.MetricsURL())
		if err != nil {
			return err
		}
		labels := map[string]string{"service_name": "checkout.shop", "slo_name": "availability"}
		good, _ := sloValue(fam, "slo_events_total", with(labels, "slo_outcome", "good"))
		bad, _ := sloValue(fam, "slo_events_total", with(labels, "slo_outcome", "bad"))
		if good != 1 || bad != 3 {
			return fmt.Errorf("good %v bad %v, want 1 and 3", good, bad)
		}
		return nil
	})
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range m {
		out[key] = val
	}
	return out
}

//go:build integration

package integration

import (
	"os"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// Each cloud config keeps the gateway's whole SRE path as config/gateway.yaml has it: the same
// extensions, OTLP receiver, admission, memory limiter, SLOs, sampler and pillars, every span
// into the SLOs and pillars, and only sampled spans towards the paid backend. A change to the
// gateway that is not carried to the clouds fails here.
func TestCloudConfigsKeepTheGatewaySREPath(t *testing.T) {
	gateway := loadYAML(t, harness.ConfigPath(t, "gateway.yaml"))
	for _, cloud := range []string{"aws.yaml", "azure.yaml", "gcp.yaml"} {
		cfg := loadYAML(t, harness.ConfigPath(t, cloud))
		same := [][]string{
			{"extensions"},
			{"receivers", "otlp"},
			{"processors", "filter/client_slo"}, {"processors", "memory_limiter"}, {"processors", "sre_sampling"},
			{"exporters", "pillars"}, {"exporters", "prometheus"},
			{"service", "extensions"}, {"service", "telemetry"}, {"service", "pipelines", "traces/in"},
		}
		for _, path := range same {
			if got, want := dig(cfg, path...), dig(gateway, path...); want == nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %v differs from gateway.yaml:\n got %v\nwant %v", cloud, path, got, want)
			}
		}
		slo, gwSLO := deepCopyMap(t, dig(cfg, "connectors", "slo")), deepCopyMap(t, dig(gateway, "connectors", "slo"))
		delete(slo["incidents"].(map[string]any), "trace_url") // each cloud links its own trace viewer
		delete(gwSLO["incidents"].(map[string]any), "trace_url")
		if !reflect.DeepEqual(slo, gwSLO) {
			t.Errorf("%s: the slo connector differs from gateway.yaml's", cloud)
		}
		sampled, _ := dig(cfg, "service", "pipelines", "traces/sampled", "processors").([]any)
		if len(sampled) == 0 || sampled[0] != "sre_sampling" {
			t.Errorf("%s: traces/sampled processors %v, want sre_sampling first", cloud, sampled)
		}
		logs, _ := dig(cfg, "service", "pipelines", "logs", "receivers").([]any)
		if !slices.Contains(logs, any("slo")) || !slices.Contains(logs, any("fluent_forward")) {
			t.Errorf("%s: logs receivers %v, want the incidents (slo) and fluent_forward", cloud, logs)
		}
	}
}

func loadYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func deepCopyMap(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := yaml.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

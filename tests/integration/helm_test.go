//go:build integration

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

type helmValues struct {
	FullnameOverride string         `yaml:"fullnameOverride"`
	Service          map[string]any `yaml:"service"`
	Command          struct {
		Name string `yaml:"name"`
	} `yaml:"command"`
	Image           map[string]any `yaml:"image"`
	Config          map[string]any `yaml:"config"`
	AlternateConfig map[string]any `yaml:"alternateConfig"`
}

// renderChartConfig reproduces how the chart builds the collector config from values:
// alternateConfig replaces the default, otherwise config is deep-merged into it (maps merge,
// lists and scalars replace, null deletes).
func renderChartConfig(t *testing.T, v helmValues) map[string]any {
	t.Helper()
	if len(v.AlternateConfig) > 0 {
		return v.AlternateConfig
	}
	var base map[string]any
	if err := yaml.Unmarshal([]byte(chartDefaultConfig), &base); err != nil {
		t.Fatal(err)
	}
	return deepMerge(base, v.Config)
}

func deepMerge(dst, src map[string]any) map[string]any {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		dm, dOK := dst[k].(map[string]any)
		sm, sOK := sv.(map[string]any)
		if dOK && sOK {
			dst[k] = deepMerge(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

// debugSinks lists the pipelines of a rendered config that export to debug, and the signals
// (traces, metrics, logs) with no pipeline at all.
func debugSinks(cfg map[string]any) (debugPipelines, missingSignals []string) {
	service, _ := cfg["service"].(map[string]any)
	pipelines, _ := service["pipelines"].(map[string]any)
	seen := map[string]bool{}
	for name, p := range pipelines {
		seen[strings.SplitN(name, "/", 2)[0]] = true
		exporters, _ := p.(map[string]any)["exporters"].([]any)
		for _, e := range exporters {
			if s, _ := e.(string); s == "debug" || strings.HasPrefix(s, "debug/") {
				debugPipelines = append(debugPipelines, name)
			}
		}
	}
	for _, signal := range []string{"traces", "metrics", "logs"} {
		if !seen[signal] {
			missingSignals = append(missingSignals, signal)
		}
	}
	slices.Sort(debugPipelines)
	return debugPipelines, missingSignals
}

// Both tiers' values, rendered as the chart would, validate with the built binary, send every
// signal to a real exporter and none to debug, and tier 1 addresses tier 2 by the name and kind
// of Service the chart creates for it.
func TestHelmValuesRenderToWorkingConfigs(t *testing.T) {
	bins := harness.Bins(t)
	root, _ := harness.RepoRoot()
	tiers := map[string]helmValues{}
	for _, tier := range []string{"tier1", "tier2"} {
		raw, err := os.ReadFile(filepath.Join(root, "deploy/helm/values-"+tier+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var v helmValues
		if err := yaml.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", tier, err)
		}
		if v.Command.Name != "otelcol-sre" || v.Image["repository"] == nil {
			t.Errorf("%s: command.name %q, image %v", tier, v.Command.Name, v.Image)
		}
		cfg := renderChartConfig(t, v)
		if dbg, missing := debugSinks(cfg); len(dbg) > 0 || len(missing) > 0 {
			t.Errorf("%s: pipelines exporting to debug %v, signals without a pipeline %v", tier, dbg, missing)
		}
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), tier+".yaml")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bins.Collector, "validate", "--config", path)
		cmd.Env = append(os.Environ(), "MY_POD_IP=127.0.0.1", "POD_NAME=otelcol-sre-tier2-0")
		if res, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: rendered config does not validate: %v\n%s", tier, err, res)
		}
		tiers[tier] = v
	}

	// The check above bites on the shapes that shipped before: tier 2 given as `config:` keeps
	// the chart's traces pipeline (to debug) beside its traces/in and traces/sampled, and a
	// tier 1 with only a traces pipeline sends metrics and logs to debug.
	asConfig := renderChartConfig(t, helmValues{Config: deepCopy(t, tiers["tier2"].AlternateConfig)})
	if dbg, _ := debugSinks(asConfig); !slices.Equal(dbg, []string{"traces"}) {
		t.Errorf("tier 2 as config: debug pipelines %v, want the chart's traces", dbg)
	}
	tracesOnly := deepCopy(t, tiers["tier1"].AlternateConfig)
	pipelines := tracesOnly["service"].(map[string]any)["pipelines"].(map[string]any)
	delete(pipelines, "metrics")
	delete(pipelines, "logs")
	if dbg, _ := debugSinks(renderChartConfig(t, helmValues{Config: tracesOnly})); !slices.Equal(dbg, []string{"logs", "metrics"}) {
		t.Errorf("traces-only tier 1 as config: debug pipelines %v, want logs and metrics", dbg)
	}

	// deploy/helm/README.md installs into namespace observability.
	tier2 := tiers["tier2"]
	want := fmt.Sprintf("%s.observability.svc.cluster.local", tier2.FullnameOverride)
	if tier2.FullnameOverride == "" || tier2.Service["clusterIP"] != "None" {
		t.Fatalf("tier 2 needs fullnameOverride and a headless Service (service.clusterIP: None): %q %v", tier2.FullnameOverride, tier2.Service)
	}
	lb := tiers["tier1"].AlternateConfig["exporters"].(map[string]any)["load_balancing"].(map[string]any)
	host := lb["resolver"].(map[string]any)["dns"].(map[string]any)["hostname"]
	if host != want {
		t.Errorf("tier 1 resolves %v, tier 2's Service is %s", host, want)
	}
	fwd := tiers["tier1"].AlternateConfig["exporters"].(map[string]any)["otlp_grpc/tier2"].(map[string]any)["endpoint"].(string)
	if !strings.Contains(fwd, want+":4317") {
		t.Errorf("tier 1 forwards metrics and logs to %s, tier 2's Service is %s", fwd, want)
	}
	readme, _ := os.ReadFile(filepath.Join(root, "deploy/helm/README.md"))
	if !strings.Contains(string(readme), "-n observability") {
		t.Error("deploy/helm/README.md no longer installs into namespace observability, which the hostnames assume")
	}
}

func deepCopy(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	raw, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := yaml.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

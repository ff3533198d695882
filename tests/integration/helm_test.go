//go:build integration

package integration

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// k8sObject is the part of a rendered manifest the Helm test reads.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data     map[string]string `yaml:"data"`
	Rules    []rbacRule        `yaml:"rules"`
	RoleRef  map[string]string `yaml:"roleRef"`
	Subjects []struct {
		Kind string `yaml:"kind"`
		Name string `yaml:"name"`
	} `yaml:"subjects"`
	Spec struct {
		Template struct {
			Spec struct {
				ServiceAccountName string `yaml:"serviceAccountName"`
			} `yaml:"spec"`
		} `yaml:"template"`
		ClusterIP string `yaml:"clusterIP"`
		Ports     []struct {
			Port int `yaml:"port"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type rbacRule struct {
	APIGroups []string `yaml:"apiGroups"`
	Resources []string `yaml:"resources"`
	Verbs     []string `yaml:"verbs"`
}

// rendered is one release as `helm template` renders it through the vendored chart.
type rendered struct {
	objects []k8sObject
	config  map[string]any // the collector config in the ConfigMap's relay key
}

func (r rendered) object(kind string) (k8sObject, bool) {
	for _, o := range r.objects {
		if o.Kind == kind {
			return o, true
		}
	}
	return k8sObject{}, false
}

// helmTemplate renders values through tests/helm/chart/opentelemetry-collector (0.170.0) with
// the real Helm, into namespace observability as deploy/helm/README.md installs it.
func helmTemplate(t *testing.T, release string, values []byte) rendered {
	t.Helper()
	root, _ := harness.RepoRoot()
	helm := os.Getenv("HELM_BIN")
	if helm == "" {
		helm = filepath.Join(root, "bin", "helm")
		if out, err := exec.Command("make", "-C", root, "helm").CombinedOutput(); err != nil {
			t.Fatalf("make helm: %v\n%s", err, out)
		}
	}
	valuesFile := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(valuesFile, values, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(helm, "template", release, filepath.Join(root, "tests/helm/chart/opentelemetry-collector"),
		"-n", "observability", "-f", valuesFile)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template %s: %v\n%s", release, err, stderr.String())
	}
	var r rendered
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o k8sObject
		if err := dec.Decode(&o); err != nil {
			break
		}
		if o.Kind == "" {
			continue
		}
		r.objects = append(r.objects, o)
		if relay, ok := o.Data["relay"]; ok && o.Kind == "ConfigMap" {
			if err := yaml.Unmarshal([]byte(relay), &r.config); err != nil {
				t.Fatalf("%s: relay config: %v", release, err)
			}
		}
	}
	if r.config == nil {
		t.Fatalf("%s: no ConfigMap with a relay config in:\n%s", release, out)
	}
	return r
}

// debugSinks lists the pipelines of a rendered config that export to debug, and the signals
// (traces, metrics, logs) with no pipeline at all.
func debugSinks(cfg map[string]any) (debugPipelines, missingSignals []string) {
	pipelines := pipelinesOf(cfg)
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

func pipelinesOf(cfg map[string]any) map[string]any {
	service, _ := cfg["service"].(map[string]any)
	pipelines, _ := service["pipelines"].(map[string]any)
	return pipelines
}

func readValues(t *testing.T, tier string) (raw []byte, values map[string]any) {
	t.Helper()
	root, _ := harness.RepoRoot()
	raw, err := os.ReadFile(filepath.Join(root, "deploy/helm/values-"+tier+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatalf("%s: %v", tier, err)
	}
	return raw, values
}

// Both tiers' values, rendered by Helm through the real chart, validate with the built binary,
// send every signal to a real exporter and none to debug, and tier 1 addresses tier 2 by the name
// and kind of Service the chart creates for it.
func TestHelmValuesRenderToWorkingConfigs(t *testing.T) {
	bins := harness.Bins(t)
	tiers := map[string]rendered{}
	for _, tier := range []string{"tier1", "tier2"} {
		raw, values := readValues(t, tier)
		if cmd, _ := values["command"].(map[string]any); cmd["name"] != "otelcol-sre" {
			t.Errorf("%s: command.name %v", tier, values["command"])
		}
		r := helmTemplate(t, "otelcol-sre-"+tier, raw)
		if dbg, missing := debugSinks(r.config); len(dbg) > 0 || len(missing) > 0 {
			t.Errorf("%s: pipelines exporting to debug %v, signals without a pipeline %v", tier, dbg, missing)
		}
		validateRendered(t, bins.Collector, tier, r.config)
		tiers[tier] = r
	}

	// The check above bites on the shapes that shipped before: tier 2 given as `config:` keeps
	// the chart's traces pipeline (to debug) beside its traces/in and traces/sampled.
	_, tier2Values := readValues(t, "tier2")
	asConfig := map[string]any{"mode": "statefulset", "image": tier2Values["image"], "command": tier2Values["command"], "config": tier2Values["alternateConfig"]}
	raw, _ := yaml.Marshal(asConfig)
	if dbg, _ := debugSinks(helmTemplate(t, "as-config", raw).config); !slices.Contains(dbg, "traces") {
		t.Errorf("tier 2 as config: debug pipelines %v, want the chart's traces among them", dbg)
	}

	// deploy/helm/README.md installs into namespace observability.
	svc, ok := tiers["tier2"].object("Service")
	if !ok || svc.Spec.ClusterIP != "None" {
		t.Fatalf("tier 2 needs a headless Service (service.clusterIP: None): %+v", svc)
	}
	want := svc.Metadata.Name + ".observability.svc.cluster.local"
	exporters := tiers["tier1"].config["exporters"].(map[string]any)
	host := exporters["load_balancing"].(map[string]any)["resolver"].(map[string]any)["dns"].(map[string]any)["hostname"]
	if host != want {
		t.Errorf("tier 1 resolves %v, tier 2's Service is %s", host, want)
	}
	if fwd := exporters["otlp_grpc/tier2"].(map[string]any)["endpoint"].(string); !strings.Contains(fwd, want+":4317") {
		t.Errorf("tier 1 forwards metrics and logs to %s, tier 2's Service is %s", fwd, want)
	}
	root, _ := harness.RepoRoot()
	readme, _ := os.ReadFile(filepath.Join(root, "deploy/helm/README.md"))
	if !strings.Contains(string(readme), "-n observability") {
		t.Error("deploy/helm/README.md no longer installs into namespace observability, which the hostnames assume")
	}
}

// Tier 1 runs k8s_attributes first in every pipeline, with the RBAC the chart renders for it
// bound to the ServiceAccount its pods run as; tier 2 does not run it (its connections come from
// tier 1, so it would stamp tier 1's pod on every span).
func TestHelmTier1AddsKubernetesAttributes(t *testing.T) {
	raw, _ := readValues(t, "tier1")
	tier1 := helmTemplate(t, "otelcol-sre-tier1", raw)
	processors, _ := tier1.config["processors"].(map[string]any)
	k8s, ok := processors["k8s_attributes"].(map[string]any)
	if !ok {
		t.Fatalf("tier 1 has no k8s_attributes processor: %v", processors)
	}
	if !hasConnectionAssociation(k8s) {
		t.Errorf("k8s_attributes does not associate by connection: %v", k8s["pod_association"])
	}
	for name, p := range pipelinesOf(tier1.config) {
		procs, _ := p.(map[string]any)["processors"].([]any)
		if len(procs) == 0 || procs[0] != "k8s_attributes" {
			t.Errorf("pipeline %s: processors %v, want k8s_attributes first (before anything that batches)", name, procs)
		}
	}

	role, ok := tier1.object("ClusterRole")
	if !ok {
		t.Fatal("no ClusterRole rendered")
	}
	for _, need := range []struct{ group, resource string }{{"", "pods"}, {"", "namespaces"}, {"apps", "replicasets"}} {
		if !allows(role.Rules, need.group, need.resource, "list", "watch") {
			t.Errorf("ClusterRole %s does not allow list and watch on %s %q: %+v", role.Metadata.Name, need.resource, need.group, role.Rules)
		}
	}
	binding, ok := tier1.object("ClusterRoleBinding")
	deploy, _ := tier1.object("Deployment")
	sa := deploy.Spec.Template.Spec.ServiceAccountName
	if !ok || binding.RoleRef["name"] != role.Metadata.Name || len(binding.Subjects) != 1 ||
		binding.Subjects[0].Kind != "ServiceAccount" || binding.Subjects[0].Name != sa || sa == "" {
		t.Errorf("ClusterRoleBinding %+v does not bind role %s to the pods' ServiceAccount %q", binding, role.Metadata.Name, sa)
	}

	raw2, _ := readValues(t, "tier2")
	tier2 := helmTemplate(t, "otelcol-sre-tier2", raw2)
	if p, _ := tier2.config["processors"].(map[string]any); p["k8s_attributes"] != nil || p["k8sattributes"] != nil {
		t.Error("tier 2 runs k8s_attributes; its connections come from tier 1")
	}
}

func hasConnectionAssociation(k8s map[string]any) bool {
	assoc, _ := k8s["pod_association"].([]any)
	for _, a := range assoc {
		sources, _ := a.(map[string]any)["sources"].([]any)
		for _, s := range sources {
			if s.(map[string]any)["from"] == "connection" {
				return true
			}
		}
	}
	return false
}

func allows(rules []rbacRule, group, resource string, verbs ...string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) {
			ok := true
			for _, v := range verbs {
				ok = ok && slices.Contains(r.Verbs, v)
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func validateRendered(t *testing.T, collector, tier string, cfg map[string]any) {
	t.Helper()
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), tier+".yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(collector, "validate", "--config", path)
	cmd.Env = append(os.Environ(), "MY_POD_IP=127.0.0.1", "POD_NAME=otelcol-sre-tier2-0")
	if res, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: rendered config does not validate: %v\n%s", tier, err, res)
	}
}

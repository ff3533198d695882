package integration

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// docker compose cannot run here (no engine, no compose plugin), so the compose file gets a
// schema check: every service pinned, health-checked where it serves, memory-limited, UIs on
// loopback, every mounted file present; plus `otelcol-sre validate` on every collector config
// it mounts, and promtool on the Prometheus config and rules.
func TestComposeStackIsConsistent(t *testing.T) {
	bins := harness.Bins(t)
	root, _ := harness.RepoRoot()
	env := readDotEnv(t, filepath.Join(root, ".env"))
	var compose struct {
		Services map[string]struct {
			Image       string         `yaml:"image"`
			Build       any            `yaml:"build"`
			Ports       []string       `yaml:"ports"`
			Volumes     []string       `yaml:"volumes"`
			MemLimit    string         `yaml:"mem_limit"`
			Healthcheck map[string]any `yaml:"healthcheck"`
			Command     any            `yaml:"command"`
		} `yaml:"services"`
	}
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("docker-compose.yaml: %v", err)
	}
	for _, want := range []string{"otelcol-sre", "jaeger", "tempo", "loki", "prometheus", "grafana", "load-good", "load-errors", "load-slow", "load-deployments"} {
		if _, ok := compose.Services[want]; !ok {
			t.Errorf("service %s missing", want)
		}
	}
	varRef := regexp.MustCompile(`^\$\{([A-Z_]+)\}$`)
	for name, svc := range compose.Services {
		m := varRef.FindStringSubmatch(svc.Image)
		if m == nil {
			t.Errorf("%s: image %q is not taken from .env", name, svc.Image)
		} else if tag := env[m[1]]; tag == "" || !strings.Contains(tag, ":") || strings.HasSuffix(tag, ":latest") {
			t.Errorf("%s: %s=%q is not a pinned tag", name, m[1], tag)
		}
		if svc.MemLimit == "" {
			t.Errorf("%s: no mem_limit", name)
		}
		if !strings.HasPrefix(name, "load-") && svc.Healthcheck == nil {
			t.Errorf("%s: no healthcheck", name)
		}
		for _, p := range svc.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: port %q is published beyond loopback", name, p)
			}
		}
		for _, v := range svc.Volumes {
			src := strings.SplitN(v, ":", 2)[0]
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("%s: mounts missing %s", name, src)
				}
				if strings.HasSuffix(src, ".yaml") && strings.Contains(src, "config/") {
					if out, ok := harness.Validate(bins.Collector, filepath.Join(root, src)); !ok {
						t.Errorf("%s: otelcol-sre validate %s: %s", name, src, out)
					}
				}
			}
		}
	}
	if out, err := exec.Command(bins.Promtool, "check", "config", filepath.Join(root, "deploy/compose/prometheus.yml")).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
	if out, err := harness.PromtoolCheckRules(bins.Promtool, filepath.Join(root, "deploy/compose/rules/slo.yaml")); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}

// The chart cannot be fetched here, so nothing is rendered: the collector config embedded in
// each values file is extracted and validated by the built binary.
func TestHelmValuesEmbedValidCollectorConfigs(t *testing.T) {
	bins := harness.Bins(t)
	root, _ := harness.RepoRoot()
	files, _ := filepath.Glob(filepath.Join(root, "deploy/helm/values-*.yaml"))
	if len(files) != 2 {
		t.Fatalf("want tier-1 and tier-2 values, found %v", files)
	}
	for _, f := range files {
		var values struct {
			Mode    string         `yaml:"mode"`
			Image   map[string]any `yaml:"image"`
			Command struct {
				Name string `yaml:"name"`
			} `yaml:"command"`
			Config map[string]any `yaml:"config"`
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, &values); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if values.Command.Name != "otelcol-sre" || values.Image["repository"] == nil || values.Config == nil {
			t.Errorf("%s: command.name %q, image %v", f, values.Command.Name, values.Image)
		}
		out, err := yaml.Marshal(values.Config)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), filepath.Base(f))
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bins.Collector, "validate", "--config", path)
		cmd.Env = append(os.Environ(), "MY_POD_IP=127.0.0.1", "POD_NAME=otelcol-sre-tier2-0")
		if res, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: embedded config does not validate: %v\n%s", filepath.Base(f), err, res)
		}
	}
}

func readDotEnv(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out
}

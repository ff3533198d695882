//go:build integration

package integration

import (
	"bufio"
	"fmt"
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
	// One path per backend: a gateway config that remote-writes into the compose Prometheus must
	// not also be scraped by it, or every series is stored twice and every sum() doubles.
	gateway, err := os.ReadFile(filepath.Join(root, "config/gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	promCfg, err := os.ReadFile(filepath.Join(root, "deploy/compose/prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(gateway), "prometheus_remote_write") && strings.Contains(string(promCfg), "otelcol-sre:8889") {
		t.Error("Prometheus both scrapes the gateway and receives its remote write: every SLO series would be stored twice")
	}
	if hc := fmt.Sprint(compose.Services["otelcol-sre"].Healthcheck["test"]); !strings.Contains(hc, "/healthprobe") {
		t.Errorf("otelcol-sre health check %s does not query health_check through /healthprobe", hc)
	}
	if out, err := exec.Command(bins.Promtool, "check", "config", filepath.Join(root, "deploy/compose/prometheus.yml")).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
	if out, err := harness.PromtoolCheckRules(bins.Promtool, filepath.Join(root, "deploy/compose/rules/slo.yaml")); err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
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

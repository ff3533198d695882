package harness

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"
)

// Collector is a running otelcol-sre with the loopback endpoints it was given.
type Collector struct {
	*Process
	Env map[string]string // the environment the config's ${env:...} references resolve against
}

// Endpoint variables the shipped configs read; StartCollector fills each with a free port.
const (
	EnvOTLPGRPC     = "OTLP_GRPC_ENDPOINT"
	EnvOTLPHTTP     = "OTLP_HTTP_ENDPOINT"
	EnvHealth       = "HEALTH_CHECK_ENDPOINT"
	EnvPromExporter = "PROMETHEUS_EXPORTER_ENDPOINT"
	EnvTelemetryHst = "OTELCOL_TELEMETRY_HOST"
	EnvTelemetryPrt = "OTELCOL_TELEMETRY_PORT"
	EnvDataDir      = "OTELCOL_DATA_DIR"
	EnvStateDir     = "OTELCOL_STATE_DIR"
	EnvPillars      = "PILLARS_ENDPOINT"
)

// CollectorEnv returns fresh loopback endpoints for every variable the shipped configs read.
func CollectorEnv(t testing.TB) map[string]string {
	return map[string]string{
		EnvOTLPGRPC:     Addr(t),
		EnvOTLPHTTP:     Addr(t),
		EnvHealth:       Addr(t),
		EnvPromExporter: Addr(t),
		EnvTelemetryHst: "127.0.0.1",
		EnvTelemetryPrt: strconv.Itoa(FreePort(t)),
		EnvDataDir:      t.TempDir(),
		EnvStateDir:     t.TempDir(),
		EnvPillars:      Addr(t),
	}
}

// StartCollector runs the binary on the given config files and waits for its health check.
// env is merged over CollectorEnv; every config must serve health_check on HEALTH_CHECK_ENDPOINT.
func StartCollector(t testing.TB, bin, name string, env map[string]string, configs ...string) *Collector {
	t.Helper()
	return startCollector(t, bin, "", name, env, configs)
}

// StartCollectorOnCPUs is StartCollector confined to the given CPU list (taskset syntax, e.g.
// "0"), with GOMAXPROCS to match, so a load generator in the test process has the other CPUs.
func StartCollectorOnCPUs(t testing.TB, bin, cpus string, gomaxprocs int, name string, env map[string]string, configs ...string) *Collector {
	t.Helper()
	merged := map[string]string{"GOMAXPROCS": strconv.Itoa(gomaxprocs)}
	for k, v := range env {
		merged[k] = v
	}
	return startCollector(t, bin, cpus, name, merged, configs)
}

func startCollector(t testing.TB, bin, cpus, name string, env map[string]string, configs []string) *Collector {
	t.Helper()
	full := CollectorEnv(t)
	for k, v := range env {
		full[k] = v
	}
	args := []string{}
	for _, c := range configs {
		args = append(args, "--config", c)
	}
	if cpus != "" {
		// taskset execs the collector in place, so the process id stays the collector's.
		args = append([]string{"-c", cpus, bin}, args...)
		bin = "taskset"
	}
	c := &Collector{Process: Start(t, name, bin, args, full), Env: full}
	c.WaitHTTP200(t, "http://"+full[EnvHealth]+"/", 60*time.Second)
	return c
}

// OTLPGRPC is the collector's OTLP/gRPC receiver address.
func (c *Collector) OTLPGRPC() string { return c.Env[EnvOTLPGRPC] }

// MetricsURL is the prometheus exporter's scrape URL.
func (c *Collector) MetricsURL() string { return "http://" + c.Env[EnvPromExporter] + "/metrics" }

// TelemetryURL is the collector's own telemetry scrape URL.
func (c *Collector) TelemetryURL() string {
	return fmt.Sprintf("http://%s:%s/metrics", c.Env[EnvTelemetryHst], c.Env[EnvTelemetryPrt])
}

// DataDir is where the file exporters write.
func (c *Collector) DataDir() string { return c.Env[EnvDataDir] }

// WriteConfig renders a text/template config into the test's directory and returns its path.
func WriteConfig(t testing.TB, name, tmpl string, data any) string {
	t.Helper()
	tp, err := template.New(name).Option("missingkey=error").Parse(tmpl)
	if err != nil {
		t.Fatalf("config template %s: %v", name, err)
	}
	var buf bytes.Buffer
	if err := tp.Execute(&buf, data); err != nil {
		t.Fatalf("config template %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return path
}

// ConfigPath is a file under the repository's config/ directory.
func ConfigPath(t testing.TB, name string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "config", name)
}

// Validate runs `otelcol-sre validate` and returns its output and whether it passed.
func Validate(bin string, configs ...string) (string, bool) {
	args := []string{"validate"}
	for _, c := range configs {
		args = append(args, "--config", c)
	}
	out, err := RunOutput(bin, args...)
	return strings.TrimSpace(out), err == nil
}

// SelfMetrics is the `service.telemetry.metrics` block of a test config: the collector's own
// metrics served on OTELCOL_TELEMETRY_HOST:OTELCOL_TELEMETRY_PORT (see TelemetryURL).
const SelfMetrics = `    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: "${env:OTELCOL_TELEMETRY_HOST}", port: "${env:OTELCOL_TELEMETRY_PORT}"}}}
`

package harness

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Binaries are the real programs the integration tests run.
type Binaries struct {
	Collector    string // the ocb-built otelcol-sre
	Jaeger       string // Jaeger v2 built from tests/jaeger
	Telemetrygen string
	Prometheus   string // Debian's prometheus package
	Promtool     string
}

var (
	binsOnce sync.Once
	bins     Binaries
	binsErr  error
)

// RepoRoot is the directory holding builder-config.yaml.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "builder-config.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("builder-config.yaml not found above the working directory")
		}
		dir = parent
	}
}

// Bins returns the binaries, building what the environment does not name with `make` once per
// test process (make skips what is up to date, so `make test` pays for each build only once).
func Bins(t testing.TB) Binaries {
	t.Helper()
	binsOnce.Do(func() { bins, binsErr = resolveBins() })
	if binsErr != nil {
		t.Fatalf("integration binaries: %v", binsErr)
	}
	return bins
}

func resolveBins() (Binaries, error) {
	root, err := RepoRoot()
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{
		Collector:    envOr("OTELCOL_SRE_BIN", filepath.Join(root, "_build", "otelcol-sre")),
		Jaeger:       envOr("JAEGER_BIN", filepath.Join(root, "bin", "jaeger")),
		Telemetrygen: envOr("TELEMETRYGEN_BIN", filepath.Join(root, "bin", "telemetrygen")),
	}
	if os.Getenv("OTELCOL_SRE_BIN") == "" || os.Getenv("JAEGER_BIN") == "" || os.Getenv("TELEMETRYGEN_BIN") == "" {
		cmd := exec.Command("make", "-C", root, "build", "jaeger", "telemetrygen")
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("make build jaeger telemetrygen: %v\n%s", err, out)
		}
	}
	for _, p := range []string{b.Collector, b.Jaeger, b.Telemetrygen} {
		if _, err := os.Stat(p); err != nil {
			return b, fmt.Errorf("missing binary: %w", err)
		}
	}
	if b.Prometheus, err = exec.LookPath("prometheus"); err != nil {
		return b, fmt.Errorf("prometheus not installed (apt-get install -y prometheus): %w", err)
	}
	if b.Promtool, err = exec.LookPath("promtool"); err != nil {
		return b, fmt.Errorf("promtool not installed (apt-get install -y prometheus): %w", err)
	}
	return b, nil
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

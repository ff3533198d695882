//go:build integration

package integration

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// A broken config must stop the collector with a non-zero exit and a message naming the key.
func TestBrokenConfigsExitNonZeroNamingTheKey(t *testing.T) {
	bins := harness.Bins(t)
	base, err := readFile(harness.ConfigPath(t, "otelcol-sre.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, config string
		wantInError  []string
	}{
		{
			name:        "unknown component",
			config:      strings.Replace(base, "  debug:\n", "  no_such_exporter:\n  debug:\n", 1),
			wantInError: []string{"no_such_exporter"},
		},
		{
			name:        "bad endpoint",
			config:      strings.Replace(base, "${env:PROMETHEUS_EXPORTER_ENDPOINT:-127.0.0.1:8889}", "not-a-host-port", 1),
			wantInError: []string{"prometheus", "not-a-host-port"},
		},
		{
			name:        "malformed yaml",
			config:      base + "\nservice: [unterminated\n",
			wantInError: []string{"yaml"},
		},
		{
			name:        "unknown key",
			config:      strings.Replace(base, "    verbosity: basic\n", "    verbosity: basic\n    verbosty_typo: 1\n", 1),
			wantInError: []string{"verbosty_typo"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "broken.yaml")
			if err := writeFile(path, tc.config); err != nil {
				t.Fatal(err)
			}
			env := harness.CollectorEnv(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bins.Collector, "--config", path)
			for k, v := range env {
				cmd.Env = append(cmd.Environ(), k+"="+v)
			}
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("collector kept running on a broken config:\n%s", out)
			}
			if err == nil {
				t.Fatalf("collector exited 0 on a broken config:\n%s", out)
			}
			for _, want := range tc.wantInError {
				if !strings.Contains(string(out), want) {
					t.Errorf("error output does not name %q:\n%s", want, out)
				}
			}
		})
	}
}

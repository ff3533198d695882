//go:build integration

package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// `otelcol-sre` with no --config runs the embedded default: it serves its health check and
// exports, writes the debug summary to stdout and its own log to stderr, and a second run
// appends to the first run's files instead of truncating them.
func TestNoConfigRunsTheEmbeddedDefaultAndKeepsDataAcrossRestarts(t *testing.T) {
	bins := harness.Bins(t)
	env := harness.CollectorEnv(t)
	run := func(service string) (stdout, stderr string) {
		t.Helper()
		cmd := exec.Command(bins.Collector) // no arguments at all
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			stdout, stderr = out.String(), errOut.String()
		}()
		harness.Eventually(t, 60*time.Second, "health check of the embedded default", func() error {
			return httpOK("http://" + env[harness.EnvHealth] + "/")
		})
		sendCheckoutTrace(t, env[harness.EnvOTLPGRPC], service)
		harness.Eventually(t, 30*time.Second, service+" in traces.jsonl", func() error {
			td, err := readTraceFile(filepath.Join(env[harness.EnvDataDir], "traces.jsonl"))
			if err != nil {
				return err
			}
			if n := countService(td, service); n != 3 {
				return fmt.Errorf("%d spans of %s", n, service)
			}
			return nil
		})
		return
	}
	stdout, stderr := run("first-run")
	if !strings.Contains(stdout, "Traces") || strings.Contains(stdout, "Everything is ready") {
		t.Errorf("stdout should carry the debug summary and nothing else:\n%.2000s", stdout)
	}
	if !strings.Contains(stderr, "Everything is ready") {
		t.Errorf("the collector's log should be on stderr:\n%.2000s", stderr)
	}
	run("second-run")
	td, err := readTraceFile(filepath.Join(env[harness.EnvDataDir], "traces.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := countService(td, "first-run"), countService(td, "second-run"); a != 3 || b != 3 {
		t.Errorf("after a restart traces.jsonl holds %d spans of the first run and %d of the second, want 3 and 3", a, b)
	}
	if out, ok := harness.Validate(bins.Collector); !ok {
		t.Errorf("`validate` with no --config should check the embedded default: %s", out)
	}
}

func httpOK(u string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return nil
}

func countService(td ptrace.Traces, service string) int {
	n := 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		if v, ok := rss.At(i).Resource().Attributes().Get("service.name"); ok && v.AsString() == service {
			n += rss.At(i).ScopeSpans().At(0).Spans().Len()
		}
	}
	return n
}

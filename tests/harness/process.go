// Package harness starts the real otelcol-sre binary and real backends (Jaeger v2, Prometheus)
// on free 127.0.0.1 ports for integration tests, and stops every process it started.
package harness

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	portsMu   sync.Mutex
	portsUsed = map[int]bool{}
)

// FreePort returns a 127.0.0.1 port that was free a moment ago. It is drawn below the kernel's
// ephemeral range (32768 and up on Linux), where port 0 listeners and every outgoing
// connection take theirs: a port handed out there can be taken by a client's connection before
// the server binds it. No port is handed out twice in one test binary.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		port := 20000 + rand.IntN(12000)
		if portsUsed[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		portsUsed[port] = true
		return port
	}
	t.Fatal("free port: none free in 20000-31999 after 1000 tries")
	return 0
}

// Addr is FreePort formatted as host:port.
func Addr(t testing.TB) string {
	return fmt.Sprintf("127.0.0.1:%d", FreePort(t))
}

// Eventually polls cond every interval until it returns nil or timeout passes, then fails the
// test with the last error. It is the only way tests wait.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if last = cond(); last == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Process is a child process whose output goes to a log file in the test's directory.
type Process struct {
	Name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
	once    sync.Once
}

// Start runs bin with args and env in its own process group; the test's cleanup kills the group.
func Start(t testing.TB, name, bin string, args []string, env map[string]string) *Process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("%s: log file: %v", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: start %s: %v", name, bin, err)
	}
	p := &Process{Name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop(syscall.SIGTERM, 15*time.Second)
		if t.Failed() {
			t.Logf("---- %s log (tail) ----\n%s", name, p.LogTail(60))
			if i := strings.Index(p.Log(), "fatal error:"); i >= 0 {
				t.Logf("---- %s crash ----\n%.6000s", name, p.Log()[i:])
			} else if i := strings.Index(p.Log(), "panic:"); i >= 0 {
				t.Logf("---- %s panic ----\n%.6000s", name, p.Log()[i:])
			}
		}
	})
	return p
}

// Stop sends sig to the process group and waits up to grace before SIGKILL.
func (p *Process) Stop(sig syscall.Signal, grace time.Duration) error {
	p.once.Do(func() {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
		select {
		case <-p.done:
		case <-time.After(grace):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p.waitErr
}

// Kill9 kills the process group at once, as a crash would.
func (p *Process) Kill9() { p.Stop(syscall.SIGKILL, time.Second) }

// PID is the process id of the child.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// PeakRSSBytes is the child's peak resident set size so far (VmHWM).
func (p *Process) PeakRSSBytes() (int64, error) { return ProcPeakRSSBytes(p.PID()) }

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Log returns everything the process wrote so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// LogTail returns the last n lines of the process log.
func (p *Process) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(p.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// WaitHTTP200 polls url until it answers 200, failing fast if the process has died.
func (p *Process) WaitHTTP200(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	Eventually(t, timeout, p.Name+" ready at "+url, func() error {
		if exited, err := p.Exited(); exited {
			t.Fatalf("%s exited before becoming ready (%v):\n%s", p.Name, err, p.LogTail(40))
		}
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// RunOutput runs a short command to completion and returns its combined output.
func RunOutput(bin string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return out.String(), err
	}
	return out.String(), err
}

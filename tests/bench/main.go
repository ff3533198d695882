// Command bench is the gateway benchmark behind `make bench`: the same otelcol-sre binary runs
// a passthrough, the contrib way (span_metrics + tail_sampling) and ours (slo + sre_sampling +
// pillars) one after another, each driven by tests/loadgen at a fixed rate and then unthrottled,
// and the table compares CPU per span, peak RSS, throughput and error spans kept.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
	"github.com/otelcol-sre/otelcol-sre/tests/loadgen"
)

//go:embed configs/*.yaml
var configs embed.FS

type result struct {
	name                       string
	cpuMicrosPerSpan           float64
	peakRSSMiB                 float64
	fixedAccepted, fixedSent   float64
	maxAcceptedPerSec          float64
	errorSent, errorExported   int64
	spansExported, dataPoints  int64
	refusedFixed, refusedBurst int64
}

func main() {
	bin := flag.String("bin", "_build/otelcol-sre", "otelcol-sre binary")
	rate := flag.Float64("rate", 20000, "fixed offered rate in spans per second")
	fixed := flag.Duration("fixed", 20*time.Second, "fixed-rate phase")
	burst := flag.Duration("burst", 15*time.Second, "unthrottled phase")
	workers := flag.Int("workers", 8, "concurrent export calls in the unthrottled phase")
	only := flag.String("only", "", "comma-separated subset of passthrough,contrib,otelcol-sre")
	flag.Parse()

	w, err := loadgen.NewWorkload(loadgen.WorkloadOptions{Seed: 42})
	if err != nil {
		fail(err)
	}
	fmt.Printf("gateway bench: %d CPUs (GOMAXPROCS %d), %s; workload %d spans per batch (25 traces: SERVER root + 3 CLIENT children, roots one batch after their children), 1 %% error traces, 1 %% slow roots\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), w.SpansPerBatch())
	fmt.Printf("phases: %s at %.0f spans/s (CPU per span), then %s unthrottled with %d concurrent calls (throughput)\n\n", *fixed, *rate, *burst, *workers)

	var results []result
	seq := uint64(1)
	for _, name := range []string{"passthrough", "contrib", "otelcol-sre"} {
		if *only != "" && !strings.Contains(","+*only+",", ","+name+",") {
			continue
		}
		r, next, err := runOne(*bin, name, w, seq, *rate, *fixed, *burst, *workers)
		if err != nil {
			fail(fmt.Errorf("%s: %w", name, err))
		}
		seq = next
		results = append(results, r)
	}
	printTable(results)
}

func runOne(bin, name string, w *loadgen.Workload, seq uint64, rate float64, fixed, burst time.Duration, workers int) (result, uint64, error) {
	r := result{name: name}
	sink, err := loadgen.StartSink(false)
	if err != nil {
		return r, seq, err
	}
	defer sink.Stop()
	dir, err := os.MkdirTemp("", "otelcol-sre-bench-")
	if err != nil {
		return r, seq, err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, name+".yaml")
	raw, _ := configs.ReadFile("configs/" + name + ".yaml")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		return r, seq, err
	}
	otlp, pillars := freeAddr(), freeAddr()
	cmd := exec.Command(bin, "--config", cfgPath)
	cmd.Env = append(os.Environ(), "OTLP_GRPC_ENDPOINT="+otlp, "SINK_ENDPOINT="+sink.Addr, "PILLARS_ENDPOINT="+pillars)
	logFile, _ := os.Create(filepath.Join(dir, "collector.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return r, seq, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	if err := waitListening(otlp, 60*time.Second); err != nil {
		return r, seq, err
	}
	client, err := loadgen.NewGRPCClient(otlp)
	if err != nil {
		return r, seq, err
	}
	defer client.Close()
	ctx := context.Background()
	pid := cmd.Process.Pid

	warm := loadgen.Run(ctx, client, w, loadgen.RunOptions{Rate: rate, Duration: 3 * time.Second, FirstSeq: seq})
	seq = warm.NextSeq
	cpu0, err := harness.ProcCPUSeconds(pid)
	if err != nil {
		return r, seq, err
	}
	fx := loadgen.Run(ctx, client, w, loadgen.RunOptions{Rate: rate, Duration: fixed, FirstSeq: seq, Workers: 32})
	seq = fx.NextSeq
	cpu1, _ := harness.ProcCPUSeconds(pid)
	if fx.AcceptedSpans > 0 {
		r.cpuMicrosPerSpan = (cpu1 - cpu0) / float64(fx.AcceptedSpans) * 1e6
	}
	r.fixedAccepted, r.fixedSent, r.refusedFixed = fx.AcceptedPerSecond(), fx.SentPerSecond(), fx.RetryableSpans+fx.FailedSpans
	bx := loadgen.Run(ctx, client, w, loadgen.RunOptions{Duration: burst, FirstSeq: seq, Workers: workers})
	seq = bx.NextSeq
	r.maxAcceptedPerSec, r.refusedBurst = bx.AcceptedPerSecond(), bx.RetryableSpans+bx.FailedSpans
	r.errorSent = warm.AcceptedErrorSpans + fx.AcceptedErrorSpans + bx.AcceptedErrorSpans

	// Decisions wait 5 s; give the sampled exports a bounded time to arrive.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, errs, _ := sink.Counts()
		if errs >= r.errorSent || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	r.spansExported, r.errorExported, r.dataPoints = sink.Counts()
	hwm, err := harness.ProcPeakRSSBytes(pid)
	if err != nil {
		return r, seq, err
	}
	r.peakRSSMiB = float64(hwm) / (1 << 20)
	return r, seq, nil
}

func printTable(rs []result) {
	base := map[string]result{}
	for _, r := range rs {
		base[r.name] = r
	}
	ratio := func(v float64, ref string, field func(result) float64) string {
		b, ok := base[ref]
		if !ok || field(b) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v/field(b))
	}
	cpu := func(r result) float64 { return r.cpuMicrosPerSpan }
	rss := func(r result) float64 { return r.peakRSSMiB }
	tput := func(r result) float64 { return r.maxAcceptedPerSec }
	fmt.Println("| config | CPU µs/span | vs passthrough | vs contrib | peak RSS MiB | vs passthrough | vs contrib | max accepted spans/s | vs contrib | error spans exported / sent |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		fmt.Printf("| %s | %.2f | %s | %s | %.0f | %s | %s | %.0f | %s | %d / %d |\n", r.name,
			r.cpuMicrosPerSpan, ratio(r.cpuMicrosPerSpan, "passthrough", cpu), ratio(r.cpuMicrosPerSpan, "contrib", cpu),
			r.peakRSSMiB, ratio(r.peakRSSMiB, "passthrough", rss), ratio(r.peakRSSMiB, "contrib", rss),
			r.maxAcceptedPerSec, ratio(r.maxAcceptedPerSec, "contrib", tput), r.errorExported, r.errorSent)
	}
	fmt.Println()
	for _, r := range rs {
		fmt.Printf("%s: fixed phase offered %.0f spans/s, accepted %.0f/s (%d refused); unthrottled phase %d refused; %d spans and %d metric points exported\n",
			r.name, r.fixedSent, r.fixedAccepted, r.refusedFixed, r.refusedBurst, r.spansExported, r.dataPoints)
	}
}

func cpuModel() string {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %s: %w", addr, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

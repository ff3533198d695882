package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
	"github.com/otelcol-sre/otelcol-sre/tests/loadgen"
)

// plan is what every run of one sitting shares.
type plan struct {
	bin                 string
	rate                float64
	fixed, burst        time.Duration
	workers             int
	profileDir          string // when set, CPU and allocation profiles of each fixed phase go here
	seq                 uint64 // keeps trace ids unique across the runs of a sitting
	workloadByShapeName map[string]*loadgen.Workload
}

type result struct {
	shape, config              string
	cpuMicrosPerSpan           float64
	rssFixedMiB, rssBurstMiB   float64 // VmHWM after the fixed phase, and after the unthrottled one
	fixedAccepted, fixedSent   float64
	maxAcceptedPerSec          float64
	errorSent, errorExported   int64
	spansExported, dataPoints  int64
	refusedFixed, refusedBurst int64
}

// runOne starts the binary on one config, warms it for 3 s, measures CPU per span over the
// fixed-rate phase and throughput over the unthrottled one, then waits (bounded) for every
// error span to reach the sink.
func (p *plan) runOne(shape, name string) (result, error) {
	r := result{shape: shape, config: name}
	w := p.workloadByShapeName[shape]
	sink, err := loadgen.StartSink(false)
	if err != nil {
		return r, err
	}
	defer sink.Stop()
	dir, err := os.MkdirTemp("", "otelcol-sre-bench-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, name+".yaml")
	raw, _ := configs.ReadFile("configs/" + name + ".yaml")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		return r, err
	}
	otlp, console, pprofAddr := freeAddr(), freeAddr(), freeAddr()
	args := []string{"--config", cfgPath}
	if p.profileDir != "" {
		args = append(args, "--config", "yaml:extensions::pprof::endpoint: "+pprofAddr,
			"--config", "yaml:service::extensions: ["+extensionsOf(raw)+"pprof]")
	}
	cmd := exec.Command(p.bin, args...)
	cmd.Env = append(os.Environ(), "OTLP_GRPC_ENDPOINT="+otlp, "SINK_ENDPOINT="+sink.Addr,
		"PILLARS_ENDPOINT="+console, "STATE_DIR="+dir)
	logFile, _ := os.Create(filepath.Join(dir, "collector.log"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return r, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	if err := waitListening(otlp, 60*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "collector.log"))
		return r, fmt.Errorf("%w\n%s", err, log)
	}
	client, err := loadgen.NewGRPCClient(otlp)
	if err != nil {
		return r, err
	}
	defer client.Close()
	ctx := context.Background()
	pid := cmd.Process.Pid

	warm := loadgen.Run(ctx, client, w, loadgen.RunOptions{Rate: p.rate, Duration: 3 * time.Second, FirstSeq: p.seq})
	p.seq = warm.NextSeq
	profiled := make(chan error, 1)
	if p.profileDir != "" {
		go func() {
			profiled <- fetchProfile(pprofAddr, fmt.Sprintf("profile?seconds=%d", int((p.fixed-2*time.Second).Seconds())),
				filepath.Join(p.profileDir, shape+"-"+name+".cpu.pprof"))
		}()
	} else {
		profiled <- nil
	}
	cpu0, err := harness.ProcCPUSeconds(pid)
	if err != nil {
		return r, err
	}
	fx := loadgen.Run(ctx, client, w, loadgen.RunOptions{Rate: p.rate, Duration: p.fixed, FirstSeq: p.seq, Workers: 32})
	p.seq = fx.NextSeq
	cpu1, _ := harness.ProcCPUSeconds(pid)
	if err := <-profiled; err != nil {
		return r, err
	}
	if p.profileDir != "" {
		if err := fetchProfile(pprofAddr, "allocs", filepath.Join(p.profileDir, shape+"-"+name+".allocs.pprof")); err != nil {
			return r, err
		}
	}
	if fx.AcceptedSpans > 0 {
		r.cpuMicrosPerSpan = (cpu1 - cpu0) / float64(fx.AcceptedSpans) * 1e6
	}
	r.fixedAccepted, r.fixedSent, r.refusedFixed = fx.AcceptedPerSecond(), fx.SentPerSecond(), fx.RetryableSpans+fx.FailedSpans
	if r.rssFixedMiB, err = peakRSSMiB(pid); err != nil {
		return r, err
	}
	bx := loadgen.Run(ctx, client, w, loadgen.RunOptions{Duration: p.burst, FirstSeq: p.seq, Workers: p.workers})
	p.seq = bx.NextSeq
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
	r.rssBurstMiB, err = peakRSSMiB(pid)
	return r, err
}

func peakRSSMiB(pid int) (float64, error) {
	hwm, err := harness.ProcPeakRSSBytes(pid)
	return float64(hwm) / (1 << 20), err
}

// extensionsOf returns the config's service extensions as a YAML flow-list prefix ("a, b, "), so
// adding pprof keeps them.
func extensionsOf(raw []byte) string {
	_, rest, ok := strings.Cut(string(raw), "\n  extensions: [")
	if !ok {
		return ""
	}
	list, _, _ := strings.Cut(rest, "]")
	return list + ", "
}

func fetchProfile(addr, what, path string) error {
	resp, err := http.Get("http://" + addr + "/debug/pprof/" + what)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof %s: %s", what, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// Command bench is the gateway benchmark behind `make bench`: the same otelcol-sre binary runs
// a passthrough, the contrib way (span_metrics + tail_sampling), ours with the minimal feature
// set (slo + sre_sampling + pillars) and ours with the full shipped one (plus sre_state,
// incidents, budget-aware sampling and state on disk), one after another on each workload
// shape, each driven by tests/loadgen at a fixed rate and then unthrottled. The table compares
// CPU per span, peak RSS, throughput and error spans kept.
package main

import (
	"embed"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/tests/loadgen"
)

//go:embed configs/*.yaml
var configs embed.FS

var (
	allConfigs = []string{"passthrough", "contrib", "otelcol-sre", "otelcol-sre-full"}
	allShapes  = []string{"spread", "whole"}
)

func main() {
	p := &plan{seq: 1}
	flag.StringVar(&p.bin, "bin", "_build/otelcol-sre", "otelcol-sre binary")
	flag.Float64Var(&p.rate, "rate", 20000, "fixed offered rate in spans per second")
	flag.DurationVar(&p.fixed, "fixed", 20*time.Second, "fixed-rate phase")
	flag.DurationVar(&p.burst, "burst", 15*time.Second, "unthrottled phase")
	flag.IntVar(&p.workers, "workers", 8, "concurrent export calls in the unthrottled phase")
	flag.StringVar(&p.profileDir, "profile", "", "directory for a CPU and an allocation profile of each fixed phase")
	only := flag.String("only", "", "comma-separated subset of "+strings.Join(allConfigs, ","))
	shapes := flag.String("shapes", strings.Join(allShapes, ","), "comma-separated subset of "+strings.Join(allShapes, ","))
	repeat := flag.Int("repeat", 1, "sittings; each config's figures are the median, and the order alternates between sittings")
	flag.Parse()

	spread, err := loadgen.NewWorkload(loadgen.WorkloadOptions{Seed: 42})
	if err != nil {
		fail(err)
	}
	// The independent run's shape: 100 whole traces × 5 spans, 6 attributes, 1 % errors, 5 % slow.
	whole, err := loadgen.NewWorkload(loadgen.WorkloadOptions{Seed: 43, WholeTraces: true, TracesPerBatch: 100, ChildSpans: 4, SlowRatio: 0.05})
	if err != nil {
		fail(err)
	}
	p.workloadByShapeName = map[string]*loadgen.Workload{"spread": spread, "whole": whole}
	if p.profileDir != "" {
		if err := os.MkdirAll(p.profileDir, 0o755); err != nil {
			fail(err)
		}
	}
	fmt.Printf("gateway bench: %d CPUs (GOMAXPROCS %d), %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel())
	fmt.Printf("workload spread: %s\nworkload whole: %s\n", spread.Describe(), whole.Describe())
	fmt.Printf("phases: %s at %.0f spans/s (CPU per span, peak RSS), then %s unthrottled with %d concurrent calls (throughput, peak RSS); %d sitting(s)\n\n",
		p.fixed, p.rate, p.burst, p.workers, *repeat)

	names := subset(allConfigs, *only)
	runs := map[[2]string][]result{}
	for sitting := 0; sitting < max(1, *repeat); sitting++ {
		order := slices.Clone(names)
		if sitting%2 == 1 {
			slices.Reverse(order)
		}
		for _, shape := range subset(allShapes, *shapes) {
			for _, name := range order {
				r, err := p.runOne(shape, name)
				if err != nil {
					fail(fmt.Errorf("%s on %s: %w", name, shape, err))
				}
				runs[[2]string{shape, name}] = append(runs[[2]string{shape, name}], r)
			}
		}
	}
	var results []result
	for _, shape := range subset(allShapes, *shapes) {
		for _, name := range names {
			results = append(results, median(runs[[2]string{shape, name}]))
		}
	}
	printTable(results)
}

func subset(all []string, only string) []string {
	if only == "" {
		return all
	}
	var out []string
	for _, n := range all {
		if strings.Contains(","+only+",", ","+n+",") {
			out = append(out, n)
		}
	}
	return out
}

// median takes each figure's median over the sittings separately.
func median(rs []result) result {
	out := rs[0]
	pick := func(get func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	out.cpuMicrosPerSpan = pick(func(r result) float64 { return r.cpuMicrosPerSpan })
	out.rssFixedMiB = pick(func(r result) float64 { return r.rssFixedMiB })
	out.rssBurstMiB = pick(func(r result) float64 { return r.rssBurstMiB })
	out.maxAcceptedPerSec = pick(func(r result) float64 { return r.maxAcceptedPerSec })
	return out
}

func printTable(rs []result) {
	base := map[[2]string]result{}
	for _, r := range rs {
		base[[2]string{r.shape, r.config}] = r
	}
	ratio := func(r result, ref string, field func(result) float64) string {
		b, ok := base[[2]string{r.shape, ref}]
		if !ok || field(b) == 0 || r.config == ref {
			return "–"
		}
		return fmt.Sprintf("%.2f×", field(r)/field(b))
	}
	cpu := func(r result) float64 { return r.cpuMicrosPerSpan }
	rssFixed := func(r result) float64 { return r.rssFixedMiB }
	rssBurst := func(r result) float64 { return r.rssBurstMiB }
	tput := func(r result) float64 { return r.maxAcceptedPerSec }
	fmt.Println("| workload | config | CPU µs/span | vs passthrough | vs contrib | peak RSS MiB, fixed | vs contrib | peak RSS MiB, unthrottled | vs contrib | max accepted spans/s | vs contrib | error spans exported / sent |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		fmt.Printf("| %s | %s | %.2f | %s | %s | %.0f | %s | %.0f | %s | %.0f | %s | %d / %d |\n", r.shape, r.config,
			r.cpuMicrosPerSpan, ratio(r, "passthrough", cpu), ratio(r, "contrib", cpu),
			r.rssFixedMiB, ratio(r, "contrib", rssFixed), r.rssBurstMiB, ratio(r, "contrib", rssBurst),
			r.maxAcceptedPerSec, ratio(r, "contrib", tput), r.errorExported, r.errorSent)
	}
	fmt.Println()
	for _, r := range rs {
		fmt.Printf("%s/%s: fixed phase offered %.0f spans/s, accepted %.0f/s (%d refused); unthrottled phase %d refused; %d spans and %d metric points exported\n",
			r.shape, r.config, r.fixedSent, r.fixedAccepted, r.refusedFixed, r.refusedBurst, r.spansExported, r.dataPoints)
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

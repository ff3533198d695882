package pillarsexporter

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/adjusted"
	"github.com/otelcol-sre/otelcol-sre/internal/deploy"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// pillars is one exporter instance, shared by its traces, metrics and logs pipelines.
type pillars struct {
	cfg   *Config
	set   component.TelemetrySettings
	now   func() time.Time
	table score.LevelTable

	// mu is the ingest lock: it guards services and the counters below. Evaluation takes it
	// only to copy each service's evidence, then scores and publishes without it.
	mu       sync.Mutex
	services map[string]*serviceState
	// aliases memoises which entry an identity resolved to (see lookup); guarded by mu.
	aliases map[string]string
	// versions tells deployments and rollbacks apart per service key (internal/deploy, shared
	// with the slo connector); guarded by mu.
	versions *deploy.Versions
	weights  *adjusted.Reader // OTEP 235 tracestate readings; guarded by mu
	labels   *label.Bounder   // bounds identity values; guarded by mu
	graph    depGraph         // the service dependency graph; guarded by mu
	started  time.Time        // window counts are not stored: rates cover at most the time since
	// evictedServices and refusedServices count what max_services and service_ttl shed;
	// droppedPoints the NaN and ±Inf metric points refused; refusedSLOPoints the slo.* points
	// that did not come from an slo connector; truncatedLabels the identity values cut.
	evictedServices, refusedServices, droppedPoints uint64
	refusedSLOPoints, truncatedLabels               uint64
	refusedSeries                                   uint64 // resource metric series beyond maxSeries of a service
	lastEvictScan                                   time.Time

	telemetry *metadata.TelemetryBuilder // nil when the meter could not be built
	reported  Limits                     // the counters as last recorded in telemetry

	evalMu     sync.Mutex // serialises evaluations
	hystMu     sync.Mutex // hysteresis is read by evaluation and pruned by eviction
	hysteresis map[string]*score.Hysteresis
	latest     atomic.Pointer[Scorecard]
	// latestGraph is the dependency graph as of the last evaluation.
	latestGraph atomic.Pointer[GraphJSON]

	id      component.ID
	version string // the collector's, on auditors' exports
	storage storage.Client
	board   *srestate.Board // the sre_state extension's, when state is set

	server *http.Server
	done   chan struct{}
	wg     sync.WaitGroup
}

func newPillars(cfg *Config, set component.TelemetrySettings, now func() time.Time) *pillars {
	table, _ := score.LookupLevelTable(cfg.Dora.Levels)
	p := &pillars{
		cfg: cfg, set: set, now: now, table: table,
		services: map[string]*serviceState{}, aliases: map[string]string{}, hysteresis: map[string]*score.Hysteresis{},
		versions: deploy.New(), weights: adjusted.NewReader(), started: now(),
		labels: &label.Bounder{MaxLength: cfg.MaxLabelLength},
	}
	p.latest.Store(&Scorecard{Disclaimer: Disclaimer})
	p.latestGraph.Store(&GraphJSON{Nodes: []string{}, Edges: []EdgeJSON{}})
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		set.Logger.Warn("pillars self-telemetry unavailable", zap.Error(err))
	} else {
		p.telemetry = tb
	}
	return p
}

// Start runs the HTTP server and the evaluation loop once for all pipelines.
func (p *pillars) Start(ctx context.Context, host component.Host) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.openStorage(ctx, host); err != nil {
		return err
	}
	// Without a state setting, the collector's one sre_state extension, if it runs one.
	board, err := srestate.Lookup(host.GetExtensions(), p.cfg.State)
	if err != nil && p.cfg.State != nil {
		return err
	}
	p.board = board
	own := p.cfg.HTTP.NetAddr.Endpoint != ""
	if !own && p.board == nil {
		return errors.New("endpoint: empty, and no sre_state extension runs whose console would serve the scorecard: set endpoint (host:port) or add sre_state with console.endpoint")
	}
	// With a board the pages are on its console too, so one port serves every SRE page even
	// when pillars also keeps its own endpoint.
	if p.board != nil {
		for path, h := range p.mounted() {
			p.board.Mount(path, h)
		}
		if addr := p.board.ConsoleAddr(); addr != "" {
			p.set.Logger.Info("scorecard served on the sre_state console", zap.String("address", addr), zap.String("path", "/scorecard"))
		} else if !own {
			p.set.Logger.Warn("the scorecard is mounted on sre_state, but its console.endpoint is empty: nothing serves /scorecard; set console.endpoint on sre_state or endpoint on pillars")
		}
	}
	if own {
		if err := p.serve(ctx, host); err != nil {
			p.unmount()
			return err
		}
	}
	p.done = make(chan struct{})
	p.wg.Add(1)
	go p.loop()
	return nil
}

func (p *pillars) unmount() {
	if p.board != nil {
		for _, path := range mountedPaths {
			p.board.Mount(path, nil)
		}
	}
}

// serve runs pillars' own HTTP server.
func (p *pillars) serve(ctx context.Context, host component.Host) error {
	ln, err := p.cfg.HTTP.ToListener(ctx)
	if err != nil {
		return err
	}
	srv, err := p.cfg.HTTP.ToServer(ctx, host.GetExtensions(), p.set, p.routes())
	if err != nil {
		ln.Close()
		return err
	}
	p.server = srv
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			p.set.Logger.Error("pillars HTTP server stopped", zap.Error(err))
		}
	}()
	return nil
}

// Shutdown stops the server once the last pipeline has shut down.
func (p *pillars) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	started := p.done != nil
	p.mu.Unlock()
	if !started {
		return nil
	}
	close(p.done)
	var err error
	if p.server != nil {
		err = p.server.Shutdown(ctx)
		p.server = nil
	}
	p.unmount()
	p.wg.Wait()
	p.done = nil
	p.saveState(ctx)
	if p.telemetry != nil {
		p.telemetry.Shutdown()
	}
	if p.storage != nil {
		err = errors.Join(err, p.storage.Close(ctx))
		p.storage = nil
	}
	return err
}

func (p *pillars) loop() {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.EvaluationInterval)
	defer t.Stop()
	p.evaluate()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.evaluate()
		}
	}
}

func (p *pillars) consumeTraces(_ context.Context, td ptrace.Traces) error {
	facts := readBatchFacts(td)
	defer facts.release()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.countTraces(td, facts, p.now())
	return nil
}

func (p *pillars) consumeMetrics(_ context.Context, md pmetric.Metrics) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.collectMetrics(md, p.now())
	return nil
}

func (p *pillars) consumeLogs(_ context.Context, ld plog.Logs) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.collectLogs(ld, p.now())
	return nil
}

// serviceName is a service's service.name among its identity labels, "" when not part of it.
func (p *pillars) serviceName(labels []string) string {
	for i, k := range p.cfg.ServiceIdentity {
		if k == "service.name" && i < len(labels) {
			return labels[i]
		}
	}
	return ""
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func formatFloat(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

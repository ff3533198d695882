package pillarsexporter

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"sort"
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
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
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
	started  time.Time        // window counts are not stored: rates cover at most the time since
	// evictedServices and refusedServices count what max_services and service_ttl shed;
	// droppedPoints the NaN and ±Inf metric points refused.
	evictedServices, refusedServices, droppedPoints uint64
	lastEvictScan                                   time.Time

	telemetry *metadata.TelemetryBuilder // nil when the meter could not be built
	reported  Limits                     // the counters as last recorded in telemetry

	hystMu     sync.Mutex // hysteresis is read by evaluation and pruned by eviction
	hysteresis map[string]*score.Hysteresis
	latest     atomic.Pointer[Scorecard]

	id      component.ID
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
	}
	p.latest.Store(&Scorecard{Disclaimer: Disclaimer})
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		set.Logger.Warn("pillars self-telemetry unavailable", zap.Error(err))
	} else {
		p.telemetry = tb
	}
	return p
}

// pageCSP allows the scorecard page its one inline style sheet and nothing else: no scripts,
// frames, forms or remote loads, so a service name crafted as markup cannot run anywhere.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// secureHeaders stops browsers from sniffing the JSON or metrics as HTML and applies pageCSP.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", pageCSP)
		next.ServeHTTP(w, r)
	})
}

// promLabel names an identity attribute as the prometheus exporter names it, so a scorecard
// series joins the slo connector's on the same label.
func promLabel(attr string) string {
	l, _ := slonames.LabelName(attr)
	return l
}

// routes serves the scorecard, its metrics and the incidents.
func (p *pillars) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incidents", p.serveIncidents)
	mux.HandleFunc("GET /incidents.json", p.serveIncidents)
	mux.HandleFunc("GET /incidents/{id}", p.serveIncident)
	mux.Handle("/metrics", p.metricsHandler())
	mux.HandleFunc("/scorecard.json", p.serveJSON)
	mux.HandleFunc("/scorecard", p.serveHTML)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "/scorecard", http.StatusFound)
	})
	return mux
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
	ln, err := p.cfg.HTTP.ToListener(ctx)
	if err != nil {
		return err
	}
	srv, err := p.cfg.HTTP.ToServer(ctx, host.GetExtensions(), p.set, secureHeaders(p.routes()))
	if err != nil {
		ln.Close()
		return err
	}
	p.server = srv
	p.done = make(chan struct{})
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			p.set.Logger.Error("pillars HTTP server stopped", zap.Error(err))
		}
	}()
	go p.loop()
	return nil
}

// Shutdown stops the server once the last pipeline has shut down.
func (p *pillars) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	started := p.server != nil
	p.mu.Unlock()
	if !started {
		return nil
	}
	close(p.done)
	err := p.server.Shutdown(ctx)
	p.wg.Wait()
	p.server = nil
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
	p.mu.Lock()
	defer p.mu.Unlock()
	p.collectTraces(td, p.now())
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

func (p *pillars) serveJSON(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, p.latest.Load())
}

func (p *pillars) serveHTML(w http.ResponseWriter, _ *http.Request) {
	card := p.latest.Load()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := scorecardPage.Execute(w, card); err != nil {
		p.set.Logger.Warn("rendering the scorecard failed", zap.Error(err))
	}
}

// evaluate scores every service and publishes the result on every output. Only copying the
// evidence holds the ingest lock; scoring, rendering and storage writes run without it.
func (p *pillars) evaluate() {
	started := time.Now()
	p.mu.Lock()
	now := p.now()
	p.evictIdle(now)
	keys := make([]string, 0, len(p.services))
	for key := range p.services {
		keys = append(keys, key)
	}
	p.mu.Unlock()
	// The copy takes the ingest lock a chunk of services at a time, so ingest waits for at
	// most one chunk however many services there are.
	snaps := make([]serviceSnapshot, 0, len(keys))
	for start := 0; start < len(keys); start += snapshotChunk {
		p.mu.Lock()
		for _, key := range keys[start:min(start+snapshotChunk, len(keys))] {
			if s, ok := p.services[key]; ok {
				snaps = append(snaps, p.snapshot(key, s, now))
			}
		}
		p.mu.Unlock()
		// Let a waiting ingest call take the lock before the next chunk: re-locking at once
		// would win the race against it until Go's mutex turns to handoff after 1ms.
		runtime.Gosched()
	}
	p.mu.Lock()
	limits := Limits{Services: len(p.services), MaxServices: p.cfg.MaxServices, EvictedIdle: p.evictedServices,
		RefusedServices: p.refusedServices, DroppedPoints: p.droppedPoints}
	stored := p.storedState()
	p.mu.Unlock()

	sort.Slice(snaps, func(i, j int) bool { return snaps[i].key < snaps[j].key })
	card := Scorecard{Disclaimer: Disclaimer, EvaluatedAt: now.UTC(), Limits: limits,
		Thresholds: map[string]any{"pass": 100 * p.cfg.Thresholds.Pass, "warning": 100 * p.cfg.Thresholds.Warning,
			"min_coverage": p.cfg.MinCoverage, "window": p.cfg.Window.String(), "min_events": p.cfg.MinEvents}}
	defs := map[score.Targets][]score.Def{} // most services share the global targets
	fromBoard := p.boardIncidents()
	deploys := map[string][]score.Deployment{}
	for i := range snaps {
		d, ok := defs[snaps[i].targets]
		if !ok {
			d = p.checksFor(snaps[i].targets)
			defs[snaps[i].targets] = d
		}
		service := p.serviceName(snaps[i].labels)
		snaps[i].incidents = append(snaps[i].incidents, fromBoard[service]...)
		if p.board != nil { // pages are the board's episodes, which pillars does not see as metrics
			snaps[i].evidence.Pages, snaps[i].evidence.PagesPerWeek = pagesPerWeek(fromBoard[service], now, p.cfg.Dora.Period, snaps[i].evidence.ObservedDays)
			if stats, ok := p.board.Sampling(); ok {
				snaps[i].evidence.Sampler = &score.SamplerEvidence{DecidedSpans: stats.DecidedSpans, KeptSpans: stats.KeptSpans, Seconds: stats.Updated.Sub(stats.Since).Seconds()}
			}
		}
		res := p.evaluateService(&snaps[i], d, now)
		if service != "" {
			deploys[service] = append(deploys[service], res.deployments...)
		}
		card.Services = append(card.Services, res)
	}
	p.publishDeployments(deploys)
	p.latest.Store(&card)
	p.writeState(context.Background(), stored)
	p.recordTelemetry(limits, time.Since(started))
}

func (p *pillars) recordTelemetry(l Limits, took time.Duration) {
	if p.telemetry == nil {
		return
	}
	ctx := context.Background()
	t := p.telemetry
	t.ExporterPillarsEvaluations.Add(ctx, 1)
	t.ExporterPillarsEvaluationDuration.Record(ctx, took.Seconds())
	t.ExporterPillarsServices.Record(ctx, int64(l.Services))
	t.ExporterPillarsEvictedServices.Add(ctx, int64(l.EvictedIdle-p.reported.EvictedIdle))
	t.ExporterPillarsRefusedServices.Add(ctx, int64(l.RefusedServices-p.reported.RefusedServices))
	t.ExporterPillarsDroppedPoints.Add(ctx, int64(l.DroppedPoints-p.reported.DroppedPoints))
	p.reported = l
}

const snapshotChunk = 8

// serviceSnapshot is one service's evidence, copied under the ingest lock.
type serviceSnapshot struct {
	firstSeen        time.Time
	latencies        []latencySample
	key, identityKey string
	labels           []string
	profile          ServiceProfile
	targets          score.Targets
	evidence         score.Evidence
	deploys          []score.Deployment
	incidents        []score.Incident
	exhausted        []timeRange
	exemplars        map[score.CheckID][]string
	maturity         score.MaturityInputs
	budgets          map[string]float64
}

func (p *pillars) snapshot(key string, s *serviceState, now time.Time) serviceSnapshot {
	s.prune(now.Add(-p.cfg.Dora.Period))
	snap := serviceSnapshot{key: key, firstSeen: s.firstSeen, latencies: append([]latencySample(nil), s.latencies.samples...),
		labels: s.labels, profile: s.profile, targets: s.targets, evidence: p.evidence(s, now),
		deploys: append([]score.Deployment(nil), s.deployments...), exhausted: append([]timeRange(nil), s.exhausted...),
		exemplars: map[score.CheckID][]string{}}
	for id, ex := range s.exemplars {
		snap.exemplars[id] = append([]string(nil), ex...)
	}
	snap.incidents = append(make([]score.Incident, 0, len(s.incidents)+len(s.openAlerts)), s.incidents...)
	for _, start := range s.openAlerts { // still open: they count against the deployment before them
		snap.incidents = append(snap.incidents, score.Incident{Start: start})
	}
	snap.maturity.TelemetryArrives = len(s.signals) > 0
	snap.budgets = map[string]float64{}
	for name, st := range s.slos {
		if est, ok := st.estimate(); ok {
			snap.budgets[name] = est
		} else if st.hasRemaining {
			snap.budgets[name] = st.remaining
		}
		valid := st.good1h + st.bad1h
		snap.maturity.SLOWithData = snap.maturity.SLOWithData || valid > 0 || st.hasRemaining
		// Sharded replicas alert through the generated Prometheus rules, which this exporter
		// cannot see: the rules exist for every SLO, so enough events in the window can fire.
		snap.maturity.AlertingCanFire = snap.maturity.AlertingCanFire || ((s.alertSeen || st.sharded) && valid >= p.cfg.MinEvents)
		fullPeriod := now.Sub(s.firstSeen) >= p.cfg.Dora.Period && st.hasRemaining && st.remaining > 0
		snap.maturity.SLOMetForPeriod = snap.maturity.SLOMetForPeriod || st.periodMet || fullPeriod
	}
	return snap
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

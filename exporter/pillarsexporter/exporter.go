package pillarsexporter

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

// pillars is one exporter instance, shared by its traces, metrics and logs pipelines.
type pillars struct {
	cfg    *Config
	set    component.TelemetrySettings
	now    func() time.Time
	checks []checkDef
	table  score.LevelTable

	mu       sync.Mutex
	services map[string]*serviceState
	// evictedServices and refusedServices count what max_services and service_ttl shed.
	evictedServices, refusedServices uint64
	lastEvictScan                    time.Time
	host                             hostState
	hysteresis                       map[string]*score.Hysteresis
	latest                           Scorecard

	id      component.ID
	storage storage.Client

	// Each evaluation fills a fresh registry and then publishes it whole, so a scrape sees either
	// the previous complete set or the new one, never one being reset and refilled.
	published atomic.Pointer[prometheus.Registry]
	gauges    map[string]*prometheus.GaugeVec // the set being filled, under mu
	server    *http.Server
	done      chan struct{}
	wg        sync.WaitGroup
	starts    int
}

func newPillars(cfg *Config, set component.TelemetrySettings, now func() time.Time) *pillars {
	table, _ := score.LookupLevelTable(cfg.Dora.Levels)
	p := &pillars{
		cfg: cfg, set: set, now: now, table: table,
		checks:   applyOverrides(builtinChecks(cfg.Targets), cfg.Checks),
		services: map[string]*serviceState{}, hysteresis: map[string]*score.Hysteresis{},
	}
	registry, gauges := p.newGaugeSet()
	p.published.Store(registry)
	p.gauges = gauges
	return p
}

// newGaugeSet registers every output gauge, labelled with the service identity, in a new registry.
func (p *pillars) newGaugeSet() (*prometheus.Registry, map[string]*prometheus.GaugeVec) {
	registry, gauges := prometheus.NewRegistry(), map[string]*prometheus.GaugeVec{}
	identity := make([]string, len(p.cfg.ServiceIdentity))
	for i, k := range p.cfg.ServiceIdentity {
		identity[i] = promLabel(k)
	}
	gauge := func(name, help string, labels ...string) {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help + " " + Disclaimer}, append(labels, identity...))
		registry.MustRegister(g)
		gauges[name] = g
	}
	gauge("wellarchitected_pillar_score", "Pillar score 0-100.", "framework", "pillar")
	gauge("wellarchitected_pillar_coverage", "Share of the pillar's check weight with data.", "framework", "pillar")
	gauge("wellarchitected_pillar_status", "1 for the pillar's current status (pass, warning, fail, insufficient_data).", "framework", "pillar", "status")
	gauge("wellarchitected_check_score", "Check score 0-1.", "check_id", "pillar")
	gauge("dora_deployment_frequency", "Deployments per day over the DORA period.")
	gauge("dora_change_lead_time", "Median change lead time in seconds.")
	gauge("dora_change_failure_rate", "Share of deployments followed by a rollback or an incident.")
	gauge("dora_recovery_time", "Median time to restore in seconds.")
	gauge("dora_performance_level", "DORA performance level: elite 4, high 3, medium 2, low 1.", "level", "table")
	gauge("sre_maturity_level", "SRE maturity level 0-4.")
	return registry, gauges
}

// metricsHandler serves the last published gauge set.
func (p *pillars) metricsHandler() http.Handler {
	current := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return p.published.Load().Gather() })
	return promhttp.HandlerFor(current, promhttp.HandlerOpts{})
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

// Start runs the HTTP server and the evaluation loop once for all pipelines.
func (p *pillars) Start(ctx context.Context, host component.Host) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.starts++; p.starts > 1 {
		return nil
	}
	if err := p.openStorage(ctx, host); err != nil {
		return err
	}
	mux := http.NewServeMux()
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
	ln, err := p.cfg.ToListener(ctx)
	if err != nil {
		return err
	}
	srv, err := p.cfg.ToServer(ctx, host.GetExtensions(), p.set, secureHeaders(mux))
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
	p.starts--
	last := p.starts <= 0 && p.server != nil
	p.mu.Unlock()
	if !last {
		return nil
	}
	close(p.done)
	err := p.server.Shutdown(ctx)
	p.wg.Wait()
	p.server = nil
	p.mu.Lock()
	p.saveState(ctx)
	if p.storage != nil {
		err = errors.Join(err, p.storage.Close(ctx))
		p.storage = nil
	}
	p.mu.Unlock()
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
	p.mu.Lock()
	card := p.latest
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(card)
}

func (p *pillars) serveHTML(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	card := p.latest
	p.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := scorecardPage.Execute(w, card); err != nil {
		p.set.Logger.Warn("rendering the scorecard failed", zap.Error(err))
	}
}

// evaluate scores every service and publishes the result on every output.
func (p *pillars) evaluate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	card := Scorecard{Disclaimer: Disclaimer, EvaluatedAt: now.UTC(),
		Thresholds: map[string]any{"pass": p.cfg.Thresholds.Pass, "warning": p.cfg.Thresholds.Warning, "min_coverage": p.cfg.MinCoverage}}
	registry, gauges := p.newGaugeSet()
	p.gauges = gauges
	p.evictIdle(now)
	keys := make([]string, 0, len(p.services))
	for k := range p.services {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		card.Services = append(card.Services, p.evaluateService(key, p.services[key], now))
	}
	card.Limits = Limits{Services: len(p.services), MaxServices: p.cfg.MaxServices, EvictedIdle: p.evictedServices, RefusedServices: p.refusedServices}
	p.latest = card
	p.published.Store(registry)
	p.saveState(context.Background())
}

func (p *pillars) evaluateService(key string, s *serviceState, now time.Time) ServiceResult {
	res := ServiceResult{Identity: map[string]string{}}
	for i, k := range p.cfg.ServiceIdentity {
		if s.labels[i] != "" {
			res.Identity[k] = s.labels[i]
		}
	}
	deploys := make([]score.Deployment, len(s.deployments))
	for i, d := range s.deployments {
		d.Service = "svc"
		deploys[i] = d
	}
	incidents := make([]score.Incident, 0, len(s.incidents)+len(s.openAlerts))
	for _, inc := range s.incidents {
		inc.Service = "svc"
		incidents = append(incidents, inc)
	}
	for _, start := range s.openAlerts { // still open: they count against the deployment before them
		incidents = append(incidents, score.Incident{Service: "svc", Start: start})
	}
	deploys = score.DedupeDeployments(deploys, 15*time.Minute)
	dora := score.ComputeDora(deploys, incidents, now.Add(-p.cfg.Dora.Period), now, p.cfg.Dora.AttributionWindow, p.table)
	measured := p.measure(s, dora, now)

	canonical := map[string][]score.Check{}
	defs := map[string]checkDef{}
	for _, d := range p.checks {
		c := measured[d.ID]
		c.Pillar, c.Weight, c.Key, c.Normalise = d.Pillar, d.Weight, d.Key, d.Norm
		canonical[d.Pillar] = append(canonical[d.Pillar], c)
		defs[d.ID] = d
	}
	labels := s.labels
	for _, pillar := range score.CanonicalPillars {
		for _, cr := range score.ScorePillar(pillar, canonical[pillar], p.cfg.Thresholds, p.cfg.MinCoverage).Checks {
			cj := CheckJSON{ID: cr.ID, Pillar: pillar, Formula: defs[cr.ID].Source, Inputs: cr.Inputs, Result: string(cr.Result),
				Method: string(cr.Normalise.Method), Good: cr.Normalise.Good, Bad: cr.Normalise.Bad, Weight: cr.Weight, Key: cr.Key,
				PotentialIncrease: cr.PotentialIncrease, Exemplars: s.exemplars[cr.ID], Reason: cr.Reason}
			if cr.HasData {
				cj.Value = ptr(cr.Value)
			}
			if cr.Result != score.InsufficientData {
				cj.Score = ptr(cr.Score)
				p.gauges["wellarchitected_check_score"].WithLabelValues(append([]string{cr.ID, pillar}, labels...)...).Set(cr.Score)
			}
			res.Checks = append(res.Checks, cj)
		}
	}
	for _, fw := range p.cfg.Frameworks {
		fr := FrameworkResult{Framework: fw}
		var pillarsOut []score.PillarResult
		for _, fp := range score.Frameworks[fw] {
			pr := score.Project(fp, canonical, p.cfg.Thresholds, p.cfg.MinCoverage)
			h := p.hysteresis[hysteresisKey(key, fw, fp.Name)]
			if h == nil {
				h = &score.Hysteresis{Needed: 2}
				p.hysteresis[hysteresisKey(key, fw, fp.Name)] = h
			}
			pr.Status = h.Observe(pr.Status)
			pillarsOut = append(pillarsOut, pr)
			pj := PillarJSON{Pillar: fp.Name, Label: fp.Label, Status: string(pr.Status), Coverage: pr.Coverage}
			for _, c := range pr.Checks {
				pj.Checks = append(pj.Checks, c.ID)
			}
			base := append([]string{fw, fp.Name}, labels...)
			if pr.Status != score.InsufficientData {
				pj.Score = ptr(pr.Score)
				p.gauges["wellarchitected_pillar_score"].WithLabelValues(base...).Set(pr.Score)
			}
			p.gauges["wellarchitected_pillar_coverage"].WithLabelValues(base...).Set(pr.Coverage)
			for _, st := range []score.Result{score.Pass, score.Warning, score.Fail, score.InsufficientData} {
				v := 0.0
				if st == pr.Status {
					v = 1
				}
				p.gauges["wellarchitected_pillar_status"].WithLabelValues(append([]string{fw, fp.Name, string(st)}, labels...)...).Set(v)
			}
			fr.Pillars = append(fr.Pillars, pj)
		}
		if v, ok := score.FrameworkScore(pillarsOut); ok {
			fr.Score = ptr(v)
		}
		res.Frameworks = append(res.Frameworks, fr)
	}
	res.Dora = p.doraOutputs(dora, labels)
	res.Maturity = p.maturity(s, dora, deploys, labels)
	return res
}

func (p *pillars) doraOutputs(d score.Dora, labels []string) DoraJSON {
	out := DoraJSON{Table: p.table.Name, Deployments: d.Deployments, DeploymentFrequency: d.DeploymentsPerDay,
		FailedDeployments: d.FailedDeployments, Level: d.Level, LevelByKey: d.LevelByKey}
	p.gauges["dora_deployment_frequency"].WithLabelValues(labels...).Set(d.DeploymentsPerDay)
	if d.HasLeadTime {
		out.LeadTimeSeconds = ptr(d.LeadTime.Seconds())
		p.gauges["dora_change_lead_time"].WithLabelValues(labels...).Set(d.LeadTime.Seconds())
	}
	if d.Deployments > 0 {
		out.ChangeFailureRate = ptr(d.ChangeFailureRate)
		p.gauges["dora_change_failure_rate"].WithLabelValues(labels...).Set(d.ChangeFailureRate)
		p.gauges["dora_performance_level"].WithLabelValues(append([]string{d.Level, p.table.Name}, labels...)...).Set(float64(score.LevelValue(d.Level)))
	}
	if d.HasRecoveryTime {
		out.RecoveryTimeSeconds = ptr(d.RecoveryTime.Seconds())
		p.gauges["dora_recovery_time"].WithLabelValues(labels...).Set(d.RecoveryTime.Seconds())
	}
	return out
}

func (p *pillars) maturity(s *serviceState, d score.Dora, deploys []score.Deployment, labels []string) MaturityJSON {
	policy := len(s.exhausted) > 0
	for _, r := range s.exhausted {
		for _, dep := range deploys {
			if !dep.At.Before(r.from) && (r.to.IsZero() || dep.At.Before(r.to)) {
				policy = false // a deployment went out while the budget was exhausted
			}
		}
	}
	level, criteria := score.Maturity(score.MaturityInputs{
		TelemetryArrives: len(s.signals) > 0, SLOsMeasured: boolToInt(s.sloSeen), BurnRateAlerting: s.alertSeen,
		MTTRTracked: d.HasRecoveryTime, BudgetExhausted: len(s.exhausted) > 0, BudgetPolicyActive: policy,
	})
	p.gauges["sre_maturity_level"].WithLabelValues(labels...).Set(float64(level))
	out := MaturityJSON{Level: level}
	for _, c := range criteria {
		out.Criteria = append(out.Criteria, CriterionJSON{Level: c.Level, ID: c.ID, Met: c.Met, Evidence: c.Evidence})
	}
	return out
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func formatFloat(f float64, prec int) string { return strconv.FormatFloat(f, 'f', prec, 64) }

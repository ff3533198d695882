package sloconnector

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
	"github.com/otelcol-sre/otelcol-sre/internal/storageclient"
)

// sloConnector counts spans into SLO series and emits their metrics every emit_interval.
type sloConnector struct {
	cfg        *Config
	logger     *zap.Logger
	next       consumer.Metrics
	telemetry  *metadata.TelemetryBuilder
	instanceID string
	now        func() time.Time

	id          component.ID
	peers       *peerRegistry // nil outside a factory (tests)
	connectorID string        // set at start when the collector runs several slo connectors

	plans  sync.Pool // *batchPlan, shaped for these SLOs
	mu     sync.Mutex
	slos   []*sloRuntime  // the compiled SLOs are read-only; their series are guarded by mu
	labels *label.Bounder // every sender-controlled label value passes through it

	storage    storage.Client
	board      *srestate.Board // the sre_state extension's, when state is set
	logs       consumer.Logs   // the traces→logs form's next consumer, when configured
	incidents  *incidents      // nil when nothing consumes incidents
	history    *historyStore   // the console's charts, when state is set
	pending    []pendingSeries // evaluations of the last buildMetrics, acted on after the lock
	eventAttrs [3]metric.MeasurementOption

	done     chan struct{}
	wg       sync.WaitGroup
	sloAttrs map[string]metric.MeasurementOption
}

func newConnector(set component.TelemetrySettings, cfg *Config, next consumer.Metrics, now func() time.Time) (*sloConnector, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	c := &sloConnector{
		cfg: cfg, logger: set.Logger, next: next, telemetry: tb, now: now,
		sloAttrs: map[string]metric.MeasurementOption{},
		labels:   &label.Bounder{MaxLength: cfg.MaxLabelLength},
	}
	if v, ok := set.Resource.Attributes().Get("service.instance.id"); ok {
		c.instanceID = v.AsString()
	}
	start := pcommon.NewTimestampFromTime(now())
	for _, sc := range cfg.SLOs {
		rt, err := newRuntime(cfg, sc)
		if err != nil {
			return nil, fmt.Errorf("slo %q: %w", sc.Name, err)
		}
		c.slos = append(c.slos, rt)
		c.sloAttrs[sc.Name] = metric.WithAttributeSet(attribute.NewSet(attribute.String("slo", sc.Name)))
		// A single-service SLO without grouping has exactly one series: create it now, so a quiet
		// service shows a full budget instead of no data.
		if sc.Service != "" && len(sc.GroupBy) == 0 {
			rt.newSeries(sc.Service, [][2]string{{attrService, sc.Service}}, start)
		}
	}
	return c, nil
}

func (c *sloConnector) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

func (c *sloConnector) Start(ctx context.Context, host component.Host) error {
	for _, rt := range c.slos {
		for _, tier := range rt.spec.Tiers {
			if f := rt.spec.BurnFactor(tier, c.now()); f*(1-rt.spec.Objective) >= 1 {
				c.logger.Warn("alert tier can never fire: even 100% errors stay below its burn factor",
					zap.String("slo", rt.cfg.Name), zap.String("severity", tier.Severity),
					zap.String("windows", tier.Short+"/"+tier.Long), zap.Float64("factor", f))
			}
		}
	}
	if c.peers != nil && c.peers.several() {
		c.connectorID = c.id.String()
	}
	if c.cfg.RulesFile != "" {
		rules, err := RulesDocument(ConnectorRules{ID: c.connectorID, Config: c.cfg})
		if err != nil {
			return fmt.Errorf("rules_file: %w", err)
		}
		if err := os.WriteFile(c.cfg.RulesFile, rules, 0o644); err != nil {
			return fmt.Errorf("rules_file: %w", err)
		}
	}
	if c.cfg.State != nil {
		board, err := srestate.Find(host.GetExtensions(), *c.cfg.State)
		if err != nil {
			return err
		}
		c.board = board
	}
	if c.board != nil && c.cfg.History.MaxSeries > 0 {
		c.history = newHistoryStore(c.cfg, c.slos, c.connectorID, c.now)
	}
	if c.board != nil || c.logs != nil || c.cfg.IncidentsDir != "" {
		if c.cfg.IncidentsDir != "" {
			if err := os.MkdirAll(c.cfg.IncidentsDir, 0o755); err != nil {
				return fmt.Errorf("incidents_dir: %w", err)
			}
		}
		c.incidents = newIncidents(c.cfg, c.slos, c.logs, c.labels, c.now())
		for k := incident.Opened; k <= incident.Resolved; k++ {
			c.eventAttrs[k] = metric.WithAttributeSet(attribute.NewSet(attribute.String("event", k.EventName())))
		}
		if c.history != nil {
			c.history.versions = c.incidents.versions
		}
	}
	if c.cfg.Storage != nil {
		owner := c.id
		if owner.Type().String() == "" {
			owner = component.NewID(metadata.Type) // built outside a factory (tests)
		}
		client, err := storageclient.Open(ctx, host, *c.cfg.Storage, component.KindConnector, owner)
		if err != nil {
			return err
		}
		c.storage = client
		c.restore(ctx)
		if c.incidents != nil {
			c.restoreIncidents(ctx)
		}
	}
	c.mu.Lock()
	c.applyCorrections(c.now())
	c.mu.Unlock()
	if c.history != nil {
		c.board.SetSource(c.id.String(), c.history)
	}
	c.done = make(chan struct{})
	c.wg.Add(1)
	go c.run()
	return nil
}

func (c *sloConnector) Shutdown(ctx context.Context) error {
	if c.history != nil {
		c.board.SetSource(c.id.String(), nil)
	}
	if c.peers != nil {
		c.peers.remove(c.id)
		c.peers = nil
	}
	if c.done != nil {
		close(c.done)
		c.wg.Wait()
		c.done = nil
	}
	var err error
	if c.storage != nil {
		if c.incidents != nil {
			c.saveIncidents(ctx)
		}
		err = errors.Join(c.checkpoint(ctx, true), c.storage.Close(ctx))
		c.storage = nil
	}
	c.telemetry.Shutdown()
	return err
}

func (c *sloConnector) run() {
	defer c.wg.Done()
	emit := time.NewTicker(c.cfg.EmitInterval)
	defer emit.Stop()
	var checkpoints <-chan time.Time
	if c.storage != nil {
		t := time.NewTicker(c.cfg.CheckpointInterval)
		defer t.Stop()
		checkpoints = t.C
	}
	for {
		select {
		case <-c.done:
			return
		case <-emit.C:
			c.emit(context.Background())
		case <-checkpoints:
			_ = c.checkpoint(context.Background(), true)
		}
	}
}

// emit sends the current metrics. With storage, the cumulative counters are persisted first,
// so a crash can never make a restarted collector report less than it already reported.
func (c *sloConnector) emit(ctx context.Context) {
	c.mu.Lock()
	now := c.now()
	if c.incidents != nil {
		c.incidents.rotate(c.slos, now)
	}
	md := c.buildMetrics(now)
	pending := c.pending
	c.pending = nil
	var counters map[string][]byte
	if c.storage != nil {
		counters = c.encodeCounters()
	}
	c.mu.Unlock()
	if counters != nil {
		c.writeState(ctx, counters)
	}
	c.publish(ctx, pending, now)
	if md.DataPointCount() == 0 || c.next == nil {
		return
	}
	if err := c.next.ConsumeMetrics(ctx, md); err != nil {
		c.logger.Warn("emitting SLO metrics failed", zap.Error(err))
	}
}

// ConsumeTraces plans the batch without the lock, then applies the plan under it.
func (c *sloConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	p := c.plan(ctx, td)
	defer c.release(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.apply(ctx, p)
	return nil
}

// apply counts a planned batch into the series: per distinct series, run, lift table and bad
// event, never per good span. The caller holds c.mu.
func (c *sloConnector) apply(ctx context.Context, p *batchPlan) {
	now := c.now()
	nowTS := pcommon.NewTimestampFromTime(now)
	if c.incidents != nil {
		for i, resAttrs := range p.resources {
			if v, ok := resAttrs.Get("service.version"); ok {
				c.incidents.versions.observe(p.services[i], c.labels.Bound(v.AsString()), now)
			}
		}
	}
	c.telemetry.ConnectorSloSpansEvaluated.Add(ctx, p.evaluated)
	if p.ottlErrors > 0 {
		c.telemetry.ConnectorSloOttlErrors.Add(ctx, p.ottlErrors)
	}
	for si, rt := range c.slos {
		sp := &p.slos[si]
		resolved := make([]*series, len(sp.series))
		var late, overflow int64
		for i, ps := range sp.series {
			s, overflowed := rt.seriesAt(ps.key, p.services[ps.resource], p.resources[ps.resource], ps.span, c.labels, nowTS)
			resolved[i] = s
			if overflowed {
				overflow += ps.lookups
				sp.series[i].key = overflowKey // the key the series is held under
			}
		}
		for _, r := range sp.runs {
			if resolved[r.series].state.Record(&rt.spec, now, time.Unix(0, r.end), r.counts) {
				late += r.spans
			}
		}
		for _, e := range sp.excluded {
			resolved[e.series].exclude(e.reason, e.weight)
		}
		excluded := int64(len(sp.excluded))
		if c.incidents != nil {
			for i, ps := range sp.series {
				c.incidents.countLift(rt, ps.key, resolved[i], ps.lift)
			}
		}
		for _, b := range sp.bads {
			s := resolved[b.series]
			s.addExemplar(b.span, b.weight)
			if s.evidence != nil {
				s.evidence.addBad(b.span.TraceID(), b.span.Status().Code() == ptrace.StatusCodeError)
			}
		}
		attrs := c.sloAttrs[rt.cfg.Name]
		for _, n := range []struct {
			v int64
			m metric.Int64Counter
		}{
			{sp.matched, c.telemetry.ConnectorSloSpansMatched}, {late, c.telemetry.ConnectorSloLateSpans},
			{sp.invalid, c.telemetry.ConnectorSloInvalidSpans}, {overflow, c.telemetry.ConnectorSloSeriesOverflow},
			{excluded, c.telemetry.ConnectorSloExcludedSpans},
		} {
			if n.v > 0 {
				n.m.Add(ctx, n.v, attrs)
			}
		}
	}
	if n := c.labels.TakeTruncated(); n > 0 {
		c.telemetry.ConnectorSloLabelValuesTruncated.Add(ctx, n)
	}
}

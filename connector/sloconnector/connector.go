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
	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/adjusted"
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

	mu      sync.Mutex
	slos    []*sloRuntime
	weights *adjusted.Reader
	keyBuf  []byte
	labels  *label.Bounder // every sender-controlled label value passes through it, under mu

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
		weights: adjusted.NewReader(), sloAttrs: map[string]metric.MeasurementOption{},
		labels: &label.Bounder{MaxLength: cfg.MaxLabelLength},
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

// run aggregates consecutive events of one SLO that fall into the same series and bucket, so
// the windows are updated once per run instead of once per span.
type run struct {
	series *series
	bucket int64 // unix nanos ÷ the SLO's finest bucket; -1 for late events
	end    int64 // unix nanos of the run's last event
	counts window.Counts
	spans  int64
}

func (c *sloConnector) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	verdicts := c.classifyBatch(ctx, td)
	defer verdicts.release()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.incidents != nil {
		c.incidents.scanErrors(td)
	}
	now := c.now()
	nowTS := pcommon.NewTimestampFromTime(now)
	nowNano := now.UnixNano()
	var evaluated, ottlErrors int64
	matched := make([]int64, len(c.slos))
	late := make([]int64, len(c.slos))
	invalid := make([]int64, len(c.slos))
	overflow := make([]int64, len(c.slos))
	excluded := make([]int64, len(c.slos))
	runs := make([]run, len(c.slos))
	flush := func(si int) {
		r := &runs[si]
		if r.series != nil && r.series.state.Record(&c.slos[si].spec, now, time.Unix(0, r.end), r.counts) {
			late[si] += r.spans
		}
		*r = run{}
	}
	resourceSeries := make([]*series, len(c.slos)) // for SLOs without group_by: one series per resource
	verdict := verdicts.outcomes

	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		resAttrs := rs.Resource().Attributes()
		service := ""
		if v, ok := resAttrs.Get(attrService); ok {
			service = c.labels.Bound(v.AsString())
		}
		if c.incidents != nil {
			if v, ok := resAttrs.Get("service.version"); ok {
				c.incidents.versions.observe(service, c.labels.Bound(v.AsString()), now)
			}
			c.incidents.setResource(resAttrs)
		}
		clear(resourceSeries)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			evaluated += int64(spans.Len())
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				weight := -1.0
				if c.incidents != nil {
					c.incidents.nextSpan()
				}
				for si, rt := range c.slos {
					out := verdict[si]
					switch out {
					case notValid:
						continue
					case evalFailed:
						ottlErrors++
						continue
					case invalidSpan:
						invalid[si]++
						continue
					}
					end := int64(span.EndTimestamp())
					reason := reasonExclude
					if out != excludedEvent && rt.maintenance.windows() {
						if r, ok := rt.maintenance.match(service, min(end, nowNano), nowNano); ok {
							out, reason = excludedEvent, r
						}
					}
					if weight < 0 {
						weight = c.weight(span)
					}
					s := resourceSeries[si]
					if s == nil {
						var overflowed bool
						var buf []byte
						s, buf, overflowed = rt.seriesFor(service, resAttrs, span, c.keyBuf, c.labels, nowTS)
						c.keyBuf = buf
						if overflowed {
							overflow[si]++
						}
						if len(rt.cfg.GroupBy) == 0 {
							resourceSeries[si] = s
						}
					}
					if out == excludedEvent {
						s.exclude(reason, weight)
						excluded[si]++
						continue
					}
					counts := window.Counts{Good: weight}
					if out == badEvent {
						counts = window.Counts{Bad: weight}
						s.addExemplar(span, weight)
					}
					if c.incidents != nil {
						c.incidents.observeSpan(s, span, out == badEvent, weight)
					}
					matched[si]++
					bucket := int64(-1)
					if end >= nowNano-int64(rt.spec.MaxLateness) {
						end = min(end, nowNano) // clock skew: a span from the future ends now
						bucket = end / int64(rt.spec.Unit)
					}
					r := &runs[si]
					if r.series != s || r.bucket != bucket {
						flush(si)
						r.series, r.bucket = s, bucket
					}
					r.end = end
					r.counts = r.counts.Add(counts)
					r.spans++
				}
				verdict = verdict[len(c.slos):]
			}
		}
	}
	for si := range runs {
		flush(si)
	}
	c.telemetry.ConnectorSloSpansEvaluated.Add(ctx, evaluated)
	if n := c.labels.TakeTruncated(); n > 0 {
		c.telemetry.ConnectorSloLabelValuesTruncated.Add(ctx, n)
	}
	if ottlErrors > 0 {
		c.telemetry.ConnectorSloOttlErrors.Add(ctx, ottlErrors)
	}
	for si, rt := range c.slos {
		attrs := c.sloAttrs[rt.cfg.Name]
		if matched[si] > 0 {
			c.telemetry.ConnectorSloSpansMatched.Add(ctx, matched[si], attrs)
		}
		if late[si] > 0 {
			c.telemetry.ConnectorSloLateSpans.Add(ctx, late[si], attrs)
		}
		if invalid[si] > 0 {
			c.telemetry.ConnectorSloInvalidSpans.Add(ctx, invalid[si], attrs)
		}
		if overflow[si] > 0 {
			c.telemetry.ConnectorSloSeriesOverflow.Add(ctx, overflow[si], attrs)
		}
		if excluded[si] > 0 {
			c.telemetry.ConnectorSloExcludedSpans.Add(ctx, excluded[si], attrs)
		}
	}
	return nil
}

// weight is the span's OTEP 235 adjusted count (1 ÷ sampling probability from ot=th), or 1
// when weighting is off, no threshold is present or the tracestate does not parse.
func (c *sloConnector) weight(span ptrace.Span) float64 {
	if c.cfg.SamplingWeight == weightNone {
		return 1
	}
	return c.weights.Read(span.TraceState().AsRaw()).Count
}

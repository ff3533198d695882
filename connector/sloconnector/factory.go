package sloconnector

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
	"github.com/otelcol-sre/otelcol-sre/internal/sharedcomponent"
)

// NewFactory returns the slo connector factory.
func NewFactory() connector.Factory {
	peers := &peerRegistry{ids: map[component.ID]int{}}
	shared := sharedcomponent.NewMap[component.ID, *sloConnector]()
	form := func(set connector.Settings, cfg component.Config, wire func(*sloConnector), metrics bool) (connector.Traces, error) {
		sc, err := shared.LoadOrStore(set.ID, func() (*sloConnector, error) {
			conn, err := newConnector(set.TelemetrySettings, cfg.(*Config), nil, time.Now)
			if err != nil {
				return nil, err
			}
			conn.id, conn.peers = set.ID, peers
			peers.add(set.ID)
			return conn, nil
		})
		if err != nil {
			return nil, err
		}
		wire(sc.Unwrap())
		return &connectorForm{Component: sc, metrics: metrics}, nil
	}
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToMetrics(func(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
			return form(set, cfg, func(c *sloConnector) { c.next = next }, true)
		}, metadata.TracesToMetricsStability),
		connector.WithTracesToLogs(func(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Logs) (connector.Traces, error) {
			return form(set, cfg, func(c *sloConnector) { c.logs = next }, false)
		}, metadata.TracesToLogsStability),
	)
}

// connectorForm is what the collector sees of one form: the traces→metrics and traces→logs
// forms of one connector ID share one connector, and both receive every trace batch. Only one
// form counts each batch: the metrics form, or the logs form when there is no metrics pipeline.
type connectorForm struct {
	*sharedcomponent.Component[*sloConnector]
	metrics bool
}

func (f *connectorForm) Capabilities() consumer.Capabilities { return f.Unwrap().Capabilities() }

func (f *connectorForm) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	conn := f.Unwrap()
	if !f.metrics && conn.next != nil {
		return nil
	}
	return conn.ConsumeTraces(ctx, td)
}

// peerRegistry knows the slo connectors of one collector (one factory), so each can tell at
// start whether its series need slo.connector to stay apart from another connector's.
type peerRegistry struct {
	mu  sync.Mutex
	ids map[component.ID]int
}

func (r *peerRegistry) add(id component.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids[id]++
}

func (r *peerRegistry) remove(id component.ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids[id]--; r.ids[id] <= 0 {
		delete(r.ids, id)
	}
}

func (r *peerRegistry) several() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids) > 1
}

func createDefaultConfig() component.Config {
	return &Config{
		EmitInterval:       15 * time.Second,
		MaxLateness:        5 * time.Minute,
		CardinalityLimit:   1000,
		MaxLabelLength:     label.DefaultMaxLength,
		Topology:           topologySingleWriter,
		SamplingWeight:     weightAdjustedCount,
		CheckpointInterval: 30 * time.Second,
		AlertSource:        alertSourceAuto,
		MergeWindow:        30 * time.Minute,
		Incidents:          defaultIncidents(),
		History:            defaultHistory(),
	}
}

// Unmarshal fills every SLO's defaults before the user's values are decoded over them.
// Mistakes the raw check finds are kept for Validate instead of returned: the collector wraps
// an unmarshal error in two layers of "decoding failed", while a validation error reaches the
// user as one plain line naming the connector.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if err := checkRaw(conf.ToStringMap()); err != nil {
		c.rawErr = err
		return nil
	}
	if err := conf.Unmarshal(c); err != nil {
		return err
	}
	for i := range c.SLOs {
		c.SLOs[i].applyDefaults()
	}
	return nil
}

// withDefaults is a copy of s with the defaults Unmarshal fills: the rules and the dry run accept
// a Config built in Go as well as a loaded one, without changing it.
func (s SLO) withDefaults() SLO {
	s.applyDefaults()
	return s
}

func (s *SLO) applyDefaults() {
	if s.Window.Rolling == 0 && s.Window.Calendar == "" {
		s.Window.Rolling = Duration(30 * 24 * time.Hour)
	}
	if s.Window.Calendar != "" && s.Window.Timezone == "" {
		s.Window.Timezone = "UTC"
	}
	if s.BudgetingMethod == "" {
		s.BudgetingMethod = budgetingOccurrences
	}
	if s.SLI.Valid == "" {
		s.SLI.Valid = defaultValid
	}
	if s.Alerting.Profile == "" {
		s.Alerting.Profile = profileGoogle
	}
}

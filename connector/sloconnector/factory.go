package sloconnector

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
)

// NewFactory returns the slo connector factory.
func NewFactory() connector.Factory {
	peers := &peerRegistry{ids: map[component.ID]int{}}
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToMetrics(func(ctx context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
			return createTracesToMetrics(ctx, set, cfg, next, peers)
		}, metadata.TracesToMetricsStability),
	)
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
		Topology:           topologySingleWriter,
		SamplingWeight:     weightAdjustedCount,
		CheckpointInterval: 30 * time.Second,
		AlertSource:        alertSourceAuto,
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

func createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics, peers *peerRegistry) (connector.Traces, error) {
	c := cfg.(*Config)
	for i := range c.SLOs {
		c.SLOs[i].applyDefaults()
	}
	conn, err := newConnector(set.TelemetrySettings, c, next, time.Now)
	if err != nil {
		return nil, err
	}
	conn.id, conn.peers = set.ID, peers
	peers.add(set.ID)
	return conn, nil
}

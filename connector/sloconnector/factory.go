package sloconnector

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/consumer"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
)

// NewFactory returns the slo connector factory.
func NewFactory() connector.Factory {
	return connector.NewFactory(
		metadata.Type,
		createDefaultConfig,
		connector.WithTracesToMetrics(createTracesToMetrics, metadata.TracesToMetricsStability),
	)
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

func createTracesToMetrics(_ context.Context, set connector.Settings, cfg component.Config, next consumer.Metrics) (connector.Traces, error) {
	c := cfg.(*Config)
	for i := range c.SLOs {
		c.SLOs[i].applyDefaults()
	}
	return newConnector(set.TelemetrySettings, c, next, time.Now)
}

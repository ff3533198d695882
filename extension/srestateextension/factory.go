package srestateextension

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelcol-sre/otelcol-sre/extension/srestateextension/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// NewFactory returns the sre_state extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	d := srestate.DefaultLimits
	return &Config{
		MaxSeries: d.MaxSeries, MaxIncidents: d.MaxIncidents, MaxServices: d.MaxServices,
		MaxDeploymentsPerService: d.MaxDeployments, TelemetryInterval: 15 * time.Second,
		Console: defaultConsole(),
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newExtension(set.TelemetrySettings, cfg.(*Config))
}

package admissionextension

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelcol-sre/otelcol-sre/extension/admissionextension/internal/metadata"
)

// NewFactory returns the admission extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	return &Config{MaxInFlight: 64, MaxWaiting: 64, MaxWait: 500 * time.Millisecond, MaxNestingDepth: 64, RetryAfter: time.Second}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newAdmission(set.TelemetrySettings, cfg.(*Config))
}

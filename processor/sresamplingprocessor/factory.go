package sresamplingprocessor

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/metadata"
)

// NewFactory returns the sre_sampling processor factory.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithTraces(createTraces, metadata.TracesStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		Ratio:          0.1,
		Errors:         ErrorsConfig{Enabled: true, HTTPStatusMin: 500, RPCGRPCStatusCodes: []int64{2, 4, 13, 14}},
		Latency:        LatencyConfig{Threshold: time.Second},
		DecisionWait:   5 * time.Second,
		MaxTraceAge:    60 * time.Second,
		MemoryLimitMiB: 256,
		DecisionCache:  DecisionCacheCfg{Kept: 100_000, Dropped: 1_000_000},
		MaxKeys:        10_000,
		MinErrorRatio:  0.1,
		AdjustInterval: 10 * time.Second,
		BudgetAware:    configoptional.Default(BudgetAwareConfig{RatioWhenBurning: 1, Cooldown: 10 * time.Minute, Severities: []string{"page"}}),
	}
}

func createTraces(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	return newProcessor(set.TelemetrySettings, cfg.(*Config), next, time.Now)
}

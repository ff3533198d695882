package pillarsexporter

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// NewFactory returns the pillars exporter factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithTraces(createTraces, metadata.TracesStability),
		exporter.WithMetrics(createMetrics, metadata.MetricsStability),
		exporter.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = "127.0.0.1:8890"
	return &Config{HTTP: server, Settings: Settings{
		EvaluationInterval: time.Minute,
		Frameworks:         []string{"aws", "azure", "gcp"},
		ServiceIdentity:    []string{"service.namespace", "service.name", "deployment.environment.name"},
		Thresholds:         score.Thresholds{Pass: 0.90, Warning: 0.75},
		MinCoverage:        0.5,
		Dora:               DoraConfig{Levels: "dora2024", AttributionWindow: 24 * time.Hour, Period: 30 * 24 * time.Hour, MinDeployments: 3},
		Targets:            TargetsConfig{LatencyP95: 300 * time.Millisecond, KeepRatioMinSpansPerSecond: 10},
		Window:             time.Hour,
		MinEvents:          100,
		MaxServices:        10_000,
		ServiceTTL:         24 * time.Hour,
	}}
}

// One scorer per component id, shared by the traces, metrics and logs pipelines.
var (
	instancesMu sync.Mutex
	instances   = map[*Config]*pillars{}
)

func instance(set exporter.Settings, cfg *Config) *pillars {
	instancesMu.Lock()
	defer instancesMu.Unlock()
	if p, ok := instances[cfg]; ok {
		return p
	}
	p := newPillars(cfg, set.TelemetrySettings, time.Now)
	p.id = set.ID
	instances[cfg] = p
	return p
}

func release(cfg *Config) func(context.Context) error {
	return func(ctx context.Context) error {
		instancesMu.Lock()
		p := instances[cfg]
		instancesMu.Unlock()
		if p == nil {
			return nil
		}
		err := p.Shutdown(ctx)
		p.mu.Lock()
		last := p.starts <= 0
		p.mu.Unlock()
		if last {
			instancesMu.Lock()
			delete(instances, cfg)
			instancesMu.Unlock()
		}
		return err
	}
}

func options(p *pillars, cfg *Config) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(p.Start),
		exporterhelper.WithShutdown(release(cfg)),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
	}
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	c := cfg.(*Config)
	p := instance(set, c)
	return exporterhelper.NewTraces(ctx, set, cfg, p.consumeTraces, options(p, c)...)
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	c := cfg.(*Config)
	p := instance(set, c)
	return exporterhelper.NewMetrics(ctx, set, cfg, p.consumeMetrics, options(p, c)...)
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	p := instance(set, c)
	return exporterhelper.NewLogs(ctx, set, cfg, p.consumeLogs, options(p, c)...)
}

package pillarsexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
	"github.com/otelcol-sre/otelcol-sre/internal/sharedcomponent"
)

// NewFactory returns the pillars exporter factory. Its traces, metrics and logs exporters of
// one component ID share one scorer (and one HTTP server).
func NewFactory() exporter.Factory {
	scorers := sharedcomponent.NewMap[component.ID, *pillars]()
	shared := func(set exporter.Settings, cfg component.Config) (*sharedcomponent.Component[*pillars], []exporterhelper.Option, error) {
		sc, err := scorers.LoadOrStore(set.ID, func() (*pillars, error) {
			p := newPillars(cfg.(*Config), set.TelemetrySettings, time.Now)
			p.id, p.version = set.ID, set.BuildInfo.Version
			return p, nil
		})
		if err != nil {
			return nil, nil, err
		}
		return sc, []exporterhelper.Option{
			exporterhelper.WithStart(sc.Start),
			exporterhelper.WithShutdown(sc.Shutdown),
			exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		}, nil
	}
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithTraces(func(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
			sc, opts, err := shared(set, cfg)
			if err != nil {
				return nil, err
			}
			return exporterhelper.NewTraces(ctx, set, cfg, sc.Unwrap().consumeTraces, opts...)
		}, metadata.TracesStability),
		exporter.WithMetrics(func(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
			sc, opts, err := shared(set, cfg)
			if err != nil {
				return nil, err
			}
			return exporterhelper.NewMetrics(ctx, set, cfg, sc.Unwrap().consumeMetrics, opts...)
		}, metadata.MetricsStability),
		exporter.WithLogs(func(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
			sc, opts, err := shared(set, cfg)
			if err != nil {
				return nil, err
			}
			return exporterhelper.NewLogs(ctx, set, cfg, sc.Unwrap().consumeLogs, opts...)
		}, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	// No endpoint: the pages mount on the sre_state console. Set one for a server of its own.
	server.NetAddr.Endpoint = ""
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
		MaxServices:        2_000,
		MaxLabelLength:     label.DefaultMaxLength,
		PageSize:           100,
		MaxMetricServices:  100,
		ServiceTTL:         24 * time.Hour,
		Standards:          defaultStandards(),
	}}
}

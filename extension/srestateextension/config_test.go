package srestateextension

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/configtest"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/otelcol-sre/otelcol-sre/extension/srestateextension/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

func TestConfigs(t *testing.T) {
	load := func(name string) *Config {
		cfg := NewFactory().CreateDefaultConfig()
		configtest.Decode(t, metadata.Type, name, cfg)
		return cfg.(*Config)
	}
	type limits struct {
		series, incidents, services, deployments int
		interval                                 time.Duration
	}
	bounds := func(c *Config) limits {
		return limits{c.MaxSeries, c.MaxIncidents, c.MaxServices, c.MaxDeploymentsPerService, c.TelemetryInterval}
	}
	if def := load(""); bounds(def) != (limits{10000, 1000, 1000, 64, 15 * time.Second}) || def.Console.HTTP.NetAddr.Endpoint != "" || def.Console.PageSize != 100 {
		t.Errorf("defaults: %+v", *def)
	} else if err := confmap.Validate(def); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	if custom := load("custom"); bounds(custom) != (limits{500, 50, 20, 8, 30 * time.Second}) || custom.Console.HTTP.NetAddr.Endpoint != "127.0.0.1:0" || custom.Console.PageSize != 50 {
		t.Errorf("custom: %+v", *custom)
	}
	err := confmap.Validate(load("bad"))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"max_series: 0", "max_incidents: -1", "max_services: 1000001", "max_deployments_per_service: 0", "telemetry_interval: 10ms", "console.page_size: 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// A component finds the board through the host's extensions, and the board keeps the bounds
// the config sets.
func TestBoardFoundThroughHost(t *testing.T) {
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.MaxSeries = 2
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ext.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	id := component.NewID(metadata.Type)
	board, err := srestate.Find(map[component.ID]component.Component{id: ext}, id)
	if err != nil {
		t.Fatal(err)
	}
	board.PublishSeries("slo", []srestate.SeriesState{{SLO: "a"}, {SLO: "b"}, {SLO: "c"}})
	if n := len(board.Series()); n != 2 {
		t.Errorf("%d series on a board bounded at 2", n)
	}
	if _, err := srestate.Find(map[component.ID]component.Component{}, id); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("missing extension: %v", err)
	}
	other := component.MustNewID("health_check")
	if _, err := srestate.Find(map[component.ID]component.Component{other: ext.(component.Component)}, id); err == nil {
		t.Error("found under another ID")
	}
}

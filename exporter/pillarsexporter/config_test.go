package pillarsexporter

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/metadata"
)

func load(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	if err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig().(*Config)
	if err := sub.Unmarshal(cfg); err != nil {
		return cfg, err
	}
	return cfg, confmap.Validate(cfg)
}

func TestConfigs(t *testing.T) {
	cfg, err := load(t, "minimal")
	if err != nil || cfg.NetAddr.Endpoint != "127.0.0.1:8890" || len(cfg.Frameworks) != 3 || cfg.Dora.Levels != "dora2024" {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = load(t, "full")
	if err != nil || cfg.Dora.Period != 7*24*time.Hour || cfg.Targets.LatencyP95 != 150*time.Millisecond || cfg.Thresholds.Pass != 0.8 {
		t.Fatalf("full: %+v %v", cfg, err)
	}
	defs := applyOverrides(builtinChecks(cfg.Targets), cfg.Checks)
	for _, d := range defs {
		if d.ID == "cost.sampling_keep_ratio" {
			t.Error("disabled check still in the profile")
		}
		if d.ID == "security.tls" && (d.Weight != 5 || d.Key) {
			t.Errorf("override not applied: %+v", d)
		}
	}
	for name, want := range map[string]string{
		"unknown_check":  `checks[0].id: "security.firewall" is not a built-in check`,
		"bad_thresholds": "thresholds.warning: 0.9",
		"bad_framework":  `frameworks[1]: framework "oracle"`,
		"bad_levels":     `dora.levels: "dora1999"`,
		"unknown_key":    "evaluaton_interval",
	} {
		if _, err := load(t, name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, want)
		}
	}
}

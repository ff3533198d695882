package sloconnector

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadata"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
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

func TestValidConfigs(t *testing.T) {
	for _, name := range []string{"minimal", "full", "timeslices"} {
		t.Run(name, func(t *testing.T) {
			if _, err := loadConfig(t, name); err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
		})
	}
	cfg, _ := loadConfig(t, "minimal")
	slo := cfg.SLOs[0]
	if time.Duration(slo.Window.Rolling) != 30*24*time.Hour || slo.SLI.Valid != defaultValid ||
		slo.BudgetingMethod != budgetingOccurrences || slo.Alerting.Profile != profileGoogle {
		t.Errorf("defaults not applied: %+v", slo)
	}
	cfg, _ = loadConfig(t, "full")
	if cfg.Topology != topologySharded || cfg.CardinalityLimit != 50 || time.Duration(cfg.SLOs[1].Window.Rolling) != 28*24*time.Hour ||
		cfg.SLOs[1].SLI.Latency.Threshold != 300*time.Millisecond || cfg.SLOs[0].Window.Timezone != "Europe/Berlin" {
		t.Errorf("full config decoded wrongly: %+v", cfg)
	}
}

func TestInvalidConfigsNameTheField(t *testing.T) {
	for name, want := range map[string][]string{
		"invalid_objective":  {"slos[0] (bad-objective).objective", "100"},
		"duplicate_names":    {"slos[1] (twice).name: duplicate of slos[0]"},
		"no_sli":             {"slos[0] (nothing).sli: exactly one of good, bad, latency"},
		"two_slis":           {"slos[0] (both).sli: exactly one of good, bad, latency", "(2 are)"},
		"bad_ottl":           {"slos[0] (broken-ottl).sli.bad", "does not parse"},
		"bad_timezone":       {"slos[0] (tz).window.timezone", "Mars/Olympus_Mons"},
		"unknown_key":        {"objectve"},
		"no_slos":            {"slos: at least one SLO is required"},
		"sharded_timeslices": {"budgeting_method: timeslices needs topology single_writer"},
		"short_period":       {"slos[0] (short).window", "shorter than the longest alert window (3d)"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(t, name)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDurationAcceptsDaysAndWeeks(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 720 * time.Hour, "2w": 336 * time.Hour, "36h": 36 * time.Hour} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v %v", in, time.Duration(d), err)
		}
	}
	for _, in := range []string{"d", "0d", "-3d", "3x", "1.5d"} {
		var d Duration
		if err := d.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("%q accepted as %v", in, time.Duration(d))
		}
	}
}

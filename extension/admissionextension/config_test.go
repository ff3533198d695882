package admissionextension

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-sre/otelcol-sre/extension/admissionextension/internal/metadata"
)

func TestConfigs(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string) *Config {
		cfg := NewFactory().CreateDefaultConfig()
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.Unmarshal(cfg); err != nil {
			t.Fatal(err)
		}
		return cfg.(*Config)
	}
	if def := load(""); *def != (Config{MaxInFlight: 64, MaxWaiting: 64, MaxWait: 500 * time.Millisecond, MaxNestingDepth: 64, RetryAfter: time.Second}) {
		t.Errorf("defaults: %+v", *def)
	} else if err := confmap.Validate(def); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	custom := load("custom")
	if *custom != (Config{MaxInFlight: 8, MaxWaiting: 16, MaxWait: 250 * time.Millisecond, MaxNestingDepth: 32, RetryAfter: 2 * time.Second}) {
		t.Errorf("custom: %+v", *custom)
	}
	err = confmap.Validate(load("bad"))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"max_in_flight: 0", "max_waiting: -1", "max_wait: 2m0s", "max_nesting_depth: 3", "retry_after: 10ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

package admissionextension

import (
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/configtest"

	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-sre/otelcol-sre/extension/admissionextension/internal/metadata"
)

func TestConfigs(t *testing.T) {
	load := func(name string) *Config {
		cfg := NewFactory().CreateDefaultConfig()
		configtest.Decode(t, metadata.Type, name, cfg)
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
	err := confmap.Validate(load("bad"))
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"max_in_flight: 0", "max_waiting: -1", "max_wait: 2m0s", "max_nesting_depth: 3", "retry_after: 10ms"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

package sresamplingprocessor

import (
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/configtest"

	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/metadata"
)

func load(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	return cfg, configtest.Load(t, metadata.Type, name, cfg)
}

func TestLoadConfig(t *testing.T) {
	cfg, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Ratio != 0.1 || !cfg.Errors.Enabled || cfg.Errors.HTTPStatusMin != 500 || cfg.Latency.Threshold != time.Second ||
		cfg.DecisionWait != 5*time.Second || cfg.MaxTraceAge != time.Minute || cfg.MemoryLimitMiB != 256 || cfg.budgetAware() != nil {
		t.Fatalf("an empty section does not give the defaults: %+v", cfg)
	}
	cfg, err = load(t, "full")
	if err != nil {
		t.Fatal(err)
	}
	ba := cfg.budgetAware()
	if cfg.Ratio != 0.25 || cfg.Errors.HTTPStatusMin != 502 || len(cfg.Errors.RPCGRPCStatusCodes) != 2 ||
		cfg.Latency.Threshold != 750*time.Millisecond || cfg.Latency.PerService["checkout"] != 300*time.Millisecond ||
		len(cfg.KeepWhen) != 1 || len(cfg.Rules) != 2 || cfg.Rules[1].Ratio != 0.01 || cfg.Rules[0].Action != "drop" ||
		cfg.DecisionWait != 2*time.Second || cfg.MaxTraceAge != 30*time.Second || cfg.MemoryLimitMiB != 128 ||
		cfg.MaxTraceBytes != 1<<20 || cfg.DecisionCache.Kept != 50000 || cfg.NumShards != 4 || len(cfg.Keys) != 2 ||
		cfg.TargetSpansPerSecond != 2000 || cfg.MaxKeys != 5000 || cfg.MaxSpansPerSecond != 10000 || cfg.MinErrorRatio != 0.2 ||
		cfg.AdjustInterval != 5*time.Second || cfg.State == nil || cfg.State.String() != "sre_state" ||
		ba == nil || ba.RatioWhenBurning != 0.5 || ba.Cooldown != 5*time.Minute || len(ba.Severities) != 2 {
		t.Fatalf("full: %+v (budget_aware %+v)", cfg, ba)
	}
	if cfg, err := load(t, "budget_off"); err != nil || cfg.budgetAware() != nil {
		t.Fatalf("budget_aware enabled: false: %v, on = %v", err, cfg.budgetAware() != nil)
	}
}

// Every mistake names its field; an enum compared with a literal is refused as in SLIs, because
// OTTL evaluates it without error and the rule would never match.
func TestConfigErrorsNameTheField(t *testing.T) {
	for name, want := range map[string][]string{
		"enum_status":         {"rules[0].when", "compares status.code with \"ERROR\"", "STATUS_CODE_ERROR"},
		"enum_kind_keep_when": {"keep_when[1]", "compares kind with 2", "SPAN_KIND_SERVER"},
		"bad_ottl":            {"rules[1].when", "does not parse"},
		"bad_ratio":           {"ratio: 1.5 must be in (0, 1]"},
		"bad_age":             {"max_trace_age: 1s must be at least decision_wait (5s)"},
	} {
		_, err := load(t, name)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v\n  does not contain %q", name, err, w)
			}
		}
	}
}

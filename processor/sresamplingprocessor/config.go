package sresamplingprocessor

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"

	"github.com/otelcol-sre/otelcol-sre/internal/ottlcond"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
)

// Config of the sre_sampling processor.
type Config struct {
	// Ratio is the keep probability of ordinary traces, in (0, 1] (default 0.1), written as a
	// 4-hex-digit OTEP 235 threshold (th:e666 for 0.1).
	Ratio float64 `mapstructure:"ratio"`
	// Errors says which spans make their trace an error trace, kept whole.
	Errors ErrorsConfig `mapstructure:"errors"`
	// Latency says which spans make their trace a slow trace, kept whole.
	Latency LatencyConfig `mapstructure:"latency"`
	// KeepWhen are OTTL span conditions; a match keeps the trace at once, as keep rules after Rules
	// do.
	KeepWhen []string `mapstructure:"keep_when"`
	// Rules are ordered rules; the first whose condition a span of the trace matches decides it.
	Rules []RuleConfig `mapstructure:"rules"`
	// DecisionWait: an ordinary trace is decided this long after its root span arrived, or after its
	// last span if no root has come (default 5s, 10ms–10m).
	DecisionWait time.Duration `mapstructure:"decision_wait"`
	// MaxTraceAge caps the time from a trace's first span to its decision (default 60s, at least
	// DecisionWait, at most 24h); also how long a refused release is retried.
	MaxTraceAge time.Duration `mapstructure:"max_trace_age"`
	// MemoryLimitMiB is the one budget (default 256): buffered spans, per-trace state, decision
	// caches, key table and kept spans waiting to be forwarded.
	MemoryLimitMiB int64 `mapstructure:"memory_limit_mib"`
	// MaxTraceBytes: a trace whose buffered bytes pass it is decided early, alone (default a sixteenth
	// of the budget; 64 KiB to half the budget).
	MaxTraceBytes int64 `mapstructure:"max_trace_bytes"`
	// DecisionCache sizes the verdicts remembered for late spans.
	DecisionCache DecisionCacheCfg `mapstructure:"decision_cache"`
	// NumShards is the number of independent engines by trace ID, each with its own lock (default
	// GOMAXPROCS, 1–1024).
	NumShards int `mapstructure:"num_shards"`

	// Dynamic sampling and the throughput cap.
	Keys []string `mapstructure:"keys"`
	// TargetSpansPerSecond, with Keys, is the ordinary spans per second to keep, shared max-min fairly
	// among keys; 0 keeps the static Ratio.
	TargetSpansPerSecond float64 `mapstructure:"target_spans_per_second"`
	// MaxKeys bounds the distinct keys tracked (default 10000, 1–1000000); further values share one
	// "other" key.
	MaxKeys int `mapstructure:"max_keys"`
	// MaxSpansPerSecond caps everything kept, evidence included, with thresholds written; 0 (default)
	// sets no cap.
	MaxSpansPerSecond float64 `mapstructure:"max_spans_per_second"`
	// MinErrorRatio: the cap never keeps less than this share of error, slow and keep-all traces
	// (default 0.1).
	MinErrorRatio float64 `mapstructure:"min_error_ratio"`
	// AdjustInterval is how often per-key ratios and the cap adapt (default 10s, 1s–1h).
	AdjustInterval time.Duration `mapstructure:"adjust_interval"`

	// State names the sre_state extension whose alert state budget_aware reads.
	State *component.ID `mapstructure:"state"`
	// BudgetAware is on when the section is present (`enabled: false` turns it off).
	BudgetAware configoptional.Optional[BudgetAwareConfig] `mapstructure:"budget_aware"`
}

// BudgetAwareConfig raises a service's ratio while one of its SLOs pages, so the good
// requests a responder compares the bad ones with are there.
type BudgetAwareConfig struct {
	// RatioWhenBurning is the ratio of a burning service's ordinary traces.
	RatioWhenBurning float64 `mapstructure:"ratio_when_burning"`
	// Cooldown keeps the boost this long after the alert clears.
	Cooldown time.Duration `mapstructure:"cooldown"`
	// Severities are the alert severities that boost: page, and optionally ticket.
	Severities []string `mapstructure:"severities"`
}

// budgetAware is the budget_aware section when it is on, else nil.
func (c *Config) budgetAware() *BudgetAwareConfig { return c.BudgetAware.Get() }

// ErrorsConfig says which spans make their trace an error trace.
type ErrorsConfig struct {
	// Enabled makes a span with status ERROR evidence (default true); false turns every error
	// condition off.
	Enabled bool `mapstructure:"enabled"`
	// HTTPStatusMin also makes a server span with http.response.status_code (or http.status_code) at
	// or above it evidence (default 500); 0 turns it off.
	HTTPStatusMin int64 `mapstructure:"http_status_min"`
	// RPCGRPCStatusCodes also make a span whose rpc.grpc.status_code is listed evidence (default
	// UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE).
	RPCGRPCStatusCodes []int64 `mapstructure:"rpc_grpc_status_codes"`
}

// LatencyConfig makes a trace slow when any of its spans lasts longer than the threshold.
type LatencyConfig struct {
	// Threshold: a trace is slow when any of its spans lasts longer (default 1s); 0 turns it off, else
	// at least 1µs.
	Threshold time.Duration `mapstructure:"threshold"`
	// PerService are thresholds by resource service.name that replace Threshold (at least 1µs).
	PerService map[string]time.Duration `mapstructure:"per_service"`
}

// RuleConfig is one ordered rule: when any span of a trace matches When, the first matching
// rule decides the trace.
type RuleConfig struct {
	// Name labels the rule in telemetry and errors.
	Name string `mapstructure:"name"`
	// When is the OTTL span condition; any span of the trace matching it selects the rule.
	When   string  `mapstructure:"when"`
	Action string  `mapstructure:"action"` // keep or drop
	Ratio  float64 `mapstructure:"ratio"`  // keep: 0 or 1 keeps all, else the trace's ratio
}

// DecisionCacheCfg sizes the caches late spans follow.
type DecisionCacheCfg struct {
	// Kept is the verdicts of evidence-kept traces remembered for late spans (default 100000, 16 B
	// each, in the budget).
	Kept int `mapstructure:"kept"`
	// Dropped is the verdicts of ratio-decided and dropped traces remembered (default 1000000, 16 B
	// each, in the budget).
	Dropped int `mapstructure:"dropped"`
}

func (c *Config) shards() int {
	if c.NumShards > 0 {
		return c.NumShards
	}
	return runtime.GOMAXPROCS(0)
}

func (c *Config) budgetBytes() int64 { return c.MemoryLimitMiB << 20 }

// Validate implements confmap's Validator.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !(c.Ratio > 0 && c.Ratio <= 1) {
		add("ratio: %v must be in (0, 1]", c.Ratio)
	} else if _, err := sampling.ProbabilityToThresholdWithPrecision(c.Ratio, thresholdPrecision); err != nil {
		add("ratio: %v: %w", c.Ratio, err)
	}
	if c.Errors.HTTPStatusMin != 0 && (c.Errors.HTTPStatusMin < 100 || c.Errors.HTTPStatusMin > 599) {
		add("errors.http_status_min: %d must be an HTTP status code (100-599), or 0 to disable", c.Errors.HTTPStatusMin)
	}
	for i, code := range c.Errors.RPCGRPCStatusCodes {
		if code < 0 || code > 16 {
			add("errors.rpc_grpc_status_codes[%d]: %d is not a gRPC status code (0-16)", i, code)
		}
	}
	if c.Latency.Threshold != 0 && c.Latency.Threshold < time.Microsecond {
		add("latency.threshold: %v must be at least 1µs (0 disables it)", c.Latency.Threshold)
	}
	for svc, d := range c.Latency.PerService {
		if d < time.Microsecond {
			add("latency.per_service[%s]: %v must be at least 1µs", svc, d)
		}
	}
	if _, err := compileConditions("keep_when", c.KeepWhen); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateRules()...)
	// The decision ticker runs every min(100ms, decision_wait/4); below 10ms the wait is shorter
	// than a batch takes to arrive, and a zero tick would stop the processor at start.
	if c.DecisionWait < 10*time.Millisecond || c.DecisionWait > 10*time.Minute {
		add("decision_wait: %v must be between 10ms and 10m", c.DecisionWait)
	}
	if c.MaxTraceAge < c.DecisionWait || c.MaxTraceAge > 24*time.Hour {
		add("max_trace_age: %v must be at least decision_wait (%v) and at most 24h", c.MaxTraceAge, c.DecisionWait)
	}
	errs = append(errs, c.validateMemory()...)
	if c.NumShards < 0 || c.NumShards > 1024 {
		add("num_shards: %d must be between 0 (GOMAXPROCS) and 1024", c.NumShards)
	}
	errs = append(errs, c.validateThroughput()...)
	return errors.Join(errs...)
}

func (c *Config) validateMemory() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.MemoryLimitMiB <= 0 || c.MemoryLimitMiB > 1<<20 {
		add("memory_limit_mib: %d must be between 1 and 1048576", c.MemoryLimitMiB)
		return errs
	}
	if c.DecisionCache.Kept < 0 || c.DecisionCache.Dropped < 0 {
		add("decision_cache: kept %d and dropped %d must not be negative", c.DecisionCache.Kept, c.DecisionCache.Dropped)
	} else if caches := decide.CacheBytes(c.DecisionCache.Kept) + decide.CacheBytes(c.DecisionCache.Dropped); caches > c.budgetBytes()/2 {
		add("decision_cache: %d + %d entries take %d MiB, more than half of memory_limit_mib (%d); the caches are part of the budget",
			c.DecisionCache.Kept, c.DecisionCache.Dropped, caches>>20, c.MemoryLimitMiB)
	}
	if c.MaxTraceBytes != 0 && (c.MaxTraceBytes < 64<<10 || c.MaxTraceBytes > c.budgetBytes()/2) {
		add("max_trace_bytes: %d must be 0 (a sixteenth of memory_limit_mib) or between 65536 and half of memory_limit_mib (%d)",
			c.MaxTraceBytes, c.budgetBytes()/2)
	}
	return errs
}

func (c *Config) maxTraceBytes() int64 {
	if c.MaxTraceBytes > 0 {
		return c.MaxTraceBytes
	}
	return c.budgetBytes() / 16
}

func (c *Config) validateRules() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, r := range c.Rules {
		switch r.Action {
		case "keep":
			if !(r.Ratio >= 0 && r.Ratio <= 1) {
				add("rules[%d].ratio: %v must be in [0, 1] (0 or 1 keeps every span)", i, r.Ratio)
			} else if r.Ratio > 0 && r.Ratio < 1 {
				if _, err := sampling.ProbabilityToThresholdWithPrecision(r.Ratio, thresholdPrecision); err != nil {
					add("rules[%d].ratio: %v: %w", i, r.Ratio, err)
				}
			}
		case "drop":
			if r.Ratio != 0 {
				add("rules[%d].ratio: %v is only for action keep", i, r.Ratio)
			}
		default:
			add("rules[%d].action: %q must be keep or drop", i, r.Action)
		}
		if r.When == "" {
			add("rules[%d].when: an OTTL span condition is required", i)
		} else if _, err := compileConditions(fmt.Sprintf("rules[%d].when", i), []string{r.When}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.Rules)+len(c.KeepWhen) > 1000 {
		add("rules: %d rules and keep_when conditions; at most 1000", len(c.Rules)+len(c.KeepWhen))
	}
	return errs
}

func (c *Config) validateThroughput() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, k := range c.Keys {
		if k == "" {
			add("keys[%d]: an attribute name is required", i)
		}
	}
	if len(c.Keys) > 0 && c.TargetSpansPerSecond <= 0 {
		add("target_spans_per_second: %v must be positive when keys are set", c.TargetSpansPerSecond)
	}
	if c.TargetSpansPerSecond < 0 || c.TargetSpansPerSecond > 1e9 {
		add("target_spans_per_second: %v must be between 0 (a static ratio) and 1e9", c.TargetSpansPerSecond)
	}
	if c.MaxSpansPerSecond < 0 || c.MaxSpansPerSecond > 1e9 {
		add("max_spans_per_second: %v must be between 0 (no cap) and 1e9", c.MaxSpansPerSecond)
	}
	if c.MaxSpansPerSecond > 0 && c.TargetSpansPerSecond > c.MaxSpansPerSecond {
		add("target_spans_per_second: %v must not exceed max_spans_per_second (%v)", c.TargetSpansPerSecond, c.MaxSpansPerSecond)
	}
	if !(c.MinErrorRatio > 0 && c.MinErrorRatio <= 1) {
		add("min_error_ratio: %v must be in (0, 1]", c.MinErrorRatio)
	}
	if c.MaxKeys < 1 || c.MaxKeys > 1_000_000 {
		add("max_keys: %d must be between 1 and 1000000", c.MaxKeys)
	}
	if c.AdjustInterval < time.Second || c.AdjustInterval > time.Hour {
		add("adjust_interval: %v must be between 1s and 1h", c.AdjustInterval)
	}
	if ba := c.budgetAware(); ba != nil {
		if len(ba.Severities) == 0 {
			add("budget_aware.severities: at least one of page, ticket is required")
		}
		for i, sev := range ba.Severities {
			if sev != "page" && sev != "ticket" {
				add("budget_aware.severities[%d]: %q must be page or ticket", i, sev)
			}
		}
		if !(ba.RatioWhenBurning > 0 && ba.RatioWhenBurning <= 1) {
			add("budget_aware.ratio_when_burning: %v must be in (0, 1]", ba.RatioWhenBurning)
		}
		if ba.Cooldown < 0 || ba.Cooldown > 24*time.Hour {
			add("budget_aware.cooldown: %v must be between 0s and 24h", ba.Cooldown)
		}
	}
	return errs
}

type ottlCondition = ottlcond.Condition

func compileConditions(path string, conditions []string) ([]*ottlCondition, error) {
	if len(conditions) == 0 {
		return nil, nil
	}
	parser, err := ottlcond.NewParser()
	if err != nil {
		return nil, fmt.Errorf("%s: OTTL parser: %w", path, err)
	}
	out := make([]*ottlCondition, 0, len(conditions))
	for i, cond := range conditions {
		at := fmt.Sprintf("%s[%d]", path, i)
		if len(conditions) == 1 && path != "keep_when" {
			at = path
		}
		parsed, err := ottlcond.Compile(parser, at, cond)
		if err != nil {
			return nil, err
		}
		out = append(out, parsed)
	}
	return out, nil
}

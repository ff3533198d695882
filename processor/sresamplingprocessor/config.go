package sresamplingprocessor

import (
	"errors"
	"fmt"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"

	"github.com/otelcol-sre/otelcol-sre/internal/ottlspanfuncs"
)

// Config of the sre_sampling processor.
type Config struct {
	Ratio          float64          `mapstructure:"ratio"`
	Errors         ErrorsConfig     `mapstructure:"errors"`
	Latency        LatencyConfig    `mapstructure:"latency"`
	KeepWhen       []string         `mapstructure:"keep_when"`
	DecisionWait   time.Duration    `mapstructure:"decision_wait"`
	MaxTraceAge    time.Duration    `mapstructure:"max_trace_age"`
	MemoryLimitMiB int64            `mapstructure:"memory_limit_mib"`
	DecisionCache  DecisionCacheCfg `mapstructure:"decision_cache"`
}

// ErrorsConfig says which spans make their trace an error trace.
type ErrorsConfig struct {
	Enabled            bool    `mapstructure:"enabled"`
	HTTPStatusMin      int64   `mapstructure:"http_status_min"`
	RPCGRPCStatusCodes []int64 `mapstructure:"rpc_grpc_status_codes"`
}

// LatencyConfig makes a trace slow when any of its spans lasts longer than the threshold.
type LatencyConfig struct {
	Threshold  time.Duration            `mapstructure:"threshold"`
	PerService map[string]time.Duration `mapstructure:"per_service"`
}

// DecisionCacheCfg sizes the caches late spans follow.
type DecisionCacheCfg struct {
	Kept    int `mapstructure:"kept"`
	Dropped int `mapstructure:"dropped"`
}

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
	if c.Latency.Threshold < 0 {
		add("latency.threshold: %v must not be negative (0 disables it)", c.Latency.Threshold)
	}
	for svc, d := range c.Latency.PerService {
		if d <= 0 {
			add("latency.per_service[%s]: %v must be positive", svc, d)
		}
	}
	if _, err := compileKeepWhen(c.KeepWhen); err != nil {
		errs = append(errs, err)
	}
	// The decision ticker runs every min(100ms, decision_wait/4); below 10ms the wait is shorter
	// than a batch takes to arrive, and a zero tick would stop the processor at start.
	if c.DecisionWait < 10*time.Millisecond || c.DecisionWait > 10*time.Minute {
		add("decision_wait: %v must be between 10ms and 10m", c.DecisionWait)
	}
	if c.MaxTraceAge < c.DecisionWait || c.MaxTraceAge > 24*time.Hour {
		add("max_trace_age: %v must be at least decision_wait (%v) and at most 24h", c.MaxTraceAge, c.DecisionWait)
	}
	if c.MemoryLimitMiB <= 0 {
		add("memory_limit_mib: %d must be positive", c.MemoryLimitMiB)
	}
	if c.DecisionCache.Kept < 0 || c.DecisionCache.Dropped < 0 {
		add("decision_cache: kept %d and dropped %d must not be negative", c.DecisionCache.Kept, c.DecisionCache.Dropped)
	}
	return errors.Join(errs...)
}

type keepCondition = *ottlCondition

func compileKeepWhen(conditions []string) ([]keepCondition, error) {
	if len(conditions) == 0 {
		return nil, nil
	}
	parser, err := ottlspanfuncs.NewParser()
	if err != nil {
		return nil, fmt.Errorf("keep_when: OTTL parser: %w", err)
	}
	out := make([]keepCondition, 0, len(conditions))
	for i, cond := range conditions {
		parsed, err := parser.ParseCondition(cond)
		if err != nil {
			return nil, fmt.Errorf("keep_when[%d]: %q does not parse: %w", i, cond, err)
		}
		out = append(out, parsed)
	}
	return out, nil
}

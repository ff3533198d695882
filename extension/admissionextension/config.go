package admissionextension

import (
	"errors"
	"fmt"
	"time"
)

// Config bounds the requests a receiver works on at once.
type Config struct {
	// MaxInFlight is how many export requests are worked on at once, across every receiver
	// that uses this extension.
	MaxInFlight int `mapstructure:"max_in_flight"`
	// MaxWaiting is how many more may wait for a slot; beyond it a request is refused at once.
	MaxWaiting int `mapstructure:"max_waiting"`
	// MaxWait is how long a request waits for a slot before it is refused.
	MaxWait time.Duration `mapstructure:"max_wait"`
	// MaxNestingDepth refuses a request whose protobuf messages nest deeper than this (JSON:
	// objects and arrays deeper than twice this) before it is decoded: the OTLP decoders recurse
	// per level, and a deep enough payload overflows the stack and kills the collector.
	MaxNestingDepth int `mapstructure:"max_nesting_depth"`
	// RetryAfter is the delay suggested to refused clients (gRPC RetryInfo, HTTP Retry-After).
	RetryAfter time.Duration `mapstructure:"retry_after"`
}

// Validate names the field and the bound each value breaks.
func (c *Config) Validate() error {
	var errs []error
	if c.MaxInFlight < 1 || c.MaxInFlight > 100_000 {
		errs = append(errs, fmt.Errorf("max_in_flight: %d must be between 1 and 100000", c.MaxInFlight))
	}
	if c.MaxWaiting < 0 || c.MaxWaiting > 1_000_000 {
		errs = append(errs, fmt.Errorf("max_waiting: %d must be between 0 and 1000000", c.MaxWaiting))
	}
	if c.MaxWait < 0 || c.MaxWait > time.Minute {
		errs = append(errs, fmt.Errorf("max_wait: %s must be between 0s and 1m (clients time out after 10s by default)", c.MaxWait))
	}
	if c.MaxNestingDepth < 16 || c.MaxNestingDepth > 10_000 {
		errs = append(errs, fmt.Errorf("max_nesting_depth: %d must be between 16 (OTLP metrics nest 9 deep before any attribute) and 10000", c.MaxNestingDepth))
	}
	if c.RetryAfter < time.Second || c.RetryAfter > 5*time.Minute {
		errs = append(errs, fmt.Errorf("retry_after: %s must be between 1s and 5m (HTTP Retry-After counts whole seconds)", c.RetryAfter))
	}
	return errors.Join(errs...)
}

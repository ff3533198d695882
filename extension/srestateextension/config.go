package srestateextension

import (
	"errors"
	"fmt"
	"time"
)

// Config bounds the shared state.
type Config struct {
	// MaxSeries bounds the SLO series published by every connector together.
	MaxSeries int `mapstructure:"max_series"`
	// MaxIncidents bounds the incidents shown (open and resolved); resolved ones are evicted first.
	MaxIncidents int `mapstructure:"max_incidents"`
	// MaxServices bounds the services whose deployments are kept for linking to incidents.
	MaxServices int `mapstructure:"max_services"`
	// MaxDeploymentsPerService bounds each service's deployments kept; the newest stay.
	MaxDeploymentsPerService int `mapstructure:"max_deployments_per_service"`
	// TelemetryInterval is how often the board's size is recorded.
	TelemetryInterval time.Duration `mapstructure:"telemetry_interval"`
	// Console serves the SRE console (/slos, /incidents, and the scorecard and /metrics a
	// pillars exporter mounts) when console.endpoint is set.
	Console ConsoleConfig `mapstructure:"console"`
}

// Validate names the field and the bound each value breaks.
func (c *Config) Validate() error {
	var errs []error
	check := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s: %d must be between %d and %d", field, v, lo, hi))
		}
	}
	check("max_series", c.MaxSeries, 1, 1_000_000)
	check("max_incidents", c.MaxIncidents, 1, 100_000)
	check("max_services", c.MaxServices, 1, 100_000)
	check("max_deployments_per_service", c.MaxDeploymentsPerService, 1, 10_000)
	if c.TelemetryInterval < time.Second || c.TelemetryInterval > time.Hour {
		errs = append(errs, fmt.Errorf("telemetry_interval: %s must be between 1s and 1h", c.TelemetryInterval))
	}
	if err := c.Console.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

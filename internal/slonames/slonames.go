// Package slonames holds the attribute names of the slo connector's series, for every part of
// the distribution that reads or selects them (the connector, its rules generator, pillars).
package slonames

const (
	SLOName      = "slo.name"
	Service      = "service.name"
	Outcome      = "slo.outcome"
	Window       = "slo.window"
	Severity     = "slo.alert.severity"
	Overflow     = "slo.overflow"
	InstanceID   = "collector.instance.id"
	Connector    = "slo.connector"
	PeriodStart  = "slo.period.start"  // a closed calendar period, RFC 3339 in the SLO's zone
	ObjectiveMet = "slo.objective.met" // whether that period's final SLI met the objective
)

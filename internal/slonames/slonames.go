// Package slonames holds the attribute names of the slo connector's series, for every part of
// the distribution that reads or selects them (the connector, its rules generator, pillars).
package slonames

import "github.com/prometheus/otlptranslator"

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

// The connector's metric names, for the connector that emits them and the readers that select
// them.
const (
	MetricEvents                = "slo.events"
	MetricWindowEvents          = "slo.window.events"
	MetricPeriodLength          = "slo.period.length"
	MetricObjective             = "slo.objective"
	MetricSLI                   = "slo.sli"
	MetricBurnRate              = "slo.burn_rate"
	MetricBudgetRemaining       = "slo.error_budget.remaining"
	MetricBudgetExhaustion      = "slo.error_budget.exhaustion"
	MetricBudgetExhausted       = "slo.error_budget.exhausted"
	MetricAlertActive           = "slo.alert.active"
	MetricPeriodCompliance      = "slo.period.compliance"
	MetricPeriodBudgetRemaining = "slo.period.error_budget.remaining"
	MetricEventsExcluded        = "slo.events.excluded"
	MetricMaintenanceActive     = "slo.maintenance.active"
	// MetricPrefix starts every one of them.
	MetricPrefix = "slo."
	// Scope is the instrumentation scope of every metric the connector emits: without an
	// sre_state board, it is how pillars tells the connector's points from a client's.
	Scope = "github.com/otelcol-sre/otelcol-sre/connector/sloconnector"
)

// labelNamer is the translation the prometheus exporter applies to attribute names by default
// (underscore escaping: "http.route" is http_route, "a..b" is a_b, "1x" is key_1x), so every
// reader names a label as the exporter emits it.
var labelNamer = otlptranslator.LabelNamer{UnderscoreLabelSanitization: true} //nolint:staticcheck // the exporter's default

// LabelName is the Prometheus name the prometheus exporter gives an OTel attribute.
func LabelName(attr string) (string, error) { return labelNamer.Build(attr) }

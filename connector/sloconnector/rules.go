package sloconnector

import (
	"fmt"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/rules"
)

// resolvedAlertSource is where the generated alerts come from: a single writer's own state is
// the truth; sharded replicas only have additive counts, so Prometheus must evaluate the tiers.
func (c *Config) resolvedAlertSource() string {
	switch c.AlertSource {
	case alertSourceConnector, alertSourceRules:
		return c.AlertSource
	}
	if c.Topology == topologySharded {
		return alertSourceRules
	}
	return alertSourceConnector
}

// PrometheusRules renders the rules for every SLO of the config, for a collector with this one
// slo connector.
func (c *Config) PrometheusRules() ([]byte, error) { return RulesDocument(ConnectorRules{Config: c}) }

// ConnectorRules is one slo connector for RulesDocument. ID is set when the collector runs more
// than one slo connector: their series then carry slo.connector, and so do the rules.
type ConnectorRules struct {
	ID     string
	Config *Config
}

// RulesDocument renders one rules file for any number of slo connectors (internal/rules does
// the work; cmd/slo-rules and rules_file both come here).
func RulesDocument(connectors ...ConnectorRules) ([]byte, error) {
	var slos []rules.SLO
	for _, cr := range connectors {
		c := cr.Config
		for i := range c.SLOs {
			slo := c.SLOs[i].withDefaults()
			spec, err := slo.spec(c.MaxLateness)
			if err != nil {
				return nil, fmt.Errorf("slos[%d] (%s): %w", i, slo.Name, err)
			}
			a := slo.Alerting
			slos = append(slos, rules.SLO{
				Name: slo.Name, Service: slo.Service, Description: slo.Description, RunbookURL: slo.RunbookURL,
				ObjectivePercent: slo.Objective, GroupBy: slo.GroupBy, Labels: slo.Labels, Spec: spec,
				AlertSource: c.resolvedAlertSource(), Connector: cr.ID,
				Alerting: rules.Alerting{
					Name: a.alertName(), Labels: a.Labels, Annotations: a.Annotations,
					Page:   rules.Severity{Labels: a.Page.Labels, Annotations: a.Page.Annotations},
					Ticket: rules.Severity{Labels: a.Ticket.Labels, Annotations: a.Ticket.Annotations},
					BudgetExhausted: rules.Exhausted{Disable: a.BudgetExhausted.Disable, Threshold: a.BudgetExhausted.Threshold,
						Labels: a.BudgetExhausted.Labels, Annotations: a.BudgetExhausted.Annotations},
					Absent: rules.Absent{Disable: a.Absent.Disable, For: a.absentFor(), Labels: a.Absent.Labels},
				},
			})
		}
	}
	return rules.Document(slos)
}

// promLabel is the Prometheus name the exporter gives an OTel attribute.
func promLabel(attr string) string {
	l, _ := rules.LabelName(attr)
	return l
}

package pillarsexporter

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
)

// StandardsConfig projects the same evidence onto NIST CSF 2.0, ISO/IEC 27001:2022 Annex A, the
// FinOps Framework, DORA's five metrics and Google SRE's on-call and toil guidance.
type StandardsConfig struct {
	// Frameworks are the catalogues served: nist_csf_2, iso_27001_2022, finops, dora,
	// google_sre (default all five).
	Frameworks []string `mapstructure:"frameworks"`
	// Pricing turns resource use into estimated cost; unset, the FinOps views show resource use
	// without money.
	Pricing PricingConfig `mapstructure:"pricing"`
	// Budgets are monthly estimated-cost budgets, per service or for all (service empty),
	// alerting at 50, 80 and 100 % of the month's forecast.
	Budgets []BudgetConfig `mapstructure:"budgets"`
	// Teams map a team to its services' service.name values, for pager load per rotation; a
	// service's TeamAttribute resource attribute does the same. Without either, a service is
	// its own rotation.
	Teams map[string][]string `mapstructure:"teams"`
	// TeamAttribute is the resource attribute naming a service's team (default team).
	TeamAttribute string `mapstructure:"team_attribute"`
	// ChangeIDAttribute is where deployments carry their change ID (default vcs.change.id).
	ChangeIDAttribute string `mapstructure:"change_id_attribute"`
	// RequireChangeID makes change traceability need a change ID (a pull request or change
	// ticket) on every deployment besides its revision (default false: a revision suffices).
	RequireChangeID bool `mapstructure:"require_change_id"`
	// ManualTrigger says which CI/CD attribute and values mark a deployment triggered by hand:
	// no OTel convention does (default github.event_name with workflow_dispatch).
	ManualTrigger ManualTriggerConfig `mapstructure:"manual_trigger"`
	// DetectionTarget is the median burn start → incident open time that passes (default 15m).
	DetectionTarget time.Duration `mapstructure:"detection_target"`
	// RecoveryConfirmation is how long a resolved incident must stay without another page to
	// count as a confirmed recovery (default 1h).
	RecoveryConfirmation time.Duration `mapstructure:"recovery_confirmation"`
	// ProductionEnvironments are the deployment.environment.name values redundancy applies to
	// (default production, prod); a service without the attribute is treated as production.
	ProductionEnvironments []string `mapstructure:"production_environments"`
	// Exemptions take a control out of scoring until they expire; an exempt control is its
	// own status, never a pass.
	Exemptions []ExemptionConfig `mapstructure:"exemptions"`
}

// PricingConfig is the price of a unit of resource, in Currency.
type PricingConfig struct {
	// CPUHour is the price of one core for an hour.
	CPUHour float64 `mapstructure:"cpu_hour"`
	// GiBHour is the price of one GiB of memory for an hour.
	GiBHour float64 `mapstructure:"gib_hour"`
	// Currency labels every figure (default USD); they are estimates, never billed cost.
	Currency string `mapstructure:"currency"`
}

// BudgetConfig is one monthly budget.
type BudgetConfig struct {
	// Name labels the budget's series and findings (default the service, or "all").
	Name string `mapstructure:"name"`
	// Service is a service.name; empty covers every service.
	Service string `mapstructure:"service"`
	// Monthly is the budget for a calendar month (UTC), in the pricing currency.
	Monthly float64 `mapstructure:"monthly"`
}

// ManualTriggerConfig names the attribute and values of a hand-triggered deployment.
type ManualTriggerConfig struct {
	// Attribute is the deployment span's or event's attribute that says what triggered it.
	Attribute string `mapstructure:"attribute"`
	// Values of Attribute that mean a person triggered it.
	Values []string `mapstructure:"values"`
}

// ExemptionConfig exempts one control, with a reason and an expiry.
type ExemptionConfig struct {
	// Framework is the catalogue, e.g. iso_27001_2022.
	Framework string `mapstructure:"framework"`
	// Control is the control's ID in it, e.g. 8.13.
	Control string `mapstructure:"control"`
	// Reason is shown in place of the verdict.
	Reason string `mapstructure:"reason"`
	// Expires is the date (2026-12-31, UTC midnight) or RFC 3339 time the control returns to
	// scoring.
	Expires time.Time `mapstructure:"expires"`
}

func defaultStandards() StandardsConfig {
	return StandardsConfig{
		Frameworks:    []string{standards.NISTCSF2, standards.ISO27001, standards.FinOps, standards.DORA, standards.GoogleSRE},
		TeamAttribute: "team", ChangeIDAttribute: "vcs.change.id",
		ManualTrigger:   ManualTriggerConfig{Attribute: "github.event_name", Values: []string{"workflow_dispatch"}},
		DetectionTarget: 15 * time.Minute, RecoveryConfirmation: time.Hour,
		ProductionEnvironments: []string{"production", "prod"}, Pricing: PricingConfig{Currency: "USD"},
	}
}

// exemptions parses the configured exemptions (already validated).
func (c StandardsConfig) exemptions() []standards.Exemption {
	out := make([]standards.Exemption, 0, len(c.Exemptions))
	for _, e := range c.Exemptions {
		out = append(out, standards.Exemption{Framework: e.Framework, Control: e.Control, Reason: e.Reason, Expires: e.Expires})
	}
	return out
}

func (c StandardsConfig) pricing() standards.Pricing {
	return standards.Pricing{CPUHour: c.Pricing.CPUHour, GiBHour: c.Pricing.GiBHour, Currency: c.Pricing.Currency}
}

// Validate names the field, the value and why.
func (c StandardsConfig) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("standards."+format, args...)) }
	for i, f := range c.Frameworks {
		if err := standards.ValidateFramework(f); err != nil {
			add("frameworks[%d]: %w", i, err)
		}
	}
	for name, v := range map[string]float64{"pricing.cpu_hour": c.Pricing.CPUHour, "pricing.gib_hour": c.Pricing.GiBHour} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			add("%s: %v must be a finite price of at least 0", name, v)
		}
	}
	for i, b := range c.Budgets {
		if !(b.Monthly > 0) || math.IsInf(b.Monthly, 0) {
			add("budgets[%d].monthly: %v must be a positive amount", i, b.Monthly)
		}
	}
	if c.DetectionTarget <= 0 || c.RecoveryConfirmation <= 0 {
		add("detection_target (%v) and recovery_confirmation (%v) must be positive", c.DetectionTarget, c.RecoveryConfirmation)
	}
	if c.ManualTrigger.Attribute == "" && len(c.ManualTrigger.Values) > 0 {
		add("manual_trigger.attribute: empty, but values %v are set", c.ManualTrigger.Values)
	}
	for i, e := range c.Exemptions {
		if err := standards.ValidateExemption(standards.Exemption{Framework: e.Framework, Control: e.Control, Reason: e.Reason, Expires: e.Expires}); err != nil {
			add("exemptions[%d]: %w", i, err)
		}
	}
	return errors.Join(errs...)
}

package sloconnector

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
)

const (
	profileWeekly = "weekly"

	defaultAlertName  = "SLOErrorBudgetBurn"
	defaultAbsentWait = 10 * time.Minute
)

// Alerting selects the burn-rate tiers, their low-traffic guard, and what the generated alert
// rules carry besides Sloth's labels.
type Alerting struct {
	// Profile picks the tier catalog: google (default, the SRE workbook's), weekly (Sloth's 7-day one)
	// or test_seconds (every window 60× shorter, for tests only).
	Profile string `mapstructure:"profile"`
	// MinValidEvents is nil when unset, so an explicit 0 can switch the guard off.
	MinValidEvents *float64 `mapstructure:"min_valid_events"`
	// Confidence is the two-sided level of the Wilson score interval whose lower bound must
	// exceed a tier's threshold, in both windows, for the tier to fire (default 0.95, z = 1.96):
	// a fresh service's 3 errors in 227 requests is not evidence of a 6× burn. 0 turns it off,
	// leaving the point estimate and min_valid_events. See ALERTING.md.
	Confidence *float64 `mapstructure:"confidence"`
	// Labels are extra labels on the SLO's generated alerts; not one the rules set (alertname,
	// sloth_*).
	Labels map[string]string `mapstructure:"labels"`
	// Annotations are extra annotations on the SLO's generated alerts.
	Annotations map[string]string `mapstructure:"annotations"`
	// Name is the burn-rate alert's name (default SLOErrorBudgetBurn).
	Name string `mapstructure:"name"`
	// Windows, when set, replaces the profile's tiers with custom ones.
	Windows *AlertWindows `mapstructure:"windows"`
	// Page shapes the page alert (disable, labels, annotations).
	Page SeverityAlert `mapstructure:"page"`
	// Ticket shapes the ticket alert (disable, labels, annotations).
	Ticket SeverityAlert `mapstructure:"ticket"`
	// BudgetExhausted is the SLOErrorBudgetExhausted alert and the slo.error_budget.exhausted series.
	BudgetExhausted BudgetExhaustedAlert `mapstructure:"budget_exhausted"`
	// Absent is the SLOMetricAbsent alert (default after 10m without the SLO's series).
	Absent AbsentAlert `mapstructure:"absent"`
}

// confidence is the configured evidence level, or the default.
func (a Alerting) confidence() float64 {
	if a.Confidence == nil {
		return defaultConfidence
	}
	return *a.Confidence
}

// minValidEvents is the configured guard, or the default.
func (a Alerting) minValidEvents() float64 {
	if a.MinValidEvents == nil {
		return defaultMinValidEvents
	}
	return *a.MinValidEvents
}

// AlertWindows are custom multi-window multi-burn-rate tiers in the shape of Sloth's
// AlertWindows spec (spec.page/ticket.quick/slow), with snake_case keys.
type AlertWindows struct {
	// Page are the page tiers.
	Page WindowPair `mapstructure:"page"`
	// Ticket are the ticket tiers.
	Ticket WindowPair `mapstructure:"ticket"`
}

// WindowPair is a severity's quick and slow tier.
type WindowPair struct {
	// Quick is the tier with the shorter windows.
	Quick AlertWindow `mapstructure:"quick"`
	// Slow is the tier with the longer windows.
	Slow AlertWindow `mapstructure:"slow"`
}

// AlertWindow is one tier: it fires when both windows burn faster than the rate that spends
// ErrorBudgetPercent of the period's budget within LongWindow.
type AlertWindow struct {
	// ErrorBudgetPercent is the share of the period's budget, in percent, that the tier's burn spends
	// within LongWindow.
	ErrorBudgetPercent float64 `mapstructure:"error_budget_percent"`
	// ShortWindow is one of 5m, 30m, 1h, 2h, 6h, 1d, 3d, shorter than LongWindow.
	ShortWindow string `mapstructure:"short_window"`
	// LongWindow is one of 5m, 30m, 1h, 2h, 6h, 1d, 3d.
	LongWindow string `mapstructure:"long_window"`
}

// SeverityAlert shapes the alert of one severity.
type SeverityAlert struct {
	// Disable drops the severity: no tier, no slo.alert.active series, no rule.
	Disable bool `mapstructure:"disable"`
	// Labels are added to this severity's alert only.
	Labels map[string]string `mapstructure:"labels"`
	// Annotations are added to this severity's alert only.
	Annotations map[string]string `mapstructure:"annotations"`
}

// BudgetExhaustedAlert fires while the period's remaining budget is at or below Threshold.
type BudgetExhaustedAlert struct {
	// Disable drops the alert and its series.
	Disable bool `mapstructure:"disable"`
	// Threshold is the remaining budget share at or below which it fires, below 1 (default 0).
	Threshold float64 `mapstructure:"threshold"`
	// Labels are added to this alert only.
	Labels map[string]string `mapstructure:"labels"`
	// Annotations are added to this alert only.
	Annotations map[string]string `mapstructure:"annotations"`
}

// AbsentAlert fires when the SLO's series have been absent for For: a dead collector pages
// instead of going silent (Pyrra's SLOMetricAbsent).
type AbsentAlert struct {
	// Disable drops the alert.
	Disable bool `mapstructure:"disable"`
	// For is how long the series must be absent before it fires (default 10m).
	For time.Duration `mapstructure:"for"`
	// Labels are added to this alert only.
	Labels map[string]string `mapstructure:"labels"`
}

// weeklyTiers is Sloth's 7-day AlertWindows example: factors 13.44 and 3.5 page, 1.4 and 0.98
// ticket, so a service on track (burn ≤ 1) is never ticketed.
var weeklyTiers = []window.AlertTier{
	{Severity: "page", Short: "5m", Long: "1h", BudgetFraction: 0.08},
	{Severity: "page", Short: "30m", Long: "6h", BudgetFraction: 0.125},
	{Severity: "ticket", Short: "2h", Long: "1d", BudgetFraction: 0.20},
	{Severity: "ticket", Short: "6h", Long: "3d", BudgetFraction: 0.42},
}

// tiers are the SLO's alert tiers: the profile's, or the custom windows, less disabled severities.
func (a Alerting) tiers() []window.AlertTier {
	base := window.GoogleTiers
	switch {
	case a.Windows != nil:
		w := a.Windows
		base = nil
		for _, t := range []struct {
			sev string
			w   AlertWindow
		}{{"page", w.Page.Quick}, {"page", w.Page.Slow}, {"ticket", w.Ticket.Quick}, {"ticket", w.Ticket.Slow}} {
			base = append(base, window.AlertTier{Severity: t.sev, Short: t.w.ShortWindow, Long: t.w.LongWindow, BudgetFraction: t.w.ErrorBudgetPercent / 100})
		}
	case a.Profile == profileWeekly:
		base = weeklyTiers
	}
	out := []window.AlertTier{}
	for _, t := range base {
		if !a.severity(t.Severity).Disable {
			out = append(out, t)
		}
	}
	return out
}

func (a Alerting) severity(sev string) SeverityAlert {
	if sev == "page" {
		return a.Page
	}
	return a.Ticket
}

func (a Alerting) alertName() string {
	if a.Name == "" {
		return defaultAlertName
	}
	return a.Name
}

func (a Alerting) absentFor() time.Duration {
	if a.Absent.For == 0 {
		return defaultAbsentWait
	}
	return a.Absent.For
}

// validate checks everything alerting holds besides the profile and the guard.
func (a Alerting) validate() error {
	if a.Name != "" && !promMetricName.MatchString(a.Name) {
		return fmt.Errorf("alerting.name: %q must be a Prometheus alert name ([a-zA-Z_:][a-zA-Z0-9_:]*)", a.Name)
	}
	if a.Windows != nil {
		names := make([]string, 0, 7)
		for _, w := range window.StandardWindows(time.Minute) {
			names = append(names, w.Name)
		}
		for _, t := range []struct {
			path string
			w    AlertWindow
		}{{"page.quick", a.Windows.Page.Quick}, {"page.slow", a.Windows.Page.Slow}, {"ticket.quick", a.Windows.Ticket.Quick}, {"ticket.slow", a.Windows.Ticket.Slow}} {
			if err := t.w.validate(names); err != nil {
				return fmt.Errorf("alerting.windows.%s.%w", t.path, err)
			}
		}
	}
	maps := []struct {
		path   string
		labels map[string]string
		annots map[string]string
	}{
		{"alerting", a.Labels, a.Annotations}, {"alerting.page", a.Page.Labels, a.Page.Annotations},
		{"alerting.ticket", a.Ticket.Labels, a.Ticket.Annotations},
		{"alerting.budget_exhausted", a.BudgetExhausted.Labels, a.BudgetExhausted.Annotations},
		{"alerting.absent", a.Absent.Labels, nil},
	}
	for _, m := range maps {
		if err := validateAlertMaps(m.path, m.labels, m.annots); err != nil {
			return err
		}
	}
	if t := a.BudgetExhausted.Threshold; !(t >= -1e6 && t < 1) {
		return fmt.Errorf("alerting.budget_exhausted.threshold: %v must be below 1 (the share of the budget left; 0 = spent)", t)
	}
	if a.Absent.For < 0 {
		return fmt.Errorf("alerting.absent.for: %v must not be negative", a.Absent.For)
	}
	return nil
}

func (w AlertWindow) validate(names []string) error {
	switch {
	case !(w.ErrorBudgetPercent > 0 && w.ErrorBudgetPercent <= 100):
		return fmt.Errorf("error_budget_percent: %v must be in (0, 100]", w.ErrorBudgetPercent)
	case !slices.Contains(names, w.ShortWindow):
		return fmt.Errorf("short_window: %q must be one of %s", w.ShortWindow, strings.Join(names, ", "))
	case !slices.Contains(names, w.LongWindow):
		return fmt.Errorf("long_window: %q must be one of %s", w.LongWindow, strings.Join(names, ", "))
	}
	s, l := windowMinutes(w.ShortWindow), windowMinutes(w.LongWindow)
	if s >= l {
		return errors.New("short_window: " + w.ShortWindow + " must be shorter than long_window " + w.LongWindow)
	}
	return nil
}

func windowMinutes(name string) time.Duration {
	for _, w := range window.StandardWindows(time.Minute) {
		if w.Name == name {
			return w.Duration
		}
	}
	return 0
}

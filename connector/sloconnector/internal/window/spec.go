package window

import (
	"fmt"
	"math"
	"time"
)

// Window is one of the lookback windows every series reports, e.g. {"1h", time.Hour}.
type Window struct {
	Name     string
	Duration time.Duration
}

// PeriodWindow is the name of the window that covers the whole SLO period.
const PeriodWindow = "period"

// AlertTier is one multi-window multi-burn-rate condition (SRE Workbook, "Alerting on SLOs").
type AlertTier struct {
	Severity       string
	Short, Long    string  // window names
	BudgetFraction float64 // share of the period's budget the tier allows to burn within Long
}

// GoogleTiers are the workbook's page and ticket tiers plus Sloth's 2h/1d ticket tier.
var GoogleTiers = []AlertTier{
	{Severity: "page", Short: "5m", Long: "1h", BudgetFraction: 0.02},
	{Severity: "page", Short: "30m", Long: "6h", BudgetFraction: 0.05},
	{Severity: "ticket", Short: "2h", Long: "1d", BudgetFraction: 0.10},
	{Severity: "ticket", Short: "6h", Long: "3d", BudgetFraction: 0.10},
}

// Severities lists alert severities in a stable order.
var Severities = []string{"page", "ticket"}

// StandardWindows returns the seven reporting windows with every duration multiplied by
// unit/1m: unit = time.Minute gives 5m…3d, unit = time.Second gives a 60× faster copy with the
// same names, for tests that must see an alert within seconds.
func StandardWindows(unit time.Duration) []Window {
	minutes := []struct {
		name string
		n    time.Duration
	}{{"5m", 5}, {"30m", 30}, {"1h", 60}, {"2h", 120}, {"6h", 360}, {"1d", 1440}, {"3d", 4320}}
	out := make([]Window, len(minutes))
	for i, m := range minutes {
		out[i] = Window{Name: m.name, Duration: m.n * unit}
	}
	return out
}

// Spec is everything the maths needs to know about one SLO.
type Spec struct {
	Objective      float64 // ratio in (0, 1)
	Period         Period
	MaxLateness    time.Duration
	Unit           time.Duration // finest bucket; time.Minute in production
	Windows        []Window
	Tiers          []AlertTier
	MinValidEvents float64
	// Confidence > 0 makes a tier fire only when the lower bound of the Wilson score interval
	// of each window's error ratio, at this two-sided confidence, exceeds the tier's threshold:
	// the evidence, not only the point estimate, must support the burn. 0 turns it off.
	Confidence float64
	// Timeslice > 0 selects the timeslices budgeting method: each closed slice with traffic is
	// one good event when good ÷ valid ≥ SliceTarget, else one bad event. With SliceRatio
	// (OpenSLO's RatioTimeslices) a slice counts good ÷ valid as good and the rest as bad, so a
	// window's SLI is the average of its slices' ratios.
	Timeslice   time.Duration
	SliceTarget float64
	SliceRatio  bool
}

// judge turns one slice's raw events into its slice event; ok is false for a slice without
// traffic, which is no slice at all.
func (s *Spec) judge(c Counts) (Counts, bool) {
	valid := c.Valid()
	if !(valid > 0) || math.IsInf(valid, 0) {
		return Counts{}, false
	}
	ratio := c.Good / valid
	switch {
	case s.SliceRatio:
		return Counts{Good: ratio, Bad: 1 - ratio}, true
	case ratio >= s.SliceTarget:
		return Counts{Good: 1}, true
	}
	return Counts{Bad: 1}, true
}

// slicesInPeriod is how many timeslices the period at now holds.
func (s *Spec) slicesInPeriod(now time.Time) float64 {
	return float64(s.Period.Length(now) / s.Timeslice)
}

// NewSpec checks s and fills defaults for Unit, Windows and Tiers.
func NewSpec(s Spec) (Spec, error) {
	if !(s.Objective > 0 && s.Objective < 1) {
		return s, fmt.Errorf("objective %v: must be a ratio strictly between 0 and 1", s.Objective)
	}
	if s.Unit <= 0 {
		s.Unit = time.Minute
	}
	if s.Windows == nil {
		s.Windows = StandardWindows(s.Unit)
	}
	if s.Tiers == nil {
		s.Tiers = GoogleTiers
	}
	for _, tier := range s.Tiers {
		for _, name := range []string{tier.Short, tier.Long} {
			if _, ok := s.window(name); !ok {
				return s, fmt.Errorf("alert tier %s %s/%s: no window %q", tier.Severity, tier.Short, tier.Long, name)
			}
		}
	}
	// The finest ring holds 360 units: a span later than that could not be placed, and a slice
	// must still be whole in it when its last late span can arrive.
	horizon := 360 * s.Unit
	if s.MaxLateness < 0 || s.MaxLateness+s.Timeslice > horizon {
		if s.Timeslice > 0 {
			return s, fmt.Errorf("max_lateness %v plus the timeslice %v must be at most %v, the finest window ring's horizon", s.MaxLateness, s.Timeslice, horizon)
		}
		return s, fmt.Errorf("max_lateness %v must be between 0 and %v, the finest window ring's horizon", s.MaxLateness, horizon)
	}
	if s.Timeslice < 0 || s.Timeslice%s.Unit != 0 {
		return s, fmt.Errorf("timeslice %v: must be a whole number of %v", s.Timeslice, s.Unit)
	}
	if !(s.Confidence >= 0 && s.Confidence < 1) {
		return s, fmt.Errorf("confidence %v: must be in [0, 1)", s.Confidence)
	}
	if s.Period.Longest() <= 0 {
		return s, fmt.Errorf("period must be positive")
	}
	return s, nil
}

// WindowDuration is the duration of the named window.
func (s Spec) WindowDuration(name string) (time.Duration, bool) { return s.window(name) }

func (s Spec) window(name string) (time.Duration, bool) {
	for _, w := range s.Windows {
		if w.Name == name {
			return w.Duration, true
		}
	}
	return 0, false
}

// BurnFactor is the burn rate at which tier spends its budget share within its long window:
// budget fraction × period ÷ long window (14.4 for 2 % of 30d in 1h), as Sloth derives it.
func (s Spec) BurnFactor(tier AlertTier, now time.Time) float64 {
	long, _ := s.window(tier.Long)
	return tier.BudgetFraction * float64(s.Period.Length(now)) / float64(long)
}

// tiers of ring resolutions: 1 unit for 6h, 5 units for 3d, 60 units for the rest of a long
// rolling period. Calendar periods are summed exactly by an accumulator instead.
func (s Spec) ringLayout() []struct{ res, span time.Duration } {
	u := s.Unit
	layout := []struct{ res, span time.Duration }{{u, 360 * u}, {5 * u, 4320 * u}}
	if !s.Period.IsCalendar() && s.Period.rolling > 4320*u {
		layout = append(layout, struct{ res, span time.Duration }{60 * u, s.Period.rolling})
	}
	return layout
}

// ShortestAlertWindow is the shortest window any alert tier reads (any window when there are
// no tiers): the span that decided the latest alert. ok is false without windows.
func (s *Spec) ShortestAlertWindow() (w Window, ok bool) {
	for _, cand := range s.Windows {
		used := len(s.Tiers) == 0
		for _, t := range s.Tiers {
			used = used || cand.Name == t.Short || cand.Name == t.Long
		}
		if used && (!ok || cand.Duration < w.Duration) {
			w, ok = cand, true
		}
	}
	return w, ok
}

// PageThreshold is the lowest error ratio any page tier fires at: the smallest page factor ×
// (1 − objective); 1 − objective without page tiers. Below it a series no longer burns at a
// rate that pages.
func (s *Spec) PageThreshold(now time.Time) float64 {
	threshold := 0.0
	for _, t := range s.Tiers {
		if f := s.BurnFactor(t, now) * (1 - s.Objective); t.Severity == "page" && (threshold == 0 || f < threshold) {
			threshold = f
		}
	}
	if threshold == 0 {
		return 1 - s.Objective
	}
	return min(threshold, 1)
}

package score

import (
	"fmt"
	"math"
)

// Method turns a raw check value into a score in [0, 1].
type Method string

// Normalisation methods.
const (
	// Linear is 1 at or better than Good, 0 at or worse than Bad, linear in between. Good may be
	// above or below Bad: lower-is-better checks set Good < Bad.
	Linear Method = "linear"
	// LogLinear is Linear on log10 of the value, for quantities spanning orders of magnitude.
	LogLinear Method = "loglinear"
	// Ratio uses the value itself, clamped to [0, 1].
	Ratio Method = "ratio"
	// Keptn maps the value through Keptn's thresholds: pass 1, warning 0.5, fail 0.
	Keptn Method = "keptn"
	// ErrorBudget is 1 − (1 − sli) ÷ (1 − objective), clamped: the share of budget left.
	ErrorBudget Method = "error_budget"
	// Band maps a DORA level (elite 4 … low 1) to 1, 0.75, 0.5, 0.25.
	Band Method = "band"
	// Verdict is a policy's own result: 2 pass (score 1), 1 warning (0.5), 0 fail (0), whatever
	// the thresholds.
	Verdict Method = "verdict"
)

// Normaliser holds a method and its parameters.
type Normaliser struct {
	Method    Method
	Good, Bad float64 // Linear, LogLinear; for Keptn, Good is the pass and Bad the warning threshold
	Objective float64 // ErrorBudget
}

// Validate reports parameters that cannot produce a score, naming the field.
func (n Normaliser) Validate() error {
	switch n.Method {
	case Linear, Keptn:
		if n.Good == n.Bad {
			return fmt.Errorf("good and bad thresholds must differ (both %v)", n.Good)
		}
	case LogLinear:
		if n.Good <= 0 || n.Bad <= 0 || n.Good == n.Bad {
			return fmt.Errorf("loglinear thresholds must be positive and differ (good %v, bad %v)", n.Good, n.Bad)
		}
	case ErrorBudget:
		if !(n.Objective > 0 && n.Objective < 1) {
			return fmt.Errorf("objective %v must be a ratio in (0, 1)", n.Objective)
		}
	case Ratio, Band, Verdict:
	default:
		return fmt.Errorf("unknown normalisation method %q", n.Method)
	}
	return nil
}

// Score normalises value; ok is false for a value that cannot be scored (NaN, ±Inf, or a
// non-positive value under LogLinear).
func (n Normaliser) Score(value float64) (float64, bool) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return 0, false
	}
	switch n.Method {
	case Linear:
		return linear(value, n.Good, n.Bad), true
	case LogLinear:
		if value <= 0 {
			return 0, false
		}
		return linear(math.Log10(value), math.Log10(n.Good), math.Log10(n.Bad)), true
	case Ratio:
		return clamp01(value), true
	case Keptn:
		switch keptnResult(value, n.Good, n.Bad) {
		case Pass:
			return 1, true
		case Warning:
			return 0.5, true
		}
		return 0, true
	case ErrorBudget:
		return clamp01(1 - (1-value)/(1-n.Objective)), true
	case Band:
		return clamp01(math.Round(value) / 4), true
	case Verdict:
		return math.Max(0, math.Min(2, math.Round(value))) / 2, true
	}
	return 0, false
}

func linear(v, good, bad float64) float64 {
	return clamp01((v - bad) / (good - bad))
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// keptnResult applies pass/warning thresholds in the direction good lies: with good > bad a
// value ≥ good passes and ≥ bad warns; with good < bad a value ≤ good passes and ≤ bad warns.
func keptnResult(v, pass, warning float64) Result {
	if pass >= warning {
		switch {
		case v >= pass:
			return Pass
		case v >= warning:
			return Warning
		}
		return Fail
	}
	switch {
	case v <= pass:
		return Pass
	case v <= warning:
		return Warning
	}
	return Fail
}

package score

import (
	"cmp"
	"fmt"
	"slices"
)

// Result is a check's or a pillar's verdict.
type Result string

// Verdicts, Keptn's plus the explicit absence of data and checks that cannot apply.
const (
	Pass             Result = "pass"
	Warning          Result = "warning"
	Fail             Result = "fail"
	InsufficientData Result = "insufficient_data"
	NotApplicable    Result = "not_applicable"
)

// Thresholds are Keptn's total-score thresholds (pass ≥ 0.90, warning ≥ 0.75 by default).
type Thresholds struct {
	// Pass is the least score that passes (default 0.90).
	Pass float64 `mapstructure:"pass"`
	// Warning is the least score that warns rather than fails (default 0.75).
	Warning float64 `mapstructure:"warning"`
}

// Validate names the bad field.
func (t Thresholds) Validate() error {
	if !(t.Pass > 0 && t.Pass <= 1) {
		return fmt.Errorf("thresholds.pass: %v must be in (0, 1]", t.Pass)
	}
	if !(t.Warning >= 0 && t.Warning <= t.Pass) {
		return fmt.Errorf("thresholds.warning: %v must be in [0, pass (%v)]", t.Warning, t.Pass)
	}
	return nil
}

// Check is one measured input to a pillar.
type Check struct {
	ID        string
	Pillar    string
	Weight    float64
	Key       bool // a failed key check fails its pillar whatever the score
	Normalise Normaliser
	// Value is the measured value; HasData is false when the telemetry to compute it is absent.
	Value   float64
	HasData bool
	// Events is the sample the value stands on; below MinEvents the check is insufficient_data.
	Events, MinEvents float64
	// NotApplicable leaves the check out of its pillar entirely (Reason says why).
	NotApplicable bool
	Reason        string   // why there is no data or it does not apply
	Inputs        []string // human-readable inputs, e.g. "4123 server spans, 17 over TLS"
}

// evidenced reports whether the check has enough data to be scored, and why not.
func (c Check) evidenced() (bool, string) {
	switch {
	case !c.HasData:
		return false, c.Reason
	case c.Events < c.MinEvents:
		return false, fmt.Sprintf("%.4g events (or days observed), fewer than the %.4g needed", c.Events, c.MinEvents)
	}
	return true, ""
}

// CheckResult is a scored check.
type CheckResult struct {
	Check
	Score  float64 // 0–1; meaningful only with HasData
	Result Result
	// PotentialIncrease is what fixing this check would add to its pillar's score (Azure
	// Advisor's "potential score increase"): w·(1 − s) ÷ Σw over checks with data.
	PotentialIncrease float64
}

// PillarResult is a pillar's score with everything it came from.
type PillarResult struct {
	Pillar   string
	Score    float64 // 0–100; meaningful only when Status is not insufficient_data
	Coverage float64 // weight of checks with data ÷ weight of the checks that apply
	Status   Result
	Checks   []CheckResult
	// HighRisk and MediumRisk are the AWS Well-Architected Tool's view of the same checks: a
	// failed key check is a high-risk issue; any other failed check, or a warning, medium.
	HighRisk, MediumRisk int
}

// ScorePillar aggregates a pillar's checks, Keptn-style: 100·Σ w·s ÷ Σ w over the checks that
// have enough data; coverage is the share of applicable weight with data; below minCoverage the
// pillar reports insufficient_data; a failed key check fails it. A check without enough data
// never passes or fails; one that does not apply leaves the pillar altogether.
func ScorePillar(pillar string, checks []Check, th Thresholds, minCoverage float64) PillarResult {
	return scorePillar(pillar, checks, th, minCoverage, true)
}

// scorePillar scores the pillar; without detail it keeps only the totals, for projections
// whose checks are already listed.
func scorePillar(pillar string, checks []Check, th Thresholds, minCoverage float64, detail bool) PillarResult {
	res := PillarResult{Pillar: pillar, Status: InsufficientData}
	if detail {
		res.Checks = make([]CheckResult, 0, len(checks))
	}
	keep := func(cr CheckResult) {
		if detail {
			res.Checks = append(res.Checks, cr)
		}
	}
	var total, covered, weighted float64
	keyFailed := false
	for _, c := range checks {
		cr := CheckResult{Check: c, Result: InsufficientData}
		if c.NotApplicable {
			cr.Result = NotApplicable
			keep(cr)
			continue
		}
		total += c.Weight
		if ok, why := c.evidenced(); !ok {
			cr.Reason = why
		} else if s, ok := c.Normalise.Score(c.Value); ok {
			cr.Score = s
			cr.Result = checkResult(s, c.Normalise, th)
			covered += c.Weight
			weighted += c.Weight * s
			keyFailed = keyFailed || (c.Key && cr.Result == Fail)
			switch {
			case cr.Result == Fail && c.Key:
				res.HighRisk++
			case cr.Result == Fail || cr.Result == Warning:
				res.MediumRisk++
			}
		} else {
			cr.Reason = fmt.Sprintf("value %v cannot be scored by %s", c.Value, c.Normalise.Method)
		}
		keep(cr)
	}
	if total > 0 {
		res.Coverage = covered / total
	}
	for i := range res.Checks {
		if cr := &res.Checks[i]; cr.Result != InsufficientData && cr.Result != NotApplicable && covered > 0 {
			cr.PotentialIncrease = 100 * cr.Weight * (1 - cr.Score) / covered
		}
	}
	slices.SortStableFunc(res.Checks, func(a, b CheckResult) int { return cmp.Compare(b.PotentialIncrease, a.PotentialIncrease) })
	if covered == 0 || res.Coverage < minCoverage {
		return res
	}
	res.Score = 100 * weighted / covered
	switch {
	case keyFailed:
		res.Status = Fail
	default:
		res.Status = checkResult(res.Score/100, Normaliser{}, th)
	}
	return res
}

// checkResult applies the thresholds to a score; a Verdict check carries its own result.
func checkResult(s float64, n Normaliser, th Thresholds) Result {
	if n.Method == Verdict {
		return [...]Result{Fail, Warning, Pass}[int(s*2)]
	}
	switch {
	case s >= th.Pass:
		return Pass
	case s >= th.Warning:
		return Warning
	}
	return Fail
}

// Hysteresis holds a status until a different one has been seen Needed times in a row, so a
// score hovering at a threshold does not flap.
type Hysteresis struct {
	Needed    int
	current   Result
	candidate Result
	seen      int
}

// Observe feeds one evaluation's status and returns the status to report.
func (h *Hysteresis) Observe(r Result) Result {
	switch {
	case h.current == "":
		h.current = r
	case r == h.current:
		h.candidate, h.seen = "", 0
	case r == h.candidate:
		if h.seen++; h.seen >= h.Needed {
			h.current, h.candidate, h.seen = r, "", 0
		}
	default:
		h.candidate, h.seen = r, 1
		if h.Needed <= 1 {
			h.current, h.candidate, h.seen = r, "", 0
		}
	}
	return h.current
}

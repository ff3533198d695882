package standards

import (
	"fmt"
	"math"
	"time"
)

// Pricing is what the configuration says a unit of resource costs. The figures made with it
// are estimates from resource telemetry, never billed cost.
type Pricing struct {
	CPUHour  float64 // per core-hour
	GiBHour  float64 // per GiB-hour of memory
	Currency string
}

// Set reports whether any price is configured; without prices, resource use is shown alone.
func (p Pricing) Set() bool { return p.CPUHour > 0 || p.GiBHour > 0 }

// Usage is resource use and requests over some span of time.
type Usage struct {
	CPUSeconds        float64 // CPU time used
	GiBHours          float64 // memory held, integrated over time
	RequestedCPUHours float64 // core-hours requested (k8s requests), integrated over time
	RequestedGiBHours float64
	Requests          float64 // server requests (adjusted-count weighted)
}

func (u *Usage) add(o Usage) {
	u.CPUSeconds += o.CPUSeconds
	u.GiBHours += o.GiBHours
	u.RequestedCPUHours += o.RequestedCPUHours
	u.RequestedGiBHours += o.RequestedGiBHours
	u.Requests += o.Requests
}

// Cost is the estimated cost of u: CPU-hours × the CPU price plus GiB-hours × the memory price.
func (p Pricing) Cost(u Usage) float64 {
	return u.CPUSeconds/3600*p.CPUHour + u.GiBHours*p.GiBHour
}

// Idle is OpenCost's idle: requested minus used, per resource, never below zero, in
// core-hours and GiB-hours.
func (u Usage) Idle() (cpuHours, gibHours float64) {
	return math.Max(u.RequestedCPUHours-u.CPUSeconds/3600, 0), math.Max(u.RequestedGiBHours-u.GiBHours, 0)
}

// UsageDays keeps a service's usage per UTC day for the last usageDays days: two weeks for the
// week-on-week change and a whole calendar month for the budget forecast.
type UsageDays struct {
	Days [usageDays]Usage
	IDs  [usageDays]int64 // day number since the Unix epoch, 0 when unused
}

const usageDays = 35

func dayOf(t time.Time) int64 { return t.UTC().Unix()/86400 + 1 } // +1: day 0 means unused

// At returns the day t falls on, emptied first when it last held an older day.
func (d *UsageDays) At(t time.Time) *Usage {
	id := dayOf(t)
	i := int(id % usageDays)
	if d.IDs[i] != id {
		d.Days[i], d.IDs[i] = Usage{}, id
	}
	return &d.Days[i]
}

// Sum adds the days in [from, to] (inclusive, by UTC day) and counts those with data.
func (d *UsageDays) Sum(from, to time.Time) (Usage, int) {
	var out Usage
	n := 0
	lo, hi := dayOf(from), dayOf(to)
	for i, id := range d.IDs {
		if id != 0 && id >= lo && id <= hi {
			out.add(d.Days[i])
			n++
		}
	}
	return out, n
}

// CostEvidence is a service's usage over the windows the FinOps checks need.
type CostEvidence struct {
	Pricing     Pricing
	HasResource bool  // CPU or memory metrics carry the service's identity
	Week, Prior Usage // the last 7 UTC days (today included) and the 7 before
	PriorDays   int   // days of the prior week with data
}

// CostEvidenceAt reads d at now.
func CostEvidenceAt(d *UsageDays, p Pricing, hasResource bool, now time.Time) CostEvidence {
	week, _ := d.Sum(now.AddDate(0, 0, -6), now)
	prior, n := d.Sum(now.AddDate(0, 0, -13), now.AddDate(0, 0, -7))
	return CostEvidence{Pricing: p, HasResource: hasResource, Week: week, Prior: prior, PriorDays: n}
}

// PerThousand is the estimated cost (or, without prices, CPU-seconds) per 1 000 requests.
func (c CostEvidence) PerThousand(u Usage) (float64, string) {
	if u.Requests <= 0 {
		return 0, ""
	}
	if c.Pricing.Set() {
		return 1000 * c.Pricing.Cost(u) / u.Requests, c.Pricing.Currency + " (estimate)"
	}
	return 1000 * u.CPUSeconds / u.Requests, "CPU-seconds"
}

// MeasureCost runs the FinOps checks of one service.
func MeasureCost(service string, hasTraces bool, c CostEvidence) []Finding {
	return []Finding{allocation(service, hasTraces, c), unitCost(service, c), costAnomaly(service, c), idleRequested(service, c)}
}

func allocation(service string, hasTraces bool, c CostEvidence) Finding {
	switch {
	case c.HasResource:
		return finding(CheckCostAllocation, service, Pass, "resource metrics carry the service's identity: %.0f CPU-seconds, %.2f GiB-hours this week", c.Week.CPUSeconds, c.Week.GiBHours)
	case hasTraces:
		return finding(CheckCostAllocation, service, Fail, "requests arrive but no CPU or memory metric carries the service's identity: its cost cannot be allocated")
	}
	return finding(CheckCostAllocation, service, InsufficientData, "no telemetry from the service this week")
}

func unitCost(service string, c CostEvidence) Finding {
	v, unit := c.PerThousand(c.Week)
	switch {
	case !c.HasResource:
		return finding(CheckUnitCost, service, InsufficientData, "no resource metrics for the service")
	case unit == "":
		return finding(CheckUnitCost, service, NotApplicable, "no requests this week to divide by")
	}
	return valued(finding(CheckUnitCost, service, Pass, "%.4g %s per 1 000 requests this week (%.0f CPU-seconds, %.2f GiB-hours, %.0f requests)", v, unit, c.Week.CPUSeconds, c.Week.GiBHours, c.Week.Requests), v)
}

// maxWeekOnWeek is the rise in cost per request this check calls an anomaly.
const maxWeekOnWeek = 0.25

func costAnomaly(service string, c CostEvidence) Finding {
	now, unit := c.PerThousand(c.Week)
	before, _ := c.PerThousand(c.Prior)
	if unit == "" || before <= 0 || c.PriorDays == 0 {
		return finding(CheckCostAnomaly, service, InsufficientData, "no cost per request for both this week and the week before")
	}
	change := now/before - 1
	status := Pass
	if change > maxWeekOnWeek {
		status = Fail
	}
	return valued(finding(CheckCostAnomaly, service, status, "%.4g → %.4g %s per 1 000 requests week on week (%+.1f %%)", before, now, unit, 100*change), change)
}

// maxIdleShare is the share of requested capacity left unused that this check tolerates.
const maxIdleShare = 0.5

func idleRequested(service string, c CostEvidence) Finding {
	w := c.Week
	if w.RequestedCPUHours <= 0 && w.RequestedGiBHours <= 0 {
		return finding(CheckIdleRequested, service, NotApplicable, "no resource requests reported (k8s.container.cpu_request, k8s.container.memory_request)")
	}
	idleCPU, idleMem := w.Idle()
	share := 0.0
	if w.RequestedCPUHours > 0 {
		share = idleCPU / w.RequestedCPUHours
	}
	if w.RequestedGiBHours > 0 {
		share = math.Max(share, idleMem/w.RequestedGiBHours)
	}
	evidence := fmt.Sprintf("idle %.2f of %.2f requested core-hours and %.2f of %.2f requested GiB-hours this week", idleCPU, w.RequestedCPUHours, idleMem, w.RequestedGiBHours)
	if c.Pricing.Set() {
		evidence += fmt.Sprintf(" (%.4g %s estimated)", idleCPU*c.Pricing.CPUHour+idleMem*c.Pricing.GiBHour, c.Pricing.Currency)
	}
	status := Pass
	if share >= maxIdleShare {
		status = Fail
	}
	return valued(finding(CheckIdleRequested, service, status, "%s", evidence), share)
}

// BudgetThresholds are the forecast shares of a budget that raise an alert.
var BudgetThresholds = []float64{0.5, 0.8, 1.0}

// Forecast is a monthly budget's month-end projection.
type Forecast struct {
	Budget       float64 `json:"budget"`
	MonthToDate  float64 `json:"month_to_date"`
	Forecast     float64 `json:"forecast"`
	Ratio        float64 `json:"forecast_ratio"`
	ObservedDays float64 `json:"observed_days"`
	// Alerts are the thresholds (shares of the budget) and whether the forecast reaches each,
	// as the SLO alerts say which burn-rate tiers fire.
	Alerts []BudgetAlert `json:"alerts"`
	Known  bool          `json:"known"`
}

// BudgetAlert is one forecast threshold of a budget.
type BudgetAlert struct {
	Threshold float64 `json:"threshold"`
	Active    bool    `json:"active"`
}

// ForecastMonth projects the month's cost from what was observed of it: the run rate over the
// observed days (at least one, so a few hours are not extrapolated to a month) times the
// month's days. monthToDate is the cost of the days observed in the month so far.
func ForecastMonth(budget, monthToDate float64, observedSince, now time.Time) Forecast {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	days := float64(first.AddDate(0, 1, 0).Sub(first) / (24 * time.Hour))
	from := observedSince
	if from.Before(first) {
		from = first
	}
	observed := math.Max(now.Sub(from).Hours()/24, 1)
	f := Forecast{Budget: budget, MonthToDate: monthToDate, ObservedDays: observed, Alerts: []BudgetAlert{}}
	if budget <= 0 || monthToDate < 0 {
		return f
	}
	f.Forecast = monthToDate / observed * days
	f.Ratio, f.Known = f.Forecast/budget, true
	for _, th := range BudgetThresholds {
		f.Alerts = append(f.Alerts, BudgetAlert{Threshold: th, Active: f.Ratio >= th})
	}
	return f
}

// BudgetFinding states one budget's verdict.
func BudgetFinding(name string, f Forecast, p Pricing) Finding {
	if !p.Set() {
		return finding(CheckCostBudget, name, InsufficientData, "a budget is configured but no prices (pricing:), so no cost to forecast")
	}
	if !f.Known {
		return finding(CheckCostBudget, name, InsufficientData, "no usage observed this month")
	}
	status := Pass
	if f.Ratio >= 1 {
		status = Fail
	}
	return valued(finding(CheckCostBudget, name, status, "forecast %.4g of a %.4g %s monthly budget (%.0f %%; %.4g estimated so far over %.1f observed days)",
		f.Forecast, f.Budget, p.Currency, 100*f.Ratio, f.MonthToDate, f.ObservedDays), f.Ratio)
}

// MonthToDate is the estimated cost of this month's days with data, and the start of the
// first of them (zero without any).
func (d *UsageDays) MonthToDate(p Pricing, now time.Time) (float64, time.Time) {
	first := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	lo, hi := dayOf(first), dayOf(now)
	cost, earliest := 0.0, int64(0)
	for i, id := range d.IDs {
		if id != 0 && id >= lo && id <= hi {
			cost += p.Cost(d.Days[i])
			if earliest == 0 {
				earliest = id
			}
			earliest = min(earliest, id)
		}
	}
	if earliest == 0 {
		return 0, time.Time{}
	}
	return cost, time.Unix((earliest-1)*86400, 0).UTC()
}

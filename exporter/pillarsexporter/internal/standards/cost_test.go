package standards

import (
	"math"
	"testing"
	"time"
)

var price = Pricing{CPUHour: 0.04, GiBHour: 0.005, Currency: "EUR"}

func TestCostArithmetic(t *testing.T) {
	u := Usage{CPUSeconds: 7200, GiBHours: 10, RequestedCPUHours: 3, RequestedGiBHours: 8, Requests: 4000}
	if got := price.Cost(u); math.Abs(got-(2*0.04+10*0.005)) > 1e-12 {
		t.Errorf("cost %v", got)
	}
	cpu, mem := u.Idle()
	if cpu != 1 || mem != 0 {
		t.Errorf("idle %v %v: requested minus used, never negative", cpu, mem)
	}
	if (Pricing{}).Set() || !(Pricing{GiBHour: 1}).Set() || !(Pricing{CPUHour: 1}).Set() {
		t.Error("Set")
	}
	c := CostEvidence{Pricing: price}
	per, unit := c.PerThousand(u)
	if math.Abs(per-1000*0.13/4000) > 1e-12 || unit != "EUR (estimate)" {
		t.Errorf("per 1000: %v %q", per, unit)
	}
	c.Pricing = Pricing{}
	if per, unit := c.PerThousand(u); per != 1800 || unit != "CPU-seconds" {
		t.Errorf("without prices: %v %q", per, unit)
	}
	if _, unit := c.PerThousand(Usage{CPUSeconds: 5}); unit != "" {
		t.Error("no requests gave a unit cost")
	}
}

func TestUsageDays(t *testing.T) {
	var d UsageDays
	now := time.Date(2026, 12, 20, 18, 0, 0, 0, time.UTC)
	for i := range 20 {
		d.At(now.AddDate(0, 0, -i)).CPUSeconds += float64(i + 1) // day i ago used i+1 s
	}
	week, n := d.Sum(now.AddDate(0, 0, -6), now)
	if week.CPUSeconds != 1+2+3+4+5+6+7 || n != 7 {
		t.Errorf("week %v over %d days", week.CPUSeconds, n)
	}
	ce := CostEvidenceAt(&d, price, true, now)
	if ce.Week.CPUSeconds != 28 || ce.Prior.CPUSeconds != 8+9+10+11+12+13+14 || ce.PriorDays != 7 || !ce.HasResource {
		t.Errorf("evidence %+v", ce)
	}
	mtd, since := d.MonthToDate(Pricing{CPUHour: 3600}, now)
	if mtd != 210 || !since.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) { // days 1..20 of December: 20+19+…+1
		t.Errorf("month to date %v since %v", mtd, since)
	}
	// 35 days later the slot of 20 December is reused and emptied first.
	later := now.AddDate(0, 0, usageDays)
	d.At(later).CPUSeconds += 100
	if got, n := d.Sum(later, later); got.CPUSeconds != 100 || n != 1 {
		t.Errorf("reused slot holds %v over %d days", got.CPUSeconds, n)
	}
	if got, n := d.Sum(now, now); got.CPUSeconds != 0 || n != 0 {
		t.Errorf("overwritten day still counted: %v %d", got.CPUSeconds, n)
	}
	var empty UsageDays
	if c, since := empty.MonthToDate(price, now); c != 0 || !since.IsZero() {
		t.Errorf("empty month: %v %v", c, since)
	}
}

func TestFinOpsChecks(t *testing.T) {
	check(t, "nothing", allocation("s", false, CostEvidence{}), want{InsufficientData, "no telemetry", nil})
	check(t, "unallocated", allocation("s", true, CostEvidence{}), want{Fail, "cannot be allocated", nil})
	c := CostEvidence{Pricing: price, HasResource: true, Week: Usage{CPUSeconds: 3600, GiBHours: 2, Requests: 1000}}
	check(t, "allocated", allocation("s", true, c), want{Pass, "3600 CPU-seconds, 2.00 GiB-hours", nil})
	check(t, "unit cost", unitCost("s", c), want{Pass, "0.05 EUR (estimate) per 1 000 requests", v(0.05)})
	check(t, "no resource", unitCost("s", CostEvidence{}), want{InsufficientData, "no resource metrics", nil})
	check(t, "no requests", unitCost("s", CostEvidence{HasResource: true}), want{NotApplicable, "no requests", nil})
	check(t, "no prior week", costAnomaly("s", c), want{InsufficientData, "both this week and the week before", nil})
	c.Prior, c.PriorDays = Usage{CPUSeconds: 3600, GiBHours: 2, Requests: 1250}, 7
	check(t, "+25 %", costAnomaly("s", c), want{Pass, "+25.0 %", nil})
	c.Prior.Requests = 1300
	check(t, "+30 %", costAnomaly("s", c), want{Fail, "+30.0 %", nil})
	c.PriorDays = 0
	check(t, "prior week empty", costAnomaly("s", c), want{InsufficientData, "week before", nil})
	free := c
	free.Prior, free.PriorDays = Usage{Requests: 1000}, 7 // requests but no resource use last week
	check(t, "prior week cost nothing", costAnomaly("s", free), want{InsufficientData, "week before", nil})
	cpuOnly := CostEvidence{HasResource: true, Week: Usage{CPUSeconds: 3600, RequestedCPUHours: 4, Requests: 10}}
	check(t, "CPU requests only", idleRequested("s", cpuOnly), want{Fail, "idle 3.00 of 4.00 requested core-hours and 0.00 of 0.00", v(0.75)})
	check(t, "no requests reported", idleRequested("s", c), want{NotApplicable, "no resource requests", nil})
	c.Week.RequestedCPUHours, c.Week.RequestedGiBHours = 2, 3
	check(t, "half idle", idleRequested("s", c), want{Fail, "idle 1.00 of 2.00 requested core-hours and 1.00 of 3.00 requested GiB-hours this week (0.045 EUR estimated)", v(0.5)})
	c.Week.RequestedCPUHours = 1.9
	check(t, "under half idle", idleRequested("s", c), want{Pass, "idle 0.90 of 1.90", nil})
	c.Week.RequestedCPUHours, c.Pricing = 0, Pricing{}
	check(t, "memory only, no prices", idleRequested("s", c), want{Pass, "GiB-hours this week", v(1.0 / 3)})
}

func TestBudgetForecast(t *testing.T) {
	now := time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC) // 10 days into a 31-day month
	f := ForecastMonth(100, 20, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), now)
	if f.ObservedDays != 10 || math.Abs(f.Forecast-62) > 1e-9 || math.Abs(f.Ratio-0.62) > 1e-12 || !f.Known {
		t.Fatalf("forecast %+v", f)
	}
	if len(f.Alerts) != 3 || !f.Alerts[0].Active || f.Alerts[1].Active || f.Alerts[2].Active {
		t.Errorf("alerts %+v", f.Alerts)
	}
	// Observed since the 6th: the run rate is over 5 days, not 10.
	g := ForecastMonth(100, 20, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), now)
	if g.ObservedDays != 5 || math.Abs(g.Forecast-124) > 1e-9 || !g.Alerts[2].Active || !g.Alerts[1].Active {
		t.Errorf("late start %+v", g)
	}
	// A few hours are extrapolated as one day, never as a fraction of one.
	h := ForecastMonth(100, 1, now.Add(-2*time.Hour), now)
	if h.ObservedDays != 1 || h.Forecast != 31 {
		t.Errorf("hours %+v", h)
	}
	if ForecastMonth(0, 5, now, now).Known || ForecastMonth(10, -1, now, now).Known {
		t.Error("a zero budget or negative cost was forecast")
	}
	if z := ForecastMonth(10, 0, now.Add(-48*time.Hour), now); !z.Known || z.Ratio != 0 || z.Alerts[0].Active {
		t.Errorf("nothing spent yet is a forecast of 0: %+v", z)
	}
	half := ForecastMonth(62, 10, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), now) // 10/10 × 31 = 31 of 62
	if half.Ratio != 0.5 || !half.Alerts[0].Active || half.Alerts[1].Active {
		t.Errorf("at exactly 50 %% the first alert fires: %+v", half)
	}
	check(t, "no prices", BudgetFinding("all", f, Pricing{}), want{InsufficientData, "no prices", nil})
	check(t, "no usage", BudgetFinding("all", Forecast{}, price), want{InsufficientData, "no usage observed", nil})
	check(t, "under", BudgetFinding("all", f, price), want{Pass, "forecast 62 of a 100 EUR monthly budget (62 %; 20 estimated so far over 10.0 observed days)", v(0.62)})
	check(t, "over", BudgetFinding("all", g, price), want{Fail, "124 %", nil})
	at := ForecastMonth(100, 100.0/31, now.Add(-24*time.Hour), now)
	check(t, "exactly at", BudgetFinding("all", at, price), want{Fail, "100 %", nil})
}

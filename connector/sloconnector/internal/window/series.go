package window

import (
	"math"
	"time"
)

// Series is the state of one SLO series (one group_by combination): cumulative totals, which
// also count late events, and event-time rings for the lookback windows and the period.
type Series struct {
	Total Counts // every event ever recorded, late ones included

	rings []ring
	// calendar periods are summed exactly: the accumulator holds events of the period that
	// started at periodStart and is reset at the next boundary. The previous period stays
	// open for late events until they can no longer arrive, then joins the history.
	periodAcc   Counts
	periodStart int64
	prevAcc     Counts
	prevStart   int64
	history     []PeriodResult

	// With timeslices, slices holds the verdicts of final slices (ones whose spans can no
	// longer arrive), recorded at each slice's end; slices closed since are judged live from
	// the raw events, so a late span still revises its slice. Windows report slices.
	slices     *Series
	lastClosed int64 // index of the newest final slice

	corrections []Correction
}

// NewSeries allocates the rings spec needs. Its memory is fixed from here on.
func NewSeries(spec Spec) *Series {
	layout := spec.ringLayout()
	s := &Series{rings: make([]ring, len(layout))}
	for i, l := range layout {
		s.rings[i] = newRing(l.res, l.span)
	}
	if spec.Timeslice > 0 {
		s.slices = &Series{rings: make([]ring, len(layout))}
		for i, l := range layout {
			s.slices.rings[i] = newRing(l.res, l.span)
		}
	}
	return s
}

// MemoryBytes is the series' fixed footprint in bytes (rings plus the struct).
func (s *Series) MemoryBytes() int {
	n := 96
	for _, r := range s.rings {
		n += 40 + len(r.slots)*16
	}
	if s.slices != nil {
		n += s.slices.MemoryBytes()
	}
	return n
}

// Record adds c for an event that ended at end, seen at now. Events that ended before
// now - MaxLateness count in Total only and Record reports them late; events stamped in the
// future (clock skew) are counted as ending now.
func (s *Series) Record(spec *Spec, now, end time.Time, c Counts) (late bool) {
	s.Total = s.Total.Add(c)
	if end.Before(now.Add(-spec.MaxLateness)) {
		return true
	}
	if end.After(now) {
		end = now
	}
	s.record(spec, now, end, c)
	return false
}

func (s *Series) record(spec *Spec, now, end time.Time, c Counts) {
	s.recordAt(spec, now, end.UnixNano(), end, c)
}

// recordAt adds c to the rings at unixNano and, for a calendar period, to the period holding
// periodAt.
func (s *Series) recordAt(spec *Spec, now time.Time, unixNano int64, periodAt time.Time, c Counts) {
	for i := range s.rings {
		s.rings[i].add(unixNano, c)
	}
	if spec.Period.IsCalendar() {
		current, _ := spec.Period.Bounds(now)
		s.rollPeriod(spec, current)
		s.addToPeriod(periodAt, c)
	}
}

// Advance makes final every timeslice that ended more than max_lateness ago, the last moment
// a span of it is accepted, and records its verdict at the slice's end.
func (s *Series) Advance(spec *Spec, now time.Time) {
	defer s.advancePeriods(spec, now) // after the slices of this emit are final
	if s.slices == nil {
		return
	}
	slice := int64(spec.Timeslice)
	lastFinal := (now.UnixNano()-int64(spec.MaxLateness))/slice - 1
	from := max(s.lastClosed+1, s.oldestSlice(spec, now))
	for i := from; i <= lastFinal; i++ {
		if v, ok := spec.judge(s.sliceEvents(spec, i)); ok {
			s.slices.Total = s.slices.Total.Add(v)
			s.slices.recordAt(spec, now, (i+1)*slice, time.Unix(0, i*slice), v)
		}
	}
	s.lastClosed = max(s.lastClosed, lastFinal)
}

// oldestSlice is the first slice the finest ring still holds whole.
func (s *Series) oldestSlice(spec *Spec, now time.Time) int64 {
	slice := int64(spec.Timeslice)
	return (now.UnixNano()-int64(s.rings[0].span()))/slice + 1
}

// sliceEvents is slice i's raw events, from the finest ring.
func (s *Series) sliceEvents(spec *Spec, i int64) Counts {
	slice, base := int64(spec.Timeslice), &s.rings[0]
	return base.sum(i*slice/base.resolution, (i+1)*slice/base.resolution-1)
}

// provisional judges, from the raw events, the closed slices that are not final yet and whose
// end is after since and, for a calendar period, whose start is not before periodStart.
func (s *Series) provisional(spec *Spec, now time.Time, since int64, periodStart int64) Counts {
	var out Counts
	slice := int64(spec.Timeslice)
	for i := max(s.lastClosed+1, s.oldestSlice(spec, now)); (i+1)*slice <= now.UnixNano(); i++ {
		if (i+1)*slice <= since || i*slice < periodStart {
			continue
		}
		if v, ok := spec.judge(s.sliceEvents(spec, i)); ok {
			out = out.Add(v)
		}
	}
	return out
}

// Window returns the events of the named window at now: the buckets covering the last
// d, finest ring first. A window's oldest edge is exact to one bucket of that ring.
//
// With timeslices it returns the judged slices whose end is inside the window. A window
// shorter than one slice reads the last closed slice, the one that covers its time most
// recently, so a 5m page tier can fire with 5m, 30m or 1h slices.
func (s *Series) Window(spec *Spec, now time.Time, d time.Duration) Counts {
	if s.slices == nil {
		return s.window(now, d)
	}
	d = max(d, spec.Timeslice)
	return s.slices.window(now, d).Add(s.provisional(spec, now, now.UnixNano()-int64(d), math.MinInt64))
}

func (s *Series) window(now time.Time, d time.Duration) Counts {
	for i := range s.rings {
		r := &s.rings[i]
		if r.span() >= d {
			return r.window(now.UnixNano(), max(int64(d)/r.resolution, 1))
		}
	}
	return Counts{}
}

// Period returns the events (or judged slices) of the current period at now.
func (s *Series) Period(spec *Spec, now time.Time) Counts {
	if !spec.Period.IsCalendar() {
		return s.Window(spec, now, spec.Period.rolling)
	}
	current, _ := spec.Period.Bounds(now)
	held := s
	if s.slices != nil {
		held = s.slices
	}
	var c Counts
	if held.periodStart == current.UnixNano() {
		c = held.periodAcc
	}
	if s.slices != nil {
		c = c.Add(s.provisional(spec, now, math.MinInt64, current.UnixNano()))
	}
	return c
}

// Status is everything derived from one series at one instant. Ratios whose denominator is
// zero are reported as absent (ok = false), never as NaN or Inf.
type Status struct {
	Windows         []WindowStatus // spec.Windows in order, then the period
	BudgetRemaining float64
	Exhaustion      time.Duration
	ExhaustionOK    bool
	Alerts          map[string]bool // severity -> firing
	Tiers           []TierStatus    // spec.Tiers in order
}

// TierStatus is one alert tier at one instant: its burn factor then (calendar periods vary
// it) and whether it fires.
type TierStatus struct {
	AlertTier
	Factor float64
	Firing bool
}

// WindowStatus is one window's counts with its SLI and burn rate.
type WindowStatus struct {
	Name     string
	Counts   Counts
	SLI      float64
	BurnRate float64
	OK       bool // false when the window holds no valid events
}

// Evaluate derives the SLIs, burn rates, budget, exhaustion and alert state at now. Call
// Advance first when the SLO budgets by timeslices.
func (s *Series) Evaluate(spec *Spec, now time.Time) Status { return s.EvaluateExcluding(spec, now, 0) }

// EvaluateExcluding is Evaluate for a timeslice SLO whose period holds excludedSlices slices
// inside maintenance windows: they leave the period's slice count, so they cost no budget.
func (s *Series) EvaluateExcluding(spec *Spec, now time.Time, excludedSlices int) Status {
	st := Status{Windows: make([]WindowStatus, 0, len(spec.Windows)+1), Alerts: make(map[string]bool, 2)}
	byName := make(map[string]WindowStatus, len(spec.Windows))
	for _, w := range spec.Windows {
		ws := windowStatus(w.Name, s.Window(spec, now, w.Duration), spec.Objective)
		st.Windows = append(st.Windows, ws)
		byName[w.Name] = ws
	}
	period := windowStatus(PeriodWindow, s.Period(spec, now), spec.Objective)
	st.Windows = append(st.Windows, period)

	st.BudgetRemaining = BudgetRemaining(period.Counts, spec.Objective)
	if spec.Timeslice > 0 {
		st.BudgetRemaining = SliceBudgetRemaining(period.Counts, spec.Objective, max(spec.slicesInPeriod(now)-float64(excludedSlices), 0))
	}
	_, periodEnd := spec.Period.Bounds(now)
	timeLeft := spec.Period.Length(now)
	if spec.Period.IsCalendar() {
		timeLeft = periodEnd.Sub(now)
	}
	if oneHour, ok := byName["1h"]; ok && oneHour.OK {
		st.Exhaustion, st.ExhaustionOK = Exhaustion(st.BudgetRemaining, oneHour.BurnRate, spec.Period.Length(now), timeLeft)
	}
	for _, sev := range Severities {
		st.Alerts[sev] = false
	}
	st.Tiers = make([]TierStatus, len(spec.Tiers))
	for i, tier := range spec.Tiers {
		short, long := byName[tier.Short], byName[tier.Long]
		factor := spec.BurnFactor(tier, now)
		threshold := factor * (1 - spec.Objective)
		firing := short.OK && long.OK && s.guardEvents(spec, now, tier.Long, long.Counts) >= spec.MinValidEvents &&
			short.BurnRate > factor && long.BurnRate > factor &&
			spec.supports(short.Counts, threshold) && spec.supports(long.Counts, threshold)
		st.Tiers[i] = TierStatus{AlertTier: tier, Factor: factor, Firing: firing}
		if firing {
			st.Alerts[tier.Severity] = true
		}
	}
	return st
}

// guardEvents is the low-traffic guard's count: the long window's events, also when the
// windows count slices (then read from the raw rings; otherwise they are the window's counts).
func (s *Series) guardEvents(spec *Spec, now time.Time, long string, window Counts) float64 {
	if s.slices == nil {
		return window.Valid()
	}
	d, _ := spec.window(long)
	return s.window(now, d).Valid()
}

func windowStatus(name string, c Counts, objective float64) WindowStatus {
	ws := WindowStatus{Name: name, Counts: c}
	ws.SLI, ws.OK = SLI(c)
	if ws.OK {
		ws.BurnRate = BurnRate(ws.SLI, objective)
	}
	return ws
}

// SLI is good ÷ valid; ok is false when there are no valid events (or the weights are not finite).
func SLI(c Counts) (sli float64, ok bool) {
	valid := c.Valid()
	if valid == 0 || !finite(valid) {
		return 0, false
	}
	sli = c.Good / valid
	return sli, finite(sli)
}

// BurnRate is the error ratio over the error budget: (1 − sli) ÷ (1 − objective).
func BurnRate(sli, objective float64) float64 { return (1 - sli) / (1 - objective) }

// BudgetRemaining is the share of the period's error budget left:
// 1 − bad ÷ ((1 − objective) × valid). It is 1 with no traffic and may go negative.
func BudgetRemaining(period Counts, objective float64) float64 {
	valid := period.Valid()
	if valid == 0 || !finite(valid) {
		return 1
	}
	r := 1 - period.Bad/((1-objective)*valid)
	if !finite(r) {
		return 1
	}
	return r
}

// SliceBudgetRemaining is the share of a timeslice budget left: the period allows
// (1 − objective) × slices bad slices, however many have been judged so far, so one bad slice
// early in a calendar month costs what it costs at its end.
func SliceBudgetRemaining(period Counts, objective float64, slices float64) float64 {
	r := 1 - period.Bad/((1-objective)*slices)
	if !finite(r) {
		return 1
	}
	return r
}

// Exhaustion is how long the remaining budget lasts at burnRate: remaining × period ÷ burn.
// ok is false when it would not run out before timeLeft (or is not burning at all). A budget
// already spent is exhausted now (0, true).
func Exhaustion(remaining, burnRate float64, period, timeLeft time.Duration) (time.Duration, bool) {
	if remaining <= 0 {
		return 0, true
	}
	if !(burnRate > 0) {
		return 0, false
	}
	seconds := remaining * period.Seconds() / burnRate
	if !finite(seconds) || seconds > timeLeft.Seconds() {
		return 0, false
	}
	return time.Duration(seconds * float64(time.Second)), true
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

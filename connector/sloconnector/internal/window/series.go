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
	// started at periodStart and is reset at the next boundary.
	periodAcc   Counts
	periodStart int64

	// With timeslices, slices holds one event per closed slice (good or bad), and the
	// windows and period report slices instead of raw events.
	slices     *Series
	lastClosed int64 // index of the newest slice judged
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
	endNano := end.UnixNano()
	for i := range s.rings {
		s.rings[i].add(endNano, c)
	}
	if spec.Period.IsCalendar() {
		current, _ := spec.Period.Bounds(now)
		s.rollPeriod(current)
		if !end.Before(current) {
			s.periodAcc = s.periodAcc.Add(c)
		}
	}
}

// Advance judges every timeslice that has closed by now. Spans that arrive after their slice
// was judged count in the totals and raw windows but do not revise the verdict.
func (s *Series) Advance(spec *Spec, now time.Time) {
	if s.slices == nil {
		return
	}
	slice := int64(spec.Timeslice)
	current := now.UnixNano() / slice
	from := s.lastClosed + 1
	if oldest := current - int64(360*spec.Unit)/slice; from < oldest {
		from = oldest
	}
	base := &s.rings[0]
	for i := from; i < current; i++ {
		first := i * slice / base.resolution
		c := base.sum(first, (i+1)*slice/base.resolution-1)
		if !(c.Valid() > 0) {
			continue
		}
		verdict := Counts{Bad: 1}
		if c.Good/c.Valid() >= spec.SliceTarget {
			verdict = Counts{Good: 1}
		}
		s.slices.Total = s.slices.Total.Add(verdict)
		s.slices.record(spec, now, time.Unix(0, i*slice), verdict)
	}
	if current-1 > s.lastClosed {
		s.lastClosed = current - 1
	}
}

// events is where windows are read from: raw events, or judged slices.
func (s *Series) events() *Series {
	if s.slices != nil {
		return s.slices
	}
	return s
}

func (s *Series) rollPeriod(current time.Time) {
	if start := current.UnixNano(); s.periodStart != start {
		s.periodStart, s.periodAcc = start, Counts{}
	}
}

// Window returns the events of the named window at now: the buckets covering the last
// d, finest ring first. A window's oldest edge is exact to one bucket of that ring.
func (s *Series) Window(spec *Spec, now time.Time, d time.Duration) Counts {
	return s.events().window(now, d)
}

func (s *Series) window(now time.Time, d time.Duration) Counts {
	for i := range s.rings {
		r := &s.rings[i]
		if r.span() >= d {
			buckets := int64(d) / r.resolution
			if buckets < 1 {
				buckets = 1
			}
			return r.window(now.UnixNano(), buckets)
		}
	}
	return Counts{}
}

// Period returns the events of the current period at now.
func (s *Series) Period(spec *Spec, now time.Time) Counts {
	s = s.events()
	if spec.Period.IsCalendar() {
		current, _ := spec.Period.Bounds(now)
		if s.periodStart != current.UnixNano() {
			return Counts{}
		}
		return s.periodAcc
	}
	return s.window(now, spec.Period.rolling)
}

// Status is everything derived from one series at one instant. Ratios whose denominator is
// zero are reported as absent (ok = false), never as NaN or Inf.
type Status struct {
	Windows         []WindowStatus // spec.Windows in order, then the period
	BudgetRemaining float64
	Exhaustion      time.Duration
	ExhaustionOK    bool
	Alerts          map[string]bool // severity -> firing
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
func (s *Series) Evaluate(spec *Spec, now time.Time) Status {
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
	for _, tier := range spec.Tiers {
		short, long := byName[tier.Short], byName[tier.Long]
		factor := spec.BurnFactor(tier, now)
		if short.OK && long.OK && long.Counts.Valid() >= spec.MinValidEvents &&
			short.BurnRate > factor && long.BurnRate > factor {
			st.Alerts[tier.Severity] = true
		}
	}
	return st
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
	if !(valid > 0) || math.IsInf(valid, 0) {
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
	if !(valid > 0) || math.IsInf(valid, 0) {
		return 1
	}
	r := 1 - period.Bad/((1-objective)*valid)
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

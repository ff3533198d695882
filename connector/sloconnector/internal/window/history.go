package window

import "time"

// MaxHistory is how many closed calendar periods a series keeps: a year of months.
const MaxHistory = 12

// PeriodResult is a closed calendar period's final events (or judged slices).
type PeriodResult struct {
	Start  int64 // unix nanos
	Length time.Duration
	Counts Counts
}

// SLI is the period's final good ÷ valid; ok is false for a period without traffic.
func (r PeriodResult) SLI() (float64, bool) { return SLI(r.Counts) }

// BudgetRemaining is the period's final share of its error budget left.
func (r PeriodResult) BudgetRemaining(spec *Spec) float64 {
	if spec.Timeslice > 0 {
		return SliceBudgetRemaining(r.Counts, spec.Objective, float64(r.Length/spec.Timeslice))
	}
	return BudgetRemaining(r.Counts, spec.Objective)
}

// History is the closed calendar periods, oldest first.
func (s *Series) History() []PeriodResult {
	if s.slices != nil {
		return s.slices.history
	}
	return s.history
}

// rollPeriod starts the period that began at current. The period before it stays open for
// late events until closePrevious makes it final.
func (s *Series) rollPeriod(spec *Spec, current time.Time) {
	start := current.UnixNano()
	if s.periodStart == start {
		return
	}
	s.closePrevious(spec) // a period older than the previous one is final by now
	if s.periodStart != 0 && s.periodStart < start {
		s.prevStart, s.prevAcc = s.periodStart, s.periodAcc
	}
	s.periodStart, s.periodAcc = start, Counts{}
}

// addToPeriod counts c in the current period, or in the previous one while it is still open.
func (s *Series) addToPeriod(periodAt time.Time, c Counts) {
	switch at := periodAt.UnixNano(); {
	case at >= s.periodStart:
		s.periodAcc = s.periodAcc.Add(c)
	case s.prevStart != 0 && at >= s.prevStart:
		s.prevAcc = s.prevAcc.Add(c)
	}
}

// closePrevious keeps the previous period's final result. A period with no traffic has no SLI
// and is not kept.
func (s *Series) closePrevious(spec *Spec) {
	if s.prevStart == 0 {
		return
	}
	if s.prevAcc.Valid() > 0 {
		start, end := spec.Period.Bounds(time.Unix(0, s.prevStart))
		s.history = append(s.history, PeriodResult{Start: s.prevStart, Length: end.Sub(start), Counts: s.prevAcc})
		if len(s.history) > MaxHistory {
			s.history = append(s.history[:0], s.history[len(s.history)-MaxHistory:]...)
		}
	}
	s.prevStart, s.prevAcc = 0, Counts{}
}

// advancePeriods rolls the calendar period at now and makes the previous one final once no
// span (or slice verdict) of it can arrive any more.
func (s *Series) advancePeriods(spec *Spec, now time.Time) {
	if !spec.Period.IsCalendar() {
		return
	}
	current, _ := spec.Period.Bounds(now)
	for _, held := range []*Series{s, s.slices} {
		if held == nil {
			continue
		}
		held.rollPeriod(spec, current)
		if held.prevStart != 0 && !now.Before(current.Add(spec.MaxLateness+spec.Timeslice)) {
			held.closePrevious(spec)
		}
	}
}

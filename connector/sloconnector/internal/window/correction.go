package window

import "time"

// MaxCorrections bounds the corrections a series remembers.
const MaxCorrections = 32

// Correction is a maintenance window added after the fact, and the events it took back.
type Correction struct {
	From, To    int64 // unix nanos: the window as configured
	Applied     int64 // unix nanos
	PeriodStart int64 // the calendar period it fell in; 0 for a rolling period
	Reason      string
	TakenBack   Counts // events (slices, for a timeslice SLO) taken out of the windows
}

// piece is what one bucket gave back: the events of [start, end).
type piece struct {
	start, end int64
	counts     Counts
}

// TakeBack removes the events that ended in [from, to) from every window and the calendar
// period, records the correction when it took anything and returns what it took back. Each ring is exact to its own
// bucket: a bucket the window only partly covers gives back what the finer ring says of that
// part while the finer ring still holds the bucket, else all of it (older events are only
// known to the hour). A timeslice SLO also gives back the verdicts of the slices wholly inside
// the window; a slice the window cuts keeps its verdict.
func (s *Series) TakeBack(spec *Spec, now, from, to time.Time, reason string) Counts {
	if !from.Before(to) {
		return Counts{}
	}
	taken := s.takeBack(from.UnixNano(), to.UnixNano())
	if s.slices != nil {
		slice := int64(spec.Timeslice)
		// A slice's verdict is recorded at its end: the wholly covered slices end in [from+slice, to].
		first := (from.UnixNano() + slice - 1) / slice * slice
		taken = s.slices.takeBack(first+slice, to.UnixNano()/slice*slice+1)
	}
	if taken == (Counts{}) {
		return taken // nothing stored to correct, nothing to record
	}
	c := Correction{From: from.UnixNano(), To: to.UnixNano(), Applied: now.UnixNano(), Reason: reason, TakenBack: taken}
	if spec.Period.IsCalendar() {
		start, _ := spec.Period.Bounds(from)
		c.PeriodStart = start.UnixNano()
	}
	s.corrections = append(s.corrections, c)
	if len(s.corrections) > MaxCorrections {
		s.corrections = append(s.corrections[:0], s.corrections[len(s.corrections)-MaxCorrections:]...)
	}
	return taken
}

// Corrections are the corrections applied to the series, oldest first.
func (s *Series) Corrections() []Correction { return s.corrections }

func (s *Series) takeBack(from, to int64) Counts {
	if from >= to {
		return Counts{}
	}
	var finer []piece
	var finerHeld int64 // the oldest instant the finer ring still holds, once haveFiner
	haveFiner := false
	for i := range s.rings {
		r := &s.rings[i]
		if r.empty {
			continue
		}
		heldFrom := (r.latest - int64(len(r.slots)) + 1) * r.resolution
		var pieces []piece
		for idx := max(from, heldFrom) / r.resolution; idx*r.resolution < to && idx <= r.latest; idx++ {
			start, end := idx*r.resolution, (idx+1)*r.resolution
			slot := &r.slots[r.slot(idx)]
			amount := *slot
			if haveFiner && start >= finerHeld {
				amount = Counts{}
				for _, p := range finer {
					if p.start >= start && p.end <= end {
						amount = amount.Add(p.counts)
					}
				}
			}
			amount = Counts{Good: min(amount.Good, slot.Good), Bad: min(amount.Bad, slot.Bad)}
			slot.Good, slot.Bad = slot.Good-amount.Good, slot.Bad-amount.Bad
			pieces = append(pieces, piece{start: start, end: end, counts: amount})
		}
		finer, finerHeld, haveFiner = pieces, heldFrom, true
	}
	var taken Counts
	for _, p := range finer {
		taken = taken.Add(p.counts)
		s.subtractFromPeriod(p)
	}
	return taken
}

// subtractFromPeriod takes p out of the calendar period that holds its start: the current one,
// the previous one still open for late events, or a closed one in the history.
func (s *Series) subtractFromPeriod(p piece) {
	sub := func(c *Counts) {
		c.Good, c.Bad = max(c.Good-p.counts.Good, 0), max(c.Bad-p.counts.Bad, 0)
	}
	switch {
	case s.periodStart != 0 && p.start >= s.periodStart:
		sub(&s.periodAcc)
	case s.prevStart != 0 && p.start >= s.prevStart:
		sub(&s.prevAcc)
	default:
		for i := range s.history {
			h := &s.history[i]
			if p.start >= h.Start && p.start < h.Start+int64(h.Length) {
				sub(&h.Counts)
			}
		}
	}
}

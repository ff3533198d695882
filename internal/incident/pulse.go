package incident

import "time"

// Interval is what one series received between two emits: the events that arrived, and
// whether they burned budget faster than the SLO allows.
type Interval struct {
	From, To   time.Time
	Bad, Valid float64
	// Burning: the bad share exceeds the allowance (1 − objective). Clean: events arrived and
	// their bad share is within it. An interval without events is neither.
	Burning, Clean bool
}

// Pulse follows one series from emit to emit, from its cumulative counts. The alert windows
// lag what the service does by their length (a 5m window holds a fixed outage's failures for
// five minutes); the newest interval does not, so it says when a burn began and when the
// service recovered to within one emit.
type Pulse struct {
	lastBad, lastValid float64
	lastAt             time.Time
	// burningSince is the end of the first burning interval of the current run of them; zero
	// after a clean interval.
	burningSince time.Time
}

// Observe takes the series' cumulative bad and valid counts at an emit and returns the
// interval since the previous one. The first call only sets the baseline.
func (p *Pulse) Observe(at time.Time, badTotal, validTotal, allowance float64) Interval {
	iv := Interval{From: p.lastAt, To: at, Bad: badTotal - p.lastBad, Valid: validTotal - p.lastValid}
	first := p.lastAt.IsZero()
	p.lastBad, p.lastValid, p.lastAt = badTotal, validTotal, at
	if first || !(iv.Valid > 0) || iv.Bad < 0 {
		return Interval{From: at, To: at}
	}
	iv.Burning = iv.Bad > allowance*iv.Valid
	iv.Clean = !iv.Burning
	switch {
	case iv.Burning && p.burningSince.IsZero():
		p.burningSince = at
	case iv.Clean:
		p.burningSince = time.Time{}
	}
	return iv
}

// BurningSince is the end of the first interval of the current burning run, or zero.
func (p *Pulse) BurningSince() time.Time { return p.burningSince }

package incident

import (
	"math"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/stats"
)

// Interval is what one series received between two emits: the events that arrived, and
// whether they burned budget at a rate that pages.
type Interval struct {
	From, To   time.Time
	Bad, Valid float64
	// Burning: the evidence says the bad share exceeds the threshold (the lower bound of its
	// Wilson interval is above it). Clean: events arrived and their bad share is within it.
	// An interval without events, or one whose share is above the threshold on too few
	// events to say so, is neither: one emit's worth of a low-traffic service is noisy.
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
// interval since the previous one, judged against threshold (an error ratio) at z standard
// deviations (0: the point estimate alone). The first call only sets the baseline.
func (p *Pulse) Observe(at time.Time, badTotal, validTotal, threshold, z float64) Interval {
	iv := Interval{From: p.lastAt, To: at, Bad: badTotal - p.lastBad, Valid: validTotal - p.lastValid}
	first := p.lastAt.IsZero()
	p.lastBad, p.lastValid, p.lastAt = badTotal, validTotal, at
	// Non-finite weights (a sender's th of 0 upstream, a counter overflow) are no evidence.
	if first || !(iv.Valid > 0) || math.IsInf(iv.Valid, 0) || !(iv.Bad >= 0) || math.IsInf(iv.Bad, 0) {
		return Interval{From: at, To: at}
	}
	iv.Clean = iv.Bad <= threshold*iv.Valid
	iv.Burning = !iv.Clean && stats.WilsonLower(iv.Bad, iv.Valid, z) > threshold
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

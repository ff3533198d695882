package window

import (
	"errors"
	"fmt"
)

// Snapshot is a Series in a form encoding/gob can store and restore.
type Snapshot struct {
	Total       Counts
	Rings       []RingSnapshot
	PeriodAcc   Counts
	PeriodStart int64
	Slices      *Snapshot
	LastClosed  int64
	PrevAcc     Counts
	PrevStart   int64
	History     []PeriodResult
	Corrections []Correction
}

// RingSnapshot is one ring's buckets.
type RingSnapshot struct {
	Resolution int64
	Latest     int64
	Empty      bool
	Slots      []Counts
}

// Snapshot copies the series' state.
func (s *Series) Snapshot() Snapshot {
	snap := Snapshot{Total: s.Total, PeriodAcc: s.periodAcc, PeriodStart: s.periodStart, LastClosed: s.lastClosed,
		PrevAcc: s.prevAcc, PrevStart: s.prevStart, History: append([]PeriodResult(nil), s.history...),
		Corrections: append([]Correction(nil), s.corrections...)}
	for _, r := range s.rings {
		snap.Rings = append(snap.Rings, RingSnapshot{Resolution: r.resolution, Latest: r.latest, Empty: r.empty, Slots: append([]Counts(nil), r.slots...)})
	}
	if s.slices != nil {
		sl := s.slices.Snapshot()
		snap.Slices = &sl
	}
	return snap
}

// RestoreSeries rebuilds a series for spec from snap. It fails when the snapshot was taken
// with another ring layout, so the caller can start that SLO afresh instead of mixing histories.
func RestoreSeries(spec Spec, snap Snapshot) (*Series, error) {
	s := NewSeries(spec)
	if err := s.restore(snap); err != nil {
		return nil, err
	}
	if (s.slices == nil) != (snap.Slices == nil) {
		return nil, errors.New("snapshot budgeting method differs")
	}
	if s.slices != nil {
		if err := s.slices.restore(*snap.Slices); err != nil {
			return nil, err
		}
	}
	s.lastClosed = snap.LastClosed
	return s, nil
}

func (s *Series) restore(snap Snapshot) error {
	if len(snap.Rings) != len(s.rings) {
		return fmt.Errorf("snapshot has %d rings, layout has %d", len(snap.Rings), len(s.rings))
	}
	for i, rs := range snap.Rings {
		r := &s.rings[i]
		if rs.Resolution != r.resolution || len(rs.Slots) != len(r.slots) {
			return fmt.Errorf("snapshot ring %d is %d×%dns, layout is %d×%dns", i, len(rs.Slots), rs.Resolution, len(r.slots), r.resolution)
		}
		copy(r.slots, rs.Slots)
		r.latest, r.empty = rs.Latest, rs.Empty
	}
	s.Total, s.periodAcc, s.periodStart = snap.Total, snap.PeriodAcc, snap.PeriodStart
	s.prevAcc, s.prevStart, s.history = snap.PrevAcc, snap.PrevStart, append([]PeriodResult(nil), snap.History...)
	s.corrections = append([]Correction(nil), snap.Corrections...)
	return nil
}

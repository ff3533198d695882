package policy

import (
	"maps"
	"slices"
	"time"
)

// Boost raises the ratio of services whose SLO is burning. A service is boosted from the first
// update that reports it burning until cooldown after the last one that did, so a flapping
// alert does not flap the sampling with it. Ratios change only at updates, from alert state
// that does not depend on any trace's randomness, so thresholds written with them stay
// unbiased. It is not safe for concurrent use; the processor reads its result through per-key
// flags.
type Boost struct {
	Ratio      float64
	Cooldown   time.Duration
	MaxTracked int // services remembered; a burning service past it is not boosted

	until map[string]time.Time
}

// Change is a service starting or ending its boost.
type Change struct {
	Service string
	Boosted bool
}

// NewBoost returns a boost with no service boosted.
func NewBoost(ratio float64, cooldown time.Duration, maxTracked int) *Boost {
	return &Boost{Ratio: ratio, Cooldown: cooldown, MaxTracked: max(maxTracked, 1), until: map[string]time.Time{}}
}

// Update applies the services burning now and returns the changes, ordered by service.
func (b *Boost) Update(burning map[string]bool, now time.Time) []Change {
	var changes []Change
	for _, svc := range slices.Sorted(maps.Keys(burning)) {
		if !burning[svc] {
			continue
		}
		if _, ok := b.until[svc]; !ok {
			if len(b.until) >= b.MaxTracked {
				continue
			}
			changes = append(changes, Change{svc, true})
		}
		b.until[svc] = now.Add(b.Cooldown)
	}
	for _, svc := range slices.Sorted(maps.Keys(b.until)) {
		if !burning[svc] && !now.Before(b.until[svc]) {
			delete(b.until, svc)
			changes = append(changes, Change{svc, false})
		}
	}
	return changes
}

// Active reports whether a service is boosted.
func (b *Boost) Active(service string) bool {
	_, ok := b.until[service]
	return ok
}

// Boosted returns the boosted services, sorted.
func (b *Boost) Boosted() []string { return slices.Sorted(maps.Keys(b.until)) }

package window

import "time"

// Counts are weighted event counts. Valid events are good plus bad.
type Counts struct {
	Good, Bad float64
}

// Valid is the number of valid events.
func (c Counts) Valid() float64 { return c.Good + c.Bad }

// Add returns c plus o.
func (c Counts) Add(o Counts) Counts { return Counts{Good: c.Good + o.Good, Bad: c.Bad + o.Bad} }

// ring is a fixed array of time buckets indexed by unixNano / resolution. Buckets older than the
// ring's span are overwritten as time advances, so memory per ring never grows.
type ring struct {
	resolution int64 // nanoseconds per bucket
	slots      []Counts
	latest     int64 // index of the newest bucket written; older ones follow it round the ring
	empty      bool
}

func newRing(resolution, span time.Duration) ring {
	n := int((span + resolution - 1) / resolution)
	return ring{resolution: int64(resolution), slots: make([]Counts, n), empty: true}
}

func (r *ring) index(unixNano int64) int64 {
	if unixNano < 0 {
		return -1
	}
	return unixNano / r.resolution
}

func (r *ring) slot(idx int64) int { return int(idx % int64(len(r.slots))) }

// add puts c into the bucket holding unixNano. It returns false when that bucket has already
// left the ring.
func (r *ring) add(unixNano int64, c Counts) bool {
	idx := r.index(unixNano)
	if idx < 0 {
		return false
	}
	n := int64(len(r.slots))
	switch {
	case r.empty:
		r.latest, r.empty = idx, false
		r.slots[r.slot(idx)] = Counts{}
	case idx > r.latest:
		// Clear the buckets the ring skipped over: they belong to times with no events.
		from := r.latest + 1
		if idx-from >= n {
			from = idx - n + 1
		}
		for i := from; i <= idx; i++ {
			r.slots[r.slot(i)] = Counts{}
		}
		r.latest = idx
	case idx <= r.latest-n:
		return false
	}
	s := &r.slots[r.slot(idx)]
	s.Good += c.Good
	s.Bad += c.Bad
	return true
}

// sum adds the buckets with index in [from, to] that the ring still holds.
func (r *ring) sum(from, to int64) Counts {
	var out Counts
	if r.empty {
		return out
	}
	from = max(from, r.latest-int64(len(r.slots))+1) // older buckets have left the ring
	to = min(to, r.latest)
	for i := from; i <= to; i++ {
		s := r.slots[r.slot(i)]
		out.Good += s.Good
		out.Bad += s.Bad
	}
	return out
}

// window sums the last `buckets` buckets ending with the one that holds nowNano.
func (r *ring) window(nowNano int64, buckets int64) Counts {
	end := r.index(nowNano)
	return r.sum(end-buckets+1, end)
}

func (r *ring) span() time.Duration { return time.Duration(r.resolution * int64(len(r.slots))) }

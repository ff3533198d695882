package decide

// keptCache remembers why a trace was kept and with which threshold, evicting the oldest
// entry first once it holds capacity traces.
type keptCache struct {
	entries map[TraceID]Kept
	ring    []TraceID
	next    int
	full    bool
}

// Kept is a cached keep decision.
type Kept struct {
	Reason    Reason
	Threshold uint64
}

func newKeptCache(capacity int) *keptCache {
	return &keptCache{entries: make(map[TraceID]Kept, capacity), ring: make([]TraceID, capacity)}
}

func (c *keptCache) get(id TraceID) (Kept, bool) {
	k, ok := c.entries[id]
	return k, ok
}

func (c *keptCache) put(id TraceID, k Kept) {
	if len(c.ring) == 0 {
		return
	}
	if _, ok := c.entries[id]; ok {
		c.entries[id] = k
		return
	}
	if c.full {
		delete(c.entries, c.ring[c.next])
	}
	c.ring[c.next] = id
	c.entries[id] = k
	if c.next++; c.next == len(c.ring) {
		c.next, c.full = 0, true
	}
}

// droppedCache is a set of dropped trace ids keyed by their low 64 bits (collisions among a
// million random ids are vanishingly rare, and a collision only drops a late span).
type droppedCache struct {
	set  map[uint64]struct{}
	ring []uint64
	next int
	full bool
}

func newDroppedCache(capacity int) *droppedCache {
	return &droppedCache{set: make(map[uint64]struct{}, min(capacity, 1<<16)), ring: make([]uint64, capacity)}
}

func lowBits(id TraceID) uint64 {
	var v uint64
	for _, b := range id[8:] {
		v = v<<8 | uint64(b)
	}
	return v
}

func (c *droppedCache) has(id TraceID) bool {
	_, ok := c.set[lowBits(id)]
	return ok
}

func (c *droppedCache) remove(id TraceID) { delete(c.set, lowBits(id)) }

func (c *droppedCache) put(id TraceID) {
	if len(c.ring) == 0 {
		return
	}
	key := lowBits(id)
	if _, ok := c.set[key]; ok {
		return
	}
	if c.full {
		delete(c.set, c.ring[c.next])
	}
	c.ring[c.next] = key
	c.set[key] = struct{}{}
	if c.next++; c.next == len(c.ring) {
		c.next, c.full = 0, true
	}
}

package decide

// verdictCache remembers the verdicts of decided traces for their late spans. It is a fixed
// direct-mapped table: a new verdict overwrites whatever sat in its slot, so there is no
// map to grow or rehash and its memory is exactly CacheBytes, allocated up front. An entry
// survives about capacity/decisions-per-second seconds (63 % of entries after that long at a
// steady rate, 99 % after a hundredth of it), ample for late spans that trail their trace by
// seconds. The tag is the trace id's low 56 bits: a false match among random ids is a 2^-56
// event, and costs one late span the wrong verdict.
type verdictCache struct {
	slots []cacheSlot
}

type cacheSlot struct {
	tag   uint64 // mode in the top byte (ModeNone: empty), low 56 bits of the id below
	ratio float64
}

const tagMask = 1<<56 - 1

// CacheBytes is what a cache of n entries holds.
func CacheBytes(n int) int64 { return int64(n) * 16 }

func newVerdictCache(capacity int) *verdictCache {
	return &verdictCache{slots: make([]cacheSlot, capacity)}
}

func lowBits(id TraceID) uint64 {
	var v uint64
	for _, b := range id[8:] {
		v = v<<8 | uint64(b)
	}
	return v
}

// slot spreads ids over the table even when their low bits are not random.
func (c *verdictCache) slot(low uint64) *cacheSlot {
	h := (low ^ low>>29) * 0xBF58476D1CE4E5B9
	return &c.slots[(h^h>>32)%uint64(len(c.slots))]
}

func (c *verdictCache) get(id TraceID) (Verdict, bool) {
	if len(c.slots) == 0 {
		return Verdict{}, false
	}
	low := lowBits(id)
	s := c.slot(low)
	if mode := Mode(s.tag >> 56); mode != ModeNone && s.tag&tagMask == low&tagMask {
		return Verdict{Mode: mode, Ratio: s.ratio}, true
	}
	return Verdict{}, false
}

func (c *verdictCache) put(id TraceID, v Verdict) {
	if len(c.slots) == 0 || v.Mode == ModeNone {
		return
	}
	low := lowBits(id)
	*c.slot(low) = cacheSlot{tag: uint64(v.Mode)<<56 | low&tagMask, ratio: v.Ratio}
}

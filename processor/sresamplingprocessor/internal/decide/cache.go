package decide

// verdictCache remembers the verdicts of decided traces for their late spans. It is a fixed
// table of buckets of 8 entries, each bucket ordered newest first: a new verdict pushes the
// bucket's oldest out. There is no map to grow or rehash, so its memory is exactly CacheBytes,
// allocated up front, and retention is close to first-in first-out over the whole table: an
// entry survives until its bucket has taken 8 newer ones, about capacity later decisions. The
// tag is the trace id's low 56 bits: a false match among random ids is a 2^-56 event, and
// costs one late span the wrong verdict.
type verdictCache struct {
	slots []cacheSlot
}

type cacheSlot struct {
	tag   uint64 // mode in the top byte (ModeNone: empty), low 56 bits of the id below
	ratio float64
}

const (
	tagMask    = 1<<56 - 1
	bucketSize = 8
)

// CacheBytes is what a cache of n entries holds (n rounded up to whole buckets).
func CacheBytes(n int) int64 { return int64(roundToBuckets(n)) * 16 }

func roundToBuckets(n int) int { return (n + bucketSize - 1) / bucketSize * bucketSize }

func newVerdictCache(capacity int) *verdictCache {
	return &verdictCache{slots: make([]cacheSlot, roundToBuckets(capacity))}
}

func lowBits(id TraceID) uint64 {
	var v uint64
	for _, b := range id[8:] {
		v = v<<8 | uint64(b)
	}
	return v
}

// bucket spreads ids over the table even when their low bits are not random.
func (c *verdictCache) bucket(low uint64) []cacheSlot {
	h := (low ^ low>>29) * 0xBF58476D1CE4E5B9
	b := int((h ^ h>>32) % uint64(len(c.slots)/bucketSize))
	return c.slots[b*bucketSize : (b+1)*bucketSize]
}

func (c *verdictCache) get(id TraceID) (Verdict, bool) {
	if len(c.slots) == 0 {
		return Verdict{}, false
	}
	low := lowBits(id) & tagMask
	for _, s := range c.bucket(low) {
		if mode := Mode(s.tag >> 56); mode != ModeNone && s.tag&tagMask == low {
			return Verdict{Mode: mode, Ratio: s.ratio}, true
		}
	}
	return Verdict{}, false
}

func (c *verdictCache) put(id TraceID, v Verdict) {
	if len(c.slots) == 0 || v.Mode == ModeNone {
		return
	}
	low := lowBits(id) & tagMask
	entry := cacheSlot{tag: uint64(v.Mode)<<56 | low, ratio: v.Ratio}
	bucket := c.bucket(low)
	for i := range bucket {
		if Mode(bucket[i].tag>>56) != ModeNone && bucket[i].tag&tagMask == low {
			bucket[i] = entry
			return
		}
	}
	copy(bucket[1:], bucket[:len(bucket)-1])
	bucket[0] = entry
}

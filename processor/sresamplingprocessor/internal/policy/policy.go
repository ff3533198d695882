// Package policy holds the sampling policy of sre_sampling that is not about one trace: the
// ordered rules, the per-key ratios of dynamic sampling and the throughput cap. It has no
// collector imports; the processor feeds it counts and asks it for ratios.
package policy

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// Action of a rule.
type Action uint8

const (
	// Keep keeps the trace: every span at once (Ratio 0 or 1), or a consistent Ratio of it.
	Keep Action = iota
	// Drop drops the trace, evidence included.
	Drop
)

// Rule is one entry of the ordered rules; its condition is evaluated by the caller.
type Rule struct {
	Action Action
	Ratio  float64 // for Keep: 0 or 1 keeps every span, otherwise the trace's ratio
}

// KeepsAll reports whether the rule keeps every span, which decides a trace at once.
func (r Rule) KeepsAll() bool { return r.Action == Keep && (r.Ratio == 0 || r.Ratio >= 1) }

// Rules are evaluated in order: the lowest-index rule any span of a trace matched is the
// trace's rule.
type Rules []Rule

// NoRule is the index of "no rule matched".
const NoRule = math.MaxInt16

// DropIsFinal reports whether a drop at index i can no longer be overridden by a later span:
// no rule before it keeps.
func (rs Rules) DropIsFinal(i int) bool {
	if i >= len(rs) || rs[i].Action != Drop {
		return false
	}
	for _, r := range rs[:i] {
		if r.Action == Keep {
			return false
		}
	}
	return true
}

// Config of a Controller.
type Config struct {
	Ratio                float64 // the ratio of ordinary traces when no target is set
	TargetSpansPerSecond float64 // 0: ordinary traces use Ratio
	MaxSpansPerSecond    float64 // 0: no cap
	MinErrorRatio        float64 // the cap never takes evidence traces below this ratio
	MaxKeys              int
	MinRatio             float64 // floor of any ordinary ratio, so a threshold stays representable
}

// OtherKey is the key every trace shares once MaxKeys keys are known.
const OtherKey = 0

// Controller adapts per-key ratios towards the target and the evidence ratio under the cap,
// from what was decided in the last interval. Ratios depend only on past counts, never on a
// trace's randomness, so the thresholds written with them keep adjusted counts unbiased.
// Count and the ratio getters are safe for concurrent use without a lock.
type Controller struct {
	cfg Config

	mu    sync.RWMutex
	index map[string]uint32
	names []string

	ordinary []atomic.Int64 // spans of ordinary traces decided per key since the last Adjust
	fixed    atomic.Int64   // spans kept by fixed-ratio rules, scaled by 1e6
	evidence atomic.Int64   // spans of evidence traces since the last Adjust

	smoothed      []float64 // per key, spans per second (exponential average)
	smoothedEv    float64
	smoothedFixed float64
	adjusted      bool

	ratios        []atomic.Uint64 // float64 bits per key
	evidenceRatio atomic.Uint64
	newKeyRatio   atomic.Uint64
}

// NewController returns a controller with every ratio at its static value.
func NewController(cfg Config) *Controller {
	cfg.MaxKeys = max(cfg.MaxKeys, 1)
	if cfg.MinRatio == 0 {
		cfg.MinRatio = 1e-6
	}
	c := &Controller{
		cfg: cfg, index: map[string]uint32{"": OtherKey}, names: []string{""},
		ordinary: make([]atomic.Int64, cfg.MaxKeys), ratios: make([]atomic.Uint64, cfg.MaxKeys),
		smoothed: make([]float64, cfg.MaxKeys),
	}
	for i := range c.ratios {
		c.ratios[i].Store(math.Float64bits(cfg.Ratio))
	}
	c.evidenceRatio.Store(math.Float64bits(1))
	c.newKeyRatio.Store(math.Float64bits(cfg.Ratio))
	return c
}

// Bytes is the controller's fixed memory: three 8-byte slots per key.
func (c *Controller) Bytes() int64 { return int64(c.cfg.MaxKeys) * 24 }

// Dynamic reports whether ratios adapt per key.
func (c *Controller) Dynamic() bool { return c.cfg.TargetSpansPerSecond > 0 }

// Key interns a key value. Beyond MaxKeys distinct values every new one maps to OtherKey, so
// a sender cannot grow the table.
func (c *Controller) Key(value string) uint32 {
	c.mu.RLock()
	k, ok := c.index[value]
	c.mu.RUnlock()
	if ok {
		return k
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.index[value]; ok {
		return k
	}
	if len(c.names) >= c.cfg.MaxKeys {
		return OtherKey
	}
	k = uint32(len(c.names))
	c.names = append(c.names, value)
	c.index[value] = k
	c.ratios[k].Store(c.newKeyRatio.Load())
	return k
}

// Keys returns the number of interned keys.
func (c *Controller) Keys() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.names)
}

// KeyName returns the value of key k.
func (c *Controller) KeyName(k uint32) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if int(k) < len(c.names) {
		return c.names[k]
	}
	return ""
}

// Ratio is the ratio in force for ordinary traces of key k.
func (c *Controller) Ratio(k uint32) float64 {
	if int(k) >= len(c.ratios) {
		k = OtherKey
	}
	return math.Float64frombits(c.ratios[k].Load())
}

// EvidenceRatio is the ratio in force for error, slow and keep-all traces: 1 unless the cap
// holds them back.
func (c *Controller) EvidenceRatio() float64 { return math.Float64frombits(c.evidenceRatio.Load()) }

// CountOrdinary records spans of an ordinary (keyed) trace that was decided.
func (c *Controller) CountOrdinary(k uint32, spans int) {
	if int(k) >= len(c.ordinary) {
		k = OtherKey
	}
	c.ordinary[k].Add(int64(spans))
}

// CountFixed records spans decided by a fixed-ratio rule, at that ratio.
func (c *Controller) CountFixed(spans int, ratio float64) {
	c.fixed.Add(int64(float64(spans) * ratio * 1e6))
}

// CountEvidence records spans of evidence traces.
func (c *Controller) CountEvidence(spans int) { c.evidence.Add(int64(spans)) }

// Adjust recomputes every ratio from the counts since the last call, over elapsed seconds.
// Counts are smoothed (half the last interval, half the history) so one burst does not swing
// the ratios. It must not run concurrently with itself.
func (c *Controller) Adjust(elapsedSeconds float64) {
	if elapsedSeconds <= 0 {
		return
	}
	c.mu.RLock()
	keys := len(c.names)
	c.mu.RUnlock()
	if !c.adjusted && c.evidence.Load() == 0 && c.fixed.Load() == 0 && !anyCounted(c.ordinary[:keys]) {
		return // nothing decided yet: no rate to learn from, keep the static ratios
	}
	smooth := func(old, now float64) float64 {
		if !c.adjusted {
			return now
		}
		return (old + now) / 2
	}
	for k := range c.ordinary[:keys] {
		c.smoothed[k] = smooth(c.smoothed[k], float64(c.ordinary[k].Swap(0))/elapsedSeconds)
	}
	c.smoothedEv = smooth(c.smoothedEv, float64(c.evidence.Swap(0))/elapsedSeconds)
	c.smoothedFixed = smooth(c.smoothedFixed, float64(c.fixed.Swap(0))/1e6/elapsedSeconds)
	c.adjusted = true

	evidenceRatio := 1.0
	if c.cfg.MaxSpansPerSecond > 0 { // no evidence: +Inf, so 1
		evidenceRatio = math.Max(math.Min(1, c.cfg.MaxSpansPerSecond/c.smoothedEv), c.cfg.MinErrorRatio)
	}
	c.evidenceRatio.Store(math.Float64bits(evidenceRatio))

	goal := math.Inf(1) // ordinary spans per second the ratios aim to keep
	if c.cfg.TargetSpansPerSecond > 0 {
		goal = c.cfg.TargetSpansPerSecond
	}
	if c.cfg.MaxSpansPerSecond > 0 {
		goal = math.Min(goal, math.Max(0, c.cfg.MaxSpansPerSecond-evidenceRatio*c.smoothedEv-c.smoothedFixed))
	}
	ratios, newKey := c.allocate(c.smoothed[:keys], goal)
	for k, r := range ratios {
		c.ratios[k].Store(math.Float64bits(r))
	}
	c.newKeyRatio.Store(math.Float64bits(newKey))
}

func anyCounted(counts []atomic.Int64) bool {
	for k := range counts {
		if counts[k].Load() != 0 {
			return true
		}
	}
	return false
}

// allocate splits goal spans per second among keys by max-min fairness: a key whose rate is
// below its fair share keeps everything, and what it leaves is shared among the hotter keys,
// which all end at the same kept rate. Without a target, every key gets the static ratio,
// scaled down only when the cap requires it. It also returns the ratio for a key not seen yet.
func (c *Controller) allocate(rates []float64, goal float64) (ratios []float64, newKey float64) {
	ratios = make([]float64, len(rates))
	if !c.Dynamic() {
		total := 0.0
		for _, r := range rates {
			total += r
		}
		ratio := c.cfg.Ratio
		if kept := total * ratio; kept > goal {
			ratio *= goal / kept
		}
		ratio = c.clamp(ratio)
		for k := range ratios {
			ratios[k] = ratio
		}
		return ratios, ratio
	}
	order := make([]int, len(rates))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(rates[a], rates[b]) })
	remaining := goal
	for i, k := range order {
		// An idle key (rate 0) keeps everything: it is rare until it is counted.
		share := remaining / float64(len(order)-i)
		ratios[k] = c.clamp(share / rates[k])
		remaining -= math.Min(rates[k], share)
	}
	return ratios, 1
}

func (c *Controller) clamp(r float64) float64 {
	if math.IsNaN(r) {
		return c.cfg.MinRatio
	}
	return math.Min(1, math.Max(r, c.cfg.MinRatio))
}

package incident

import (
	"cmp"
	"slices"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

const (
	// maxValueBytes bounds one tracked attribute value, so long strings cannot grow a table.
	maxValueBytes = 128
	// minFactorBad is the fewest bad events a value needs to be listed: one failed request on
	// a pod that served one request has the highest possible lift and explains nothing.
	minFactorBad = 2
	// Buckets is the number of time buckets a lift table keeps.
	Buckets = 6
)

// LiftTable counts good and bad events per attribute value in a ring of time buckets, keeping
// at most topK values per attribute.
//
// Factors compares bad with good events of the same buckets, and only of buckets that burned
// budget (a bad share above the SLO's allowance). Comparing with the hours before the burn
// would credit whatever changed since (a new version, a shifted traffic mix) with the failure;
// within the burning minutes, a new version every request runs on separates nothing, while the
// route that fails does.
//
// When an attribute is full, a new value replaces the one with the fewest bad (then good)
// events, and a good event never replaces a value that has bad ones, so the values bad events
// concentrate on stay.
type LiftTable struct {
	attrs   []string
	symptom []bool // per attribute: an outcome of the request, not where it ran
	topK    int
	cur     int // current bucket
	total   [Buckets]counts
	values  [][]liftEntry // per attribute
}

type counts struct{ bad, good float32 }

type liftEntry struct {
	value string
	n     [Buckets]counts
}

// NewLiftTable tracks attrs, in priority order (earlier wins a tie). Attributes in symptoms
// (status code, exception type) describe how a request failed rather than where; they rank
// after every other attribute, because whenever the SLI is about errors they separate bad from
// good by definition.
func NewLiftTable(attrs []string, symptoms []string, topK int) *LiftTable {
	t := &LiftTable{attrs: attrs, topK: max(topK, 1), values: make([][]liftEntry, len(attrs)), symptom: make([]bool, len(attrs))}
	for i, a := range attrs {
		t.symptom[i] = slices.Contains(symptoms, a)
	}
	return t
}

// EntryBytes is an upper bound of one tracked value's memory.
const EntryBytes = 16 + Buckets*8 + maxValueBytes

// Bytes is an upper bound of the table's memory with every attribute full.
func (t *LiftTable) Bytes() int { return len(t.attrs)*(t.topK*EntryBytes+24) + 1024 }

// Add counts one event of the given weight into the current bucket. values[i] is the event's
// value of attribute i, "" when absent.
func (t *LiftTable) Add(values []string, bad bool, weight float64) {
	w := float32(weight)
	t.total[t.cur].add(bad, w)
	for i, v := range values {
		if v == "" || i >= len(t.values) {
			continue
		}
		if len(v) > maxValueBytes {
			v = v[:maxValueBytes]
		}
		t.values[i] = t.addValue(t.values[i], v, bad, w)
	}
}

func (c *counts) add(bad bool, w float32) {
	if bad {
		c.bad += w
	} else {
		c.good += w
	}
}

func (t *LiftTable) addValue(entries []liftEntry, v string, bad bool, w float32) []liftEntry {
	for j := range entries {
		if entries[j].value == v {
			entries[j].n[t.cur].add(bad, w)
			return entries
		}
	}
	if len(entries) < t.topK {
		e := liftEntry{value: v}
		e.n[t.cur].add(bad, w)
		return append(entries, e)
	}
	victim := 0
	vb, vg := entries[0].sum()
	for j := 1; j < len(entries); j++ {
		if b, g := entries[j].sum(); b < vb || (b == vb && g < vg) {
			victim, vb, vg = j, b, g
		}
	}
	if !bad && vb > 0 {
		return entries
	}
	entries[victim] = liftEntry{value: v}
	entries[victim].n[t.cur].add(bad, w)
	return entries
}

func (e *liftEntry) sum() (bad, good float32) {
	for _, c := range e.n {
		bad += c.bad
		good += c.good
	}
	return bad, good
}

// Rotate starts a new bucket, forgetting the oldest, and drops values no bucket counts any more.
func (t *LiftTable) Rotate() {
	t.cur = (t.cur + 1) % Buckets
	t.total[t.cur] = counts{}
	for i := range t.values {
		kept := t.values[i][:0]
		for _, e := range t.values[i] {
			e.n[t.cur] = counts{}
			if b, g := e.sum(); b > 0 || g > 0 {
				kept = append(kept, e)
			}
		}
		clear(t.values[i][len(kept):])
		t.values[i] = kept
	}
}

// Idle reports whether no bucket holds a bad event: the table can be dropped.
func (t *LiftTable) Idle() bool {
	for _, c := range t.total {
		if c.bad > 0 {
			return false
		}
	}
	return true
}

// Factors ranks attribute values over the buckets whose bad share exceeds allowance (all
// buckets when none does): other attributes before symptoms, then by lift (the value's bad
// share over the overall bad share), by coverage of the bad events, and by attribute priority.
// Only values that raise the bad share (lift > 1) with at least minFactorBad bad events count.
func (t *LiftTable) Factors(n int, allowance float64) []srestate.Factor {
	var use [Buckets]bool
	any := false
	for b, c := range t.total {
		if float64(c.bad) > allowance*float64(c.bad+c.good) {
			use[b], any = true, true
		}
	}
	var bad, good float64
	for b, c := range t.total {
		if use[b] || !any {
			use[b] = true
			bad, good = bad+float64(c.bad), good+float64(c.good)
		}
	}
	if bad <= 0 || n <= 0 {
		return nil
	}
	overall := bad / (bad + good)
	type ranked struct {
		srestate.Factor
		priority int
	}
	var out []ranked
	for i, attr := range t.attrs {
		for _, e := range t.values[i] {
			var eb, eg float64
			for b, c := range e.n {
				if use[b] {
					eb, eg = eb+float64(c.bad), eg+float64(c.good)
				}
			}
			if eb < minFactorBad {
				continue
			}
			lift := eb / (eb + eg) / overall
			if lift <= 1 {
				continue
			}
			out = append(out, ranked{srestate.Factor{Attribute: attr, Value: e.value, Bad: eb, Good: eg, Lift: lift,
				Coverage: eb / bad, Symptom: t.symptom[i]}, i})
		}
	}
	slices.SortFunc(out, func(x, y ranked) int {
		if c := compareFactors(x.Factor, y.Factor); c != 0 {
			return c
		}
		if c := cmp.Compare(x.priority, y.priority); c != 0 {
			return c
		}
		return cmp.Compare(x.Value, y.Value)
	})
	factors := make([]srestate.Factor, 0, min(n, len(out)))
	for _, r := range out[:min(n, len(out))] {
		factors = append(factors, r.Factor)
	}
	return factors
}

// compareFactors orders factors: other attributes before symptoms, then by lift and by coverage
// of the bad events, both descending.
func compareFactors(x, y srestate.Factor) int {
	if x.Symptom != y.Symptom {
		if x.Symptom {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(y.Lift, x.Lift); c != 0 {
		return c
	}
	return cmp.Compare(y.Coverage, x.Coverage)
}

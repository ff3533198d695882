package incident

import (
	"cmp"
	"slices"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// maxValueBytes bounds one tracked attribute value, so a sender's long strings cannot grow a table.
const maxValueBytes = 128

// minFactorBad is the fewest bad events a value needs to be listed: one failed request on a
// pod that served one request has the highest possible lift and explains nothing.
const minFactorBad = 2

// LiftTable counts good and bad events per attribute value over two generations (the current
// and the previous lift window), keeping at most topK values per attribute. When an attribute
// is full, a new value replaces the one with the fewest bad (then good) events, and a good
// event never replaces a value that has bad ones, so the values bad events concentrate on stay.
type LiftTable struct {
	attrs []string
	topK  int
	gens  [2]generation // gens[0] is current
}

type generation struct {
	bad, good float64
	values    [][]liftEntry // per attribute
}

type liftEntry struct {
	value     string
	bad, good float64
}

// NewLiftTable tracks the given attributes, in priority order (earlier wins a tie).
func NewLiftTable(attrs []string, topK int) *LiftTable {
	t := &LiftTable{attrs: attrs, topK: max(topK, 1)}
	for i := range t.gens {
		t.gens[i].values = make([][]liftEntry, len(attrs))
	}
	return t
}

// Bytes is an upper bound of the table's memory: entries of both generations at their largest.
func (t *LiftTable) Bytes() int {
	const entry = 16 + 16 + maxValueBytes // string header, two counts, the value
	return 2*len(t.attrs)*t.topK*entry + 128
}

// Add counts one event of the given weight. values[i] is the event's value of attribute i,
// "" when absent.
func (t *LiftTable) Add(values []string, bad bool, weight float64) {
	g := &t.gens[0]
	if bad {
		g.bad += weight
	} else {
		g.good += weight
	}
	for i, v := range values {
		if v == "" || i >= len(g.values) {
			continue
		}
		if len(v) > maxValueBytes {
			v = v[:maxValueBytes]
		}
		g.values[i] = t.addValue(g.values[i], v, bad, weight)
	}
}

func (t *LiftTable) addValue(entries []liftEntry, v string, bad bool, weight float64) []liftEntry {
	for j := range entries {
		if entries[j].value == v {
			entries[j].count(bad, weight)
			return entries
		}
	}
	if len(entries) < t.topK {
		e := liftEntry{value: v}
		e.count(bad, weight)
		return append(entries, e)
	}
	victim := 0
	for j := range entries {
		if entries[j].bad < entries[victim].bad || (entries[j].bad == entries[victim].bad && entries[j].good < entries[victim].good) {
			victim = j
		}
	}
	if !bad && entries[victim].bad > 0 {
		return entries
	}
	entries[victim] = liftEntry{value: v}
	entries[victim].count(bad, weight)
	return entries
}

func (e *liftEntry) count(bad bool, weight float64) {
	if bad {
		e.bad += weight
	} else {
		e.good += weight
	}
}

// Rotate starts a new lift window: the current generation becomes the previous one.
func (t *LiftTable) Rotate() {
	old := t.gens[1]
	t.gens[1] = t.gens[0]
	for i := range old.values {
		old.values[i] = old.values[i][:0]
	}
	old.bad, old.good = 0, 0
	t.gens[0] = old
}

// Factors ranks the values over both generations by lift (their bad share over the overall
// bad share), then by coverage of the bad events, then by attribute priority. Only values that
// raise the bad share (lift > 1) and carry at least minFactorBad bad events are listed.
func (t *LiftTable) Factors(n int) []srestate.Factor {
	bad, good := t.gens[0].bad+t.gens[1].bad, t.gens[0].good+t.gens[1].good
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
		merged := map[string]*liftEntry{}
		var order []string
		for gi := range t.gens {
			for _, e := range t.gens[gi].values[i] {
				m, ok := merged[e.value]
				if !ok {
					m = &liftEntry{value: e.value}
					merged[e.value] = m
					order = append(order, e.value)
				}
				m.bad += e.bad
				m.good += e.good
			}
		}
		for _, v := range order {
			e := merged[v]
			if e.bad < minFactorBad {
				continue
			}
			lift := e.bad / (e.bad + e.good) / overall
			if lift <= 1 {
				continue
			}
			out = append(out, ranked{srestate.Factor{Attribute: attr, Value: v, Bad: e.bad, Good: e.good, Lift: lift, Coverage: e.bad / bad}, i})
		}
	}
	slices.SortFunc(out, func(x, y ranked) int {
		if c := cmp.Compare(y.Lift, x.Lift); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Coverage, x.Coverage); c != 0 {
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

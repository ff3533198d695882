package incident

// A batch is counted into a table of its own first, without any lock, and merged into the
// series' table under the lock: the merge costs one step per tracked value, not per event.

// HasBad reports whether the current bucket holds a bad event.
func (t *LiftTable) HasBad() bool { return t.total[t.cur].bad > 0 }

// Merge adds the current bucket of batch, a table over the same attributes, to t's current
// bucket. A value's bad events are added before its good ones, so a value that arrives with
// both may replace one that has only good events, as it would have event by event.
func (t *LiftTable) Merge(batch *LiftTable) {
	b := batch.total[batch.cur]
	t.total[t.cur].bad += b.bad
	t.total[t.cur].good += b.good
	for i := range batch.values {
		if i >= len(t.values) {
			break
		}
		for _, e := range batch.values[i] {
			n := e.n[batch.cur]
			if n.bad > 0 {
				t.values[i] = t.addValue(t.values[i], e.value, true, n.bad)
			}
			if n.good > 0 {
				t.values[i] = t.addValue(t.values[i], e.value, false, n.good)
			}
		}
	}
}

// Reset empties the table for reuse, keeping its capacity but no value, so a pooled table
// holds on to no batch.
func (t *LiftTable) Reset() {
	t.cur, t.total = 0, [Buckets]counts{}
	for i := range t.values {
		clear(t.values[i])
		t.values[i] = t.values[i][:0]
	}
}

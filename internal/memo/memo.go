// Package memo is a bounded memo for values derived from strings a sender controls (a
// tracestate, an attribute): most spans of a batch repeat a handful of them, so parsing each
// once pays, and a hostile sender who never repeats one only ever costs max entries.
package memo

// Map caches compute(key) for up to max keys. At max it is cleared rather than evicted one by
// one: the common keys come back within a batch, and clearing costs nothing per lookup.
// A Map is not safe for concurrent use; give each goroutine (or batch scratch) its own.
type Map[K comparable, V any] struct {
	values map[K]V
	max    int
}

// New returns an empty memo holding at most max entries (at least one).
func New[K comparable, V any](max int) *Map[K, V] {
	return &Map[K, V]{values: map[K]V{}, max: max}
}

// Get returns the remembered value for key, computing and remembering it when absent.
func (m *Map[K, V]) Get(key K, compute func(K) V) V {
	if v, ok := m.values[key]; ok {
		return v
	}
	v := compute(key)
	if len(m.values) >= m.max {
		clear(m.values)
	}
	m.values[key] = v
	return v
}

// Len is the number of remembered entries.
func (m *Map[K, V]) Len() int { return len(m.values) }

package maintenance

import "time"

// cacheSpan: the matcher keeps the occurrences within two of these of now, and rebuilds them
// once now has moved one away. Spans end near now; one that ended further away (a late span,
// in no window anyway) is matched against the one-off windows only, so timestamps a sender
// picks never make the ingest path walk a recurrence.
const cacheSpan = 24 * time.Hour

// Matcher answers "is t inside a window" for one schedule on the ingest path, from occurrences
// it precomputes around now. It is not safe for concurrent use.
type Matcher struct {
	schedule   *Schedule
	from, to   time.Time
	occurrence []Interval
	oneOffs    []Interval
}

// NewMatcher returns a matcher for s; nil when s has no windows.
func NewMatcher(s *Schedule) *Matcher {
	if s.Empty() {
		return nil
	}
	return &Matcher{schedule: s, oneOffs: s.OneOffs()}
}

// Match returns the reason of the window an event that ended at t, seen at now, falls in.
func (m *Matcher) Match(t, now time.Time) (reason string, ok bool) {
	if m == nil {
		return "", false
	}
	if now.Before(m.from.Add(cacheSpan)) || !now.Before(m.to.Add(-cacheSpan)) {
		m.from, m.to = now.Add(-2*cacheSpan), now.Add(2*cacheSpan)
		m.occurrence = m.schedule.Between(m.from, m.to)
	}
	candidates := m.occurrence
	if t.Before(m.from) || !t.Before(m.to) {
		candidates = m.oneOffs
	}
	for _, iv := range candidates {
		if iv.Contains(t) {
			return iv.Reason, true
		}
	}
	return "", false
}

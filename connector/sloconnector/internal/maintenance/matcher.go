package maintenance

import "time"

// cacheSpan is how far either side of a lookup the matcher precomputes occurrences: spans end
// near now, so a day either side serves almost every lookup from memory.
const cacheSpan = 24 * time.Hour

// Matcher answers "is t inside a window" for one schedule on the ingest path, from occurrences
// it precomputes around the times it is asked about. It is not safe for concurrent use.
type Matcher struct {
	schedule   *Schedule
	from, to   time.Time
	occurrence []Interval
}

// NewMatcher returns a matcher for s; nil when s has no windows.
func NewMatcher(s *Schedule) *Matcher {
	if s.Empty() {
		return nil
	}
	return &Matcher{schedule: s}
}

// Match returns the reason of the window t falls in.
func (m *Matcher) Match(t time.Time) (reason string, ok bool) {
	if m == nil {
		return "", false
	}
	if t.Before(m.from) || !t.Before(m.to) {
		m.from, m.to = t.Add(-cacheSpan), t.Add(cacheSpan)
		m.occurrence = m.schedule.Between(m.from, m.to)
	}
	for _, iv := range m.occurrence {
		if iv.Contains(t) {
			return iv.Reason, true
		}
	}
	return "", false
}

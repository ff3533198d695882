package maintenance

import "time"

// cacheSpan: the matcher keeps the occurrences within two of these of now, and rebuilds them
// once now has moved one away. Spans end near now; one that ended further away (a late span,
// in no window anyway) is matched against the one-off windows only, so timestamps a sender
// picks never make the ingest path walk a recurrence.
const cacheSpan = int64(24 * time.Hour)

// Matcher answers "is t inside a window" for one schedule on the ingest path, from occurrences
// it precomputes around now, in Unix nanoseconds. It is not safe for concurrent use.
type Matcher struct {
	schedule   *Schedule
	from, to   int64
	occurrence []span
	oneOffs    []span
	// [gapFrom, gapTo) is a stretch around the last miss with no occurrence in it: the spans
	// of a batch end close together, so most lookups end here after two comparisons.
	gapFrom, gapTo  int64
	rebuilds, scans int // the walks of the schedule and of the cached occurrences, for tests
}

type span struct {
	start, end int64
	reason     string
}

func spans(ivs []Interval) []span {
	out := make([]span, len(ivs))
	for i, iv := range ivs {
		out[i] = span{start: iv.Start.UnixNano(), end: iv.End.UnixNano(), reason: iv.Reason}
	}
	return out
}

// NewMatcher returns a matcher for s; nil when s has no windows.
func NewMatcher(s *Schedule) *Matcher {
	if s.Empty() {
		return nil
	}
	return &Matcher{schedule: s, oneOffs: spans(s.OneOffs())}
}

// Match returns the reason of the window an event that ended at t, seen at now (both Unix
// nanoseconds), falls in.
func (m *Matcher) Match(t, now int64) (reason string, ok bool) {
	if m == nil {
		return "", false
	}
	if now < m.from+cacheSpan || now >= m.to-cacheSpan {
		m.from, m.to = now-2*cacheSpan, now+2*cacheSpan
		m.occurrence = spans(m.schedule.Between(time.Unix(0, m.from), time.Unix(0, m.to)))
		m.gapFrom, m.gapTo = 0, 0
		m.rebuilds++
	}
	if t >= m.gapFrom && t < m.gapTo {
		return "", false
	}
	if t < m.from || t >= m.to {
		return match(m.oneOffs, t)
	}
	m.scans++
	if reason, ok := match(m.occurrence, t); ok {
		return reason, true
	}
	m.gapFrom, m.gapTo = m.from, m.to
	for _, c := range m.occurrence {
		if c.end <= t {
			m.gapFrom = max(m.gapFrom, c.end)
		} else if c.start > t {
			m.gapTo = min(m.gapTo, c.start)
		}
	}
	return "", false
}

func match(candidates []span, t int64) (string, bool) {
	for i := range candidates {
		if c := &candidates[i]; t >= c.start && t < c.end {
			return c.reason, true
		}
	}
	return "", false
}

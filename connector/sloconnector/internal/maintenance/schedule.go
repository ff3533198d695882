// Package maintenance turns an SLO's maintenance windows (one-off, or recurring by an RFC 5545
// RRULE subset in an IANA time zone) into the intervals whose events the SLO excludes.
package maintenance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/teambition/rrule-go"
)

// Window is one maintenance window as configured.
type Window struct {
	Start      time.Time
	Duration   time.Duration
	Recurrence string         // an RRULE (FREQ=DAILY|WEEKLY|MONTHLY; BYDAY, INTERVAL, COUNT, UNTIL); empty: one-off
	Location   *time.Location // the wall clock a recurring window keeps; nil: Start's own zone
	Reason     string
}

// Interval is one occurrence of a window: events that end in [Start, End) are excluded.
type Interval struct {
	Start, End time.Time
	Reason     string
}

// Contains reports whether t is inside the interval.
func (iv Interval) Contains(t time.Time) bool { return !t.Before(iv.Start) && t.Before(iv.End) }

// Schedule is a set of compiled windows, safe for concurrent use.
type Schedule struct {
	windows []compiled
	mu      sync.Mutex // rrule's iterators share the rule's time set; one walk at a time
}

type compiled struct {
	Window
	rule *rrule.RRule // nil for a one-off window
}

// allowedRRuleParts is the subset the connector supports: enough for "every Sunday 02:00" or
// "the first Monday of each month", and nothing whose meaning a reviewer would have to look up.
var allowedRRuleParts = map[string]bool{"FREQ": true, "BYDAY": true, "INTERVAL": true, "COUNT": true, "UNTIL": true}

// Compile checks every window and prepares its recurrence. Errors name the window by index.
func Compile(windows []Window) (*Schedule, error) {
	s := &Schedule{}
	var errs []error
	for i, w := range windows {
		c, err := compile(w)
		if err != nil {
			errs = append(errs, fmt.Errorf("[%d]: %w", i, err))
			continue
		}
		s.windows = append(s.windows, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

func compile(w Window) (compiled, error) {
	if w.Start.IsZero() {
		return compiled{}, errors.New("start: required (RFC 3339, e.g. 2026-03-29T02:00:00+01:00)")
	}
	if w.Duration <= 0 {
		return compiled{}, fmt.Errorf("duration: %v must be positive", w.Duration)
	}
	if w.Recurrence == "" {
		if w.Location != nil {
			return compiled{}, errors.New("time_zone: only applies to a recurring window (a one-off start carries its offset)")
		}
		return compiled{Window: w}, nil
	}
	loc := w.Location
	if loc == nil {
		loc = w.Start.Location()
	}
	rule := strings.TrimPrefix(strings.TrimSpace(w.Recurrence), "RRULE:")
	freq := ""
	for _, part := range strings.Split(rule, ";") {
		key, value, _ := strings.Cut(part, "=")
		if !allowedRRuleParts[key] {
			return compiled{}, fmt.Errorf("recurrence %q: %q is not supported (use FREQ, BYDAY, INTERVAL, COUNT and UNTIL)", w.Recurrence, key)
		}
		if key == "FREQ" {
			freq = value
		}
	}
	switch freq {
	case "DAILY", "WEEKLY", "MONTHLY":
	default:
		return compiled{}, fmt.Errorf("recurrence %q: FREQ must be DAILY, WEEKLY or MONTHLY", w.Recurrence)
	}
	opt, err := rrule.StrToROptionInLocation(rule, loc)
	if err != nil {
		return compiled{}, fmt.Errorf("recurrence %q: %w", w.Recurrence, err)
	}
	if opt.Interval < 0 || opt.Count < 0 {
		return compiled{}, fmt.Errorf("recurrence %q: INTERVAL and COUNT must be positive", w.Recurrence)
	}
	// The rule runs on the wall clock of loc: 02:00 in Europe/Berlin stays 02:00 local on both
	// sides of a daylight-saving change, so the UTC instant moves by an hour.
	opt.Dtstart = w.Start.In(loc)
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return compiled{}, fmt.Errorf("recurrence %q: %w", w.Recurrence, err)
	}
	w.Location = loc
	return compiled{Window: w, rule: r}, nil
}

// Empty reports whether the schedule has no windows.
func (s *Schedule) Empty() bool { return s == nil || len(s.windows) == 0 }

// Between returns the occurrences that overlap [from, to), sorted by start.
func (s *Schedule) Between(from, to time.Time) []Interval {
	if s.Empty() || !from.Before(to) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Interval
	for _, w := range s.windows {
		if w.rule == nil {
			if iv := (Interval{Start: w.Start, End: w.Start.Add(w.Duration), Reason: w.Reason}); iv.Start.Before(to) && iv.End.After(from) {
				out = append(out, iv)
			}
			continue
		}
		// An occurrence that started up to one duration before from still covers it.
		for _, start := range w.rule.Between(from.Add(-w.Duration), to, true) {
			if iv := (Interval{Start: start, End: start.Add(w.Duration), Reason: w.Reason}); iv.End.After(from) && iv.Start.Before(to) {
				out = append(out, iv)
			}
		}
	}
	slices.SortFunc(out, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	return out
}

// OneOffs returns the one-off windows as intervals, in configuration order.
func (s *Schedule) OneOffs() []Interval {
	var out []Interval
	if s == nil {
		return out
	}
	for _, w := range s.windows {
		if w.rule == nil {
			out = append(out, Interval{Start: w.Start, End: w.Start.Add(w.Duration), Reason: w.Reason})
		}
	}
	return out
}

// Covered is how many whole slices of length slice, aligned to the Unix epoch, between from and
// to lie inside the intervals (sorted by start, from one or several schedules): the slices a
// timeslice SLO excludes from its count.
func Covered(ivs []Interval, from, to time.Time, slice time.Duration) int {
	if slice <= 0 {
		return 0
	}
	n, next := 0, int64(0) // next: the first slice index not counted yet, so overlaps count once
	for _, iv := range ivs {
		lo := max(iv.Start.UnixNano(), from.UnixNano())
		hi := min(iv.End.UnixNano(), to.UnixNano())
		first := ceilDiv(lo, int64(slice))
		last := hi/int64(slice) - 1 // the last slice that ends by hi
		first = max(first, next)
		if last >= first {
			n += int(last - first + 1)
			next = last + 1
		}
	}
	return n
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}

package window

import (
	"fmt"
	"strings"
	"time"
)

// Period is an SLO's compliance period: a rolling duration, or a calendar week, month or
// quarter that resets at its boundary in an IANA time zone.
type Period struct {
	rolling  time.Duration
	calendar string
	loc      *time.Location
}

// Rolling is a period that always covers the last d.
func Rolling(d time.Duration) Period { return Period{rolling: d} }

// Calendar is a period that resets at the start of each week (Monday), month or quarter in loc.
func Calendar(unit string, loc *time.Location) (Period, error) {
	switch unit {
	case "week", "month", "quarter":
	default:
		return Period{}, fmt.Errorf("calendar %q: must be week, month or quarter", unit)
	}
	if loc == nil {
		loc = time.UTC
	}
	return Period{calendar: unit, loc: loc}, nil
}

// Location is a calendar period's time zone (UTC for a rolling one).
func (p Period) Location() *time.Location {
	if p.loc == nil {
		return time.UTC
	}
	return p.loc
}

// IsCalendar reports whether the period resets at calendar boundaries.
func (p Period) IsCalendar() bool { return p.calendar != "" }

// Bounds returns the period that contains now: [now-d, now] when rolling, otherwise the
// calendar period's start and end. Dates are built in the period's zone, so a month that
// crosses a daylight-saving change is an hour shorter or longer, as on the wall clock.
func (p Period) Bounds(now time.Time) (start, end time.Time) {
	if !p.IsCalendar() {
		return now.Add(-p.rolling), now
	}
	t := now.In(p.loc)
	switch p.calendar {
	case "week":
		daysSinceMonday := (int(t.Weekday()) + 6) % 7
		start = time.Date(t.Year(), t.Month(), t.Day()-daysSinceMonday, 0, 0, 0, 0, p.loc)
		end = start.AddDate(0, 0, 7)
	case "month":
		start = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, p.loc)
		end = start.AddDate(0, 1, 0)
	default: // quarter
		firstMonth := time.Month((int(t.Month())-1)/3*3 + 1)
		start = time.Date(t.Year(), firstMonth, 1, 0, 0, 0, 0, p.loc)
		end = start.AddDate(0, 3, 0)
	}
	return start, end
}

// Length is the length of the period that contains now.
func (p Period) Length(now time.Time) time.Duration {
	if !p.IsCalendar() {
		return p.rolling
	}
	start, end := p.Bounds(now)
	return end.Sub(start)
}

// Longest is an upper bound of Length, used to size rings.
func (p Period) Longest() time.Duration {
	switch p.calendar {
	case "":
		return p.rolling
	case "week":
		return 7*24*time.Hour + time.Hour
	case "month":
		return 31*24*time.Hour + time.Hour
	default:
		return 92*24*time.Hour + time.Hour
	}
}

// Shortest is a lower bound of Length: a calendar period that loses an hour to daylight saving.
func (p Period) Shortest() time.Duration {
	switch p.calendar {
	case "":
		return p.rolling
	case "week":
		return 7*24*time.Hour - time.Hour
	case "month":
		return 28*24*time.Hour - time.Hour
	default:
		return 90*24*time.Hour - time.Hour
	}
}

// Kind is "rolling", or the calendar unit: "week", "month" or "quarter".
func (p Period) Kind() string {
	if p.calendar == "" {
		return "rolling"
	}
	return p.calendar
}

// String names the period as configured, e.g. "30d" or "calendar month (Europe/Berlin)".
func (p Period) String() string {
	if p.IsCalendar() {
		return fmt.Sprintf("calendar %s (%s)", p.calendar, p.loc)
	}
	return FormatDuration(p.rolling)
}

// FormatDuration writes whole days as "30d" and everything else as Go does.
func FormatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	out := d.String()
	// "2h0m0s" reads as the config writes it: "2h"; "1m30s" and "300ms" stay.
	if strings.HasSuffix(out, "m0s") {
		out = strings.TrimSuffix(out, "0s")
	}
	if strings.HasSuffix(out, "h0m") {
		out = strings.TrimSuffix(out, "0m")
	}
	return out
}

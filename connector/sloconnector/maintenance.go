package sloconnector

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/maintenance"
	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
)

const (
	defaultMaintenanceReason = "maintenance"
	// reasonExclude is the reason of events that sli.exclude leaves out.
	reasonExclude     = "exclude"
	maxReasonLength   = 64
	maxWindowsPerSLO  = 100
	attrExcludeReason = "reason"
)

// MaintenanceWindow is planned downtime: valid events that end inside it are excluded, never
// good or bad, so the budget does not burn and no alert fires on them. A one-off window whose
// start has already passed when the connector starts, and that it has never seen, is a
// correction: it takes back the stored events it covers.
type MaintenanceWindow struct {
	// Start is when the window (or its first occurrence) starts: RFC 3339 with an offset (a YAML
	// timestamp without one is UTC); required.
	Start time.Time `mapstructure:"start"`
	// Duration is how long each occurrence lasts; required.
	Duration Duration `mapstructure:"duration"`
	// Recurrence repeats the window: an RFC 5545 RRULE with FREQ=DAILY, WEEKLY or MONTHLY and
	// optionally BYDAY, INTERVAL, COUNT and UNTIL, e.g. FREQ=WEEKLY;BYDAY=SU.
	Recurrence string `mapstructure:"recurrence"`
	// TimeZone is the IANA zone whose wall clock a recurring window keeps across daylight-saving
	// changes (default: the fixed offset of start).
	TimeZone string `mapstructure:"time_zone"`
	// Reason labels the excluded events (slo.events.excluded{reason}); default maintenance.
	Reason string `mapstructure:"reason"`
	// SLOs names the SLOs a window at the connector's top level applies to (default: every SLO).
	SLOs []string `mapstructure:"slos"`
	// Services limits a window at the connector's top level to these service.name values.
	Services []string `mapstructure:"services"`
}

func (w MaintenanceWindow) reason() string {
	if w.Reason == "" {
		return defaultMaintenanceReason
	}
	return w.Reason
}

// compile checks the window; topLevel allows the selectors.
func (w MaintenanceWindow) compile(topLevel bool) (maintenance.Window, error) {
	if !topLevel && (len(w.SLOs) > 0 || len(w.Services) > 0) {
		return maintenance.Window{}, errors.New("slos, services: only a window at the connector's top level selects SLOs; this one belongs to its SLO")
	}
	reason := w.reason()
	if len(reason) > maxReasonLength || strings.ContainsFunc(reason, func(r rune) bool { return r < ' ' }) {
		return maintenance.Window{}, fmt.Errorf("reason: %q must be at most %d printable bytes: it becomes a label", reason, maxReasonLength)
	}
	if reason == reasonExclude {
		return maintenance.Window{}, fmt.Errorf("reason: %q is the reason of sli.exclude; name the maintenance", reason)
	}
	out := maintenance.Window{Start: w.Start, Duration: time.Duration(w.Duration), Recurrence: w.Recurrence, Reason: reason}
	if w.TimeZone != "" {
		loc, err := time.LoadLocation(w.TimeZone)
		if err != nil {
			return maintenance.Window{}, fmt.Errorf("time_zone: %q is not an IANA time zone", w.TimeZone)
		}
		out.Location = loc
	}
	if _, err := maintenance.Compile([]maintenance.Window{out}); err != nil {
		return maintenance.Window{}, errors.New(strings.TrimPrefix(err.Error(), "[0]: "))
	}
	return out, nil
}

// scopedSchedule is the windows of one SLO that apply to one set of services (nil: all).
type scopedSchedule struct {
	services map[string]bool
	schedule *maintenance.Schedule
	matcher  *maintenance.Matcher // on the ingest path, under c.mu
}

func (s *scopedSchedule) covers(service string) bool { return s.services == nil || s.services[service] }

// sloMaintenance is everything maintenance means to one SLO.
type sloMaintenance struct {
	scopes  []*scopedSchedule
	reasons []string   // every reason its events can be excluded with, sorted
	mu      sync.Mutex // the scopes' matchers cache the occurrences near now

	// the period's covered slices by service at slicesAt: the series of one service share
	// them, so an emit walks the recurrences once per service, not once per series
	slicesAt time.Time
	slices   map[string]int
}

// buildMaintenance gathers the SLO's own windows and the top-level ones that select it.
func buildMaintenance(cfg *Config, slo SLO) (*sloMaintenance, error) {
	m := &sloMaintenance{}
	reasons := map[string]bool{}
	if slo.SLI.Exclude != "" {
		reasons[reasonExclude] = true
	}
	add := func(services []string, windows []maintenance.Window) error {
		s, err := maintenance.Compile(windows)
		if err != nil {
			return err
		}
		scope := &scopedSchedule{schedule: s, matcher: maintenance.NewMatcher(s)}
		if len(services) > 0 {
			scope.services = map[string]bool{}
			for _, svc := range services {
				scope.services[svc] = true
			}
		}
		m.scopes = append(m.scopes, scope)
		for _, w := range windows {
			reasons[w.Reason] = true
		}
		return nil
	}
	var own []maintenance.Window
	topLevel := 0
	for i, w := range slo.Maintenance {
		cw, err := w.compile(false)
		if err != nil {
			return nil, fmt.Errorf("maintenance[%d].%w", i, err)
		}
		own = append(own, cw)
	}
	if len(own) > 0 {
		if err := add(nil, own); err != nil {
			return nil, err
		}
	}
	for i, w := range cfg.Maintenance {
		if len(w.SLOs) > 0 && !slices.Contains(w.SLOs, slo.Name) {
			continue
		}
		cw, err := w.compile(true)
		if err != nil {
			return nil, fmt.Errorf("maintenance[%d].%w", i, err)
		}
		if err := add(w.Services, []maintenance.Window{cw}); err != nil {
			return nil, err
		}
		topLevel++
	}
	if n := len(own) + topLevel; n > maxWindowsPerSLO {
		return nil, fmt.Errorf("maintenance: %d windows apply to this SLO, at most %d", n, maxWindowsPerSLO)
	}
	for r := range reasons {
		m.reasons = append(m.reasons, r)
	}
	slices.Sort(m.reasons)
	return m, nil
}

// windows reports whether any maintenance window applies to the SLO.
func (m *sloMaintenance) windows() bool { return m != nil && len(m.scopes) > 0 }

// match returns the reason of the window a service's event that ended at t, seen at now (Unix
// nanoseconds), falls in. It is called before the ingest lock, so it guards the matchers'
// caches itself.
func (m *sloMaintenance) match(service string, t, now int64) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.scopes {
		if s.covers(service) {
			if r, ok := s.matcher.Match(t, now); ok {
				return r, true
			}
		}
	}
	return "", false
}

// active reports whether a window covering service is open at now.
func (m *sloMaintenance) active(service string, now time.Time) bool {
	_, ok := m.match(service, now.UnixNano(), now.UnixNano())
	return ok
}

// between lists the occurrences covering service that overlap [from, to), sorted by start.
// It reads only the immutable schedules, so the console may call it without c.mu.
func (m *sloMaintenance) between(service string, from, to time.Time) []maintenance.Interval {
	var out []maintenance.Interval
	for _, s := range m.scopes {
		if s.covers(service) {
			out = append(out, s.schedule.Between(from, to)...)
		}
	}
	slices.SortFunc(out, func(a, b maintenance.Interval) int { return a.Start.Compare(b.Start) })
	return out
}

// coveredSlicesAt is how many slices of the period at now lie inside windows covering
// service. The caller holds c.mu.
func (m *sloMaintenance) coveredSlicesAt(service string, spec *window.Spec, now time.Time) int {
	if !m.slicesAt.Equal(now) {
		m.slicesAt, m.slices = now, map[string]int{}
	}
	n, ok := m.slices[service]
	if !ok {
		from, to := spec.Period.Bounds(now)
		n = maintenance.Covered(m.between(service, from, to), from, to, spec.Timeslice)
		m.slices[service] = n
	}
	return n
}

// correctionID names a one-off window for the record of corrections already applied.
func correctionID(iv maintenance.Interval, services map[string]bool) string {
	keys := make([]string, 0, len(services))
	for k := range services {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sum := sha256.Sum256(fmt.Appendf(nil, "%d|%d|%s|%s", iv.Start.UnixNano(), iv.End.UnixNano(), iv.Reason, strings.Join(keys, "\x00")))
	return hex.EncodeToString(sum[:8])
}

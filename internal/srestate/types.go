package srestate

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"time"
)

// SeriesState is one SLO series as its connector last evaluated it. With a sharded connector
// it is that replica's own estimate from the events it received.
type SeriesState struct {
	Source   string      // the publishing connector's component ID
	SLO      string      // slo.name
	Service  string      // service.name of the series
	Identity [][2]string // the series' attributes as emitted (service.name, group_by values)
	Page     bool        // a page-severity burn-rate alert fires
	Ticket   bool        // a ticket-severity burn-rate alert fires
	// BurnRates holds the burn rate per window name (5m, 1h, …) that had data.
	BurnRates       map[string]float64
	BudgetRemaining float64
	Updated         time.Time

	// What pillars scores an SLO from, so that with a board it reads no slo.* metric, which
	// any client could send.
	Objective             float64 // as a ratio, 0.999
	Good1h, Bad1h         float64 // weighted events of the 1h window
	GoodPeriod, BadPeriod float64 // weighted events of the SLO period
	ExhaustsWithinPeriod  bool    // the budget runs out before the period ends at the 1h burn rate
	PeriodMet             bool    // a closed calendar period met the objective
	HasAlerts, Sharded    bool    // the SLO has alert tiers; the connector runs sharded
	InMaintenance         bool    // a maintenance window covers the series: its events are excluded, its alerts held

	// What the console lists.
	ID     string // stable, URL-safe: the first 16 hex digits of a SHA-256 of Key()
	Kind   string // ratio, latency or timeslice
	Window string // the SLO period as configured: 30d, or month/quarter with its time zone
	// LatencyThreshold is a latency SLO's threshold; zero for other kinds.
	LatencyThreshold time.Duration
	// ExhaustionSeconds is how long the budget lasts at the 1h burn rate, when
	// ExhaustsWithinPeriod.
	ExhaustionSeconds float64
	// PeriodStart and PeriodLength are the current period's (a rolling one ends now).
	PeriodStart  time.Time
	PeriodLength time.Duration
	// Tiers are the SLO's burn-rate alert tiers as evaluated, in configuration order.
	Tiers []TierState
}

// TierState is one multi-window multi-burn-rate tier at the series' last evaluation. A burn
// is absent (its OK false) when its window held no valid events.
type TierState struct {
	Severity  string  `json:"severity"`
	Short     string  `json:"short_window"`
	Long      string  `json:"long_window"`
	Factor    float64 `json:"factor"`
	ShortBurn float64 `json:"short_burn_rate"`
	LongBurn  float64 `json:"long_burn_rate"`
	ShortOK   bool    `json:"short_has_data"`
	LongOK    bool    `json:"long_has_data"`
	Firing    bool    `json:"firing"`
}

// ConsoleID is the series' URL id: stable across restarts and replicas.
func ConsoleID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// Key identifies a series across publishers: the SLO name and its identity attributes.
func (s SeriesState) Key() string { return SeriesKey(s.SLO, s.Identity) }

// SeriesKey joins an SLO name and identity attributes into one comparable key.
func SeriesKey(slo string, identity [][2]string) string {
	b := []byte(slo)
	for _, kv := range identity {
		b = append(b, 0)
		b = append(b, kv[0]...)
		b = append(b, '=')
		b = append(b, kv[1]...)
	}
	return string(b)
}

// Deployment is one release of a service: a version first seen, a CI/CD deployment span or a
// deployment event, merged per (service, version).
type Deployment struct {
	Service string    `json:"service"`
	Version string    `json:"version"`
	SHA     string    `json:"sha,omitempty"`
	At      time.Time `json:"at"`
	Source  string    `json:"source"` // version_change, cicd or log_event
	// Rollback marks a return to a version seen before: remediation, DORA's deployment rework,
	// never a change of its own.
	Rollback bool `json:"rollback,omitempty"`
}

// Factor is one attribute value that separates bad from good events: among events with it,
// the share that is bad, relative to the share among all events (its lift).
type Factor struct {
	Attribute string  `json:"attribute"`
	Value     string  `json:"value"`
	Bad       float64 `json:"bad_events"`
	Good      float64 `json:"good_events"`
	Lift      float64 `json:"lift"`
	// Coverage is the share of all bad events that carry this value.
	Coverage float64 `json:"coverage"`
	// Symptom marks an outcome of the request (status code, exception type) rather than where
	// it ran; symptoms rank after the other attributes.
	Symptom bool `json:"symptom"`
}

// Episode is one page of an incident: from the page firing to it clearing. A page that fires
// again within the merge window after its incident resolved is a new episode of it.
type Episode struct {
	Start time.Time `json:"start"`
	// Recovered is when the service stopped burning at a rate that pages and stayed so: the
	// start of the first emit interval with traffic, of the run that lasted until the page
	// cleared, that no longer evidently burned at the lowest page threshold. Zero while it has
	// not recovered.
	Recovered time.Time `json:"recovered,omitzero"`
	// Resolved is when the page cleared; zero while it fires.
	Resolved       time.Time          `json:"resolved,omitzero"`
	BurnAtOpen     map[string]float64 `json:"burn_rates_at_open"`
	BudgetAtOpen   float64            `json:"budget_remaining_at_open"`
	PeakBurn       float64            `json:"peak_burn_rate"`
	PeakAt         time.Time          `json:"peak_at"`
	BudgetConsumed float64            `json:"budget_consumed"`
	BadEvents      float64            `json:"bad_events"`
	ValidEvents    float64            `json:"valid_events"`
}

// End is when the episode's impact ended: recovery, else the page clearing, else now.
func (e *Episode) End(now time.Time) time.Time {
	switch {
	case !e.Recovered.IsZero():
		return e.Recovered
	case !e.Resolved.IsZero():
		return e.Resolved
	}
	return now
}

// Incident is the record of one page-severity burn of an SLO series. Its headline figures
// (start, burn, budget, events, exemplars, trigger) are those of its latest episode; Episodes
// lists every one, the latest last.
type Incident struct {
	ID       string            `json:"id"`
	SLO      string            `json:"slo"`
	Service  string            `json:"service"`
	Identity map[string]string `json:"identity"`
	Severity string            `json:"severity"`
	Start    time.Time         `json:"start"`
	// Resolved is zero while the incident is open.
	Resolved time.Time `json:"resolved,omitzero"`
	// Alert names the alert that opened it, for the postmortem's detection section.
	Alert        string             `json:"alert"`
	BurnAtOpen   map[string]float64 `json:"burn_rates_at_open"`
	BudgetAtOpen float64            `json:"budget_remaining_at_open"`
	// PeriodStart is the start of the SLO period whose budget BudgetAtOpen and
	// BudgetConsumed are shares of, at the latest episode's open.
	PeriodStart time.Time `json:"period_start,omitzero"`
	PeakBurn    float64   `json:"peak_burn_rate"`
	PeakAt      time.Time `json:"peak_at"`
	// BudgetConsumed is the share of the period's error budget spent since the start.
	BudgetConsumed float64 `json:"budget_consumed"`
	// BadEvents and ValidEvents are counted since the start.
	BadEvents   float64      `json:"bad_events"`
	ValidEvents float64      `json:"valid_events"`
	Deployments []Deployment `json:"deployments"`
	Factors     []Factor     `json:"contributing_factors"`
	Exemplars   []string     `json:"exemplar_trace_ids"`
	Updated     time.Time    `json:"updated"`
	// Reopened counts the times a page came back within the merge window.
	Reopened int `json:"reopened"`
	// Recovered is the latest episode's recovery (see Episode.Recovered).
	Recovered time.Time `json:"recovered,omitzero"`
	// TriggerCutoff is the end of the first emit interval that burned budget in the latest
	// episode: its trigger is a deployment at or before it.
	TriggerCutoff time.Time `json:"trigger_cutoff,omitzero"`
	Episodes      []Episode `json:"episodes"`
}

// Trigger is the hypothesis for the latest episode: its last deployment at or before the
// trigger cutoff, never one after the burn began; ok is false when there is none. When it is a
// rollback, no new version ran since.
func (i *Incident) Trigger() (Deployment, bool) {
	for j := len(i.Deployments) - 1; j >= 0; j-- {
		if d := i.Deployments[j]; !d.At.After(i.TriggerCutoff) {
			return d, true
		}
	}
	return Deployment{}, false
}

// Open reports whether the incident has not been resolved.
func (i *Incident) Open() bool { return i.Resolved.IsZero() }

// Duration is the latest episode's impact: from its start to the service's recovery, or to
// the page clearing when no recovery was seen, or to now.
func (i *Incident) Duration(now time.Time) time.Duration {
	e := Episode{Recovered: i.Recovered, Resolved: i.Resolved}
	return e.End(now).Sub(i.Start)
}

// Clone returns a deep copy, so a reader can keep it while the writer goes on.
func (i Incident) Clone() Incident {
	c := i
	c.Identity = maps.Clone(i.Identity)
	c.BurnAtOpen = maps.Clone(i.BurnAtOpen)
	c.Deployments = append([]Deployment(nil), i.Deployments...)
	c.Factors = append([]Factor(nil), i.Factors...)
	c.Exemplars = append([]string(nil), i.Exemplars...)
	c.Episodes = make([]Episode, len(i.Episodes))
	for j, e := range i.Episodes {
		e.BurnAtOpen = maps.Clone(e.BurnAtOpen)
		c.Episodes[j] = e
	}
	return c
}

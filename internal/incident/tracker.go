package incident

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// Config bounds and paces a Tracker.
type Config struct {
	// EmitInterval rounds an incident's start in its ID, so replicas that see the same burn
	// within one interval name it alike.
	EmitInterval time.Duration
	// MergeWindow: a page that comes back this soon after its incident resolved reopens it.
	MergeWindow time.Duration
	// UpdateInterval is the least time between two updated events of one incident, unless its
	// peak burn grew by a quarter.
	UpdateInterval time.Duration
	// StaleAfter resolves an open incident whose series was not observed for this long (its SLO
	// was removed or renamed), so it cannot stay open forever.
	StaleAfter  time.Duration
	MaxOpen     int // open incidents; a page past it is counted, not opened
	MaxHistory  int // resolved incidents kept; the oldest go first
	MaxExemplar int // exemplar trace IDs per incident
}

// Observation is one evaluation of a series.
type Observation struct {
	Key             string // srestate.SeriesKey of the series
	SLO, Service    string
	Identity        [][2]string
	Page            bool
	Alert           string // the page alert's name, e.g. SLOErrorBudgetBurn
	BurnRates       map[string]float64
	BudgetRemaining float64
	// BadTotal and ValidTotal are the series' cumulative weighted counts.
	BadTotal, ValidTotal float64
	// Interval is what arrived since the previous emit (Pulse.Observe); BurningSince is the
	// end of the first burning interval before the page (Pulse.BurningSince), zero if unknown.
	Interval     Interval
	BurningSince time.Time
	// PeriodStart is the start of the SLO period the budget belongs to (now − the rolling
	// period, or the calendar period's start).
	PeriodStart time.Time
	At          time.Time
}

// maxEpisodes bounds the episodes one incident lists: the first and the latest are kept.
const maxEpisodes = 16

// Evidence is what a series knows when an incident opens or updates. Deployments are the
// service's within the lookback, up to now: the tracker keeps those before the episode's
// trigger cutoff, and the rollbacks after it as remediation.
type Evidence struct {
	Deployments []srestate.Deployment
	Factors     []srestate.Factor
	Exemplars   []string
}

// Kind of an incident event.
type Kind int

const (
	Opened Kind = iota
	Updated
	Resolved
)

// EventName is the OTLP event.name of each kind.
func (k Kind) EventName() string {
	return [...]string{"slo.incident.opened", "slo.incident.updated", "slo.incident.resolved"}[k]
}

// Event is one change of an incident, with the record as it is after the change.
type Event struct {
	Kind     Kind
	Incident srestate.Incident
}

// record is an incident with what the tracker needs to follow it.
type record struct {
	Incident     srestate.Incident
	Key          string
	BadAtOpen    float64
	ValidAtOpen  float64
	LastEvent    time.Time
	PeakReported float64
	Observed     time.Time
	flapped      bool // the latest reopening continued the episode
}

// Tracker follows the incidents of many series. It is not safe for concurrent use.
type Tracker struct {
	cfg     Config
	open    map[string]*record // by series key
	history []*record          // resolved, oldest first
	refused int64
}

// NewTracker returns an empty tracker.
func NewTracker(cfg Config) *Tracker {
	cfg.MaxOpen = max(cfg.MaxOpen, 1)
	cfg.MaxHistory = max(cfg.MaxHistory, 1)
	cfg.MaxExemplar = max(cfg.MaxExemplar, 1)
	if cfg.EmitInterval <= 0 {
		cfg.EmitInterval = time.Second
	}
	return &Tracker{cfg: cfg, open: map[string]*record{}}
}

// ID is an incident's deterministic ID: the series identity and the page's start rounded down
// to the emit interval.
func ID(slo string, identity [][2]string, start time.Time, emitInterval time.Duration) string {
	h := sha256.New()
	h.Write([]byte(srestate.SeriesKey(slo, identity)))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(start.Truncate(emitInterval).Unix(), 10)))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Refused counts pages not opened because MaxOpen incidents were open.
func (t *Tracker) Refused() int64 { return t.refused }

// Open reports whether the series has an open incident.
func (t *Tracker) Open(key string) bool { return t.open[key] != nil }

// Observe applies one evaluation of a series. evidence is called when the series pages. It
// returns the event the observation caused, if any.
func (t *Tracker) Observe(o Observation, evidence func() Evidence) (Event, bool) {
	r := t.open[o.Key]
	if r != nil {
		r.Observed = o.At
		r.follow(o)
	}
	switch {
	case o.Page && r == nil:
		if r = t.reopen(o); r != nil {
			r.merge(evidence(), t.cfg.MaxExemplar)
			if r.flapped {
				return r.event(Updated, o.At), true // one page, cleared for a single emit
			}
			return r.event(Opened, o.At), true // a new episode: a new page for every query
		}
		if len(t.open) >= t.cfg.MaxOpen {
			t.refused++
			return Event{}, false
		}
		r = t.start(o, evidence())
		return r.event(Opened, o.At), true
	case o.Page:
		inc := &r.Incident
		r.merge(evidence(), t.cfg.MaxExemplar) // the record stays current between events
		due := o.At.Sub(r.LastEvent) >= t.cfg.UpdateInterval
		if !due && inc.PeakBurn < 1.25*r.PeakReported {
			return Event{}, false
		}
		r.PeakReported = inc.PeakBurn
		return r.event(Updated, o.At), true
	case r != nil:
		return t.resolve(r, o.At), true
	}
	return Event{}, false
}

// recover follows the service under an open page: recovered from the first interval with
// traffic that no longer evidently burns at the page rate, of the run that goes on until the
// page clears; an interval that does undoes it. An interval without traffic is no evidence
// either way.
func (r *record) recover(iv Interval) {
	inc := &r.Incident
	switch {
	case iv.Burning:
		inc.Recovered = time.Time{}
	case iv.Valid > 0 && inc.Recovered.IsZero():
		inc.Recovered = iv.From
	}
}

// Expire resolves open incidents whose series was not observed since now − StaleAfter.
func (t *Tracker) Expire(now time.Time) []Event {
	if t.cfg.StaleAfter <= 0 {
		return nil
	}
	var events []Event
	for _, key := range slices.Sorted(maps.Keys(t.open)) {
		if r := t.open[key]; now.Sub(r.Observed) > t.cfg.StaleAfter {
			events = append(events, t.resolve(r, r.Observed))
		}
	}
	return events
}

func (t *Tracker) start(o Observation, ev Evidence) *record {
	identity := map[string]string{}
	for _, kv := range o.Identity {
		identity[kv[0]] = kv[1]
	}
	r := &record{
		Key: o.Key, Observed: o.At,
		Incident: srestate.Incident{
			ID: ID(o.SLO, o.Identity, o.At, t.cfg.EmitInterval), SLO: o.SLO, Service: o.Service,
			Identity: identity, Severity: "page", Alert: o.Alert,
		},
	}
	r.newEpisode(o)
	r.follow(o)
	r.merge(ev, t.cfg.MaxExemplar)
	r.PeakReported = r.Incident.PeakBurn
	t.open[o.Key] = r
	return r
}

// newEpisode starts the headline figures afresh at o: what the previous episode burned, its
// exemplars and its trigger are its own.
func (r *record) newEpisode(o Observation) {
	inc := &r.Incident
	inc.Start, inc.Resolved, inc.Recovered = o.At, time.Time{}, time.Time{}
	inc.BurnAtOpen, inc.BudgetAtOpen, inc.PeriodStart = maps.Clone(o.BurnRates), o.BudgetRemaining, o.PeriodStart
	inc.PeakBurn, inc.PeakAt, inc.BudgetConsumed = 0, time.Time{}, 0
	inc.Exemplars, inc.Factors, inc.Deployments = nil, nil, nil
	inc.TriggerCutoff = o.At
	if !o.BurningSince.IsZero() && o.BurningSince.Before(o.At) {
		inc.TriggerCutoff = o.BurningSince
	}
	r.BadAtOpen, r.ValidAtOpen = o.BadTotal, o.ValidTotal
	inc.Episodes = append(inc.Episodes, srestate.Episode{Start: o.At})
	if n := len(inc.Episodes); n > maxEpisodes {
		inc.Episodes = slices.Delete(inc.Episodes, 1, n-maxEpisodes+1)
	}
}

// reopen takes back the series' last incident when it resolved within the merge window.
func (t *Tracker) reopen(o Observation) *record {
	for i := len(t.history) - 1; i >= 0; i-- {
		r := t.history[i]
		if r.Key != o.Key {
			continue
		}
		if o.At.Sub(r.Incident.Resolved) > t.cfg.MergeWindow {
			return nil
		}
		t.history = slices.Delete(t.history, i, i+1)
		// Cleared for no more than one emit: the same page, not a new one.
		r.flapped = o.At.Sub(r.Incident.Resolved) <= t.cfg.EmitInterval
		if r.flapped {
			r.Incident.Resolved = time.Time{}
			r.episode().Resolved = time.Time{}
		} else {
			r.Incident.Reopened++
			r.newEpisode(o)
		}
		r.Observed = o.At
		r.follow(o)
		t.open[o.Key] = r
		return r
	}
	return nil
}

// episode is the latest episode.
func (r *record) episode() *srestate.Episode {
	if len(r.Incident.Episodes) == 0 { // a record stored before episodes were kept
		r.Incident.Episodes = []srestate.Episode{{Start: r.Incident.Start}}
	}
	return &r.Incident.Episodes[len(r.Incident.Episodes)-1]
}

func (t *Tracker) resolve(r *record, at time.Time) Event {
	delete(t.open, r.Key)
	r.Incident.Resolved = at
	r.episode().Resolved = at
	t.history = append(t.history, r)
	t.history = slices.Delete(t.history, 0, max(0, len(t.history)-t.cfg.MaxHistory))
	return r.event(Resolved, at)
}

// follow updates the peak burn, budget consumed and event counts from an observation.
func (r *record) follow(o Observation) {
	inc := &r.Incident
	for _, b := range o.BurnRates {
		if b > inc.PeakBurn {
			inc.PeakBurn, inc.PeakAt = b, o.At
		}
	}
	inc.BudgetConsumed = max(inc.BudgetConsumed, inc.BudgetAtOpen-o.BudgetRemaining)
	inc.BadEvents = max(0, o.BadTotal-r.BadAtOpen)
	inc.ValidEvents = max(0, o.ValidTotal-r.ValidAtOpen)
	inc.Updated = o.At
	if o.At.After(inc.Start) { // the interval that opened the page is not a recovery
		r.recover(o.Interval)
	}
	e := r.episode()
	e.Recovered, e.BurnAtOpen, e.BudgetAtOpen = inc.Recovered, inc.BurnAtOpen, inc.BudgetAtOpen
	e.PeakBurn, e.PeakAt, e.BudgetConsumed = inc.PeakBurn, inc.PeakAt, inc.BudgetConsumed
	e.BadEvents, e.ValidEvents = inc.BadEvents, inc.ValidEvents
}

// merge adds evidence: deployments and factors are replaced when new ones are known, exemplars
// accumulate up to max (the first kept, as they are the ones a responder opened first).
func (r *record) merge(ev Evidence, maxExemplars int) {
	inc := &r.Incident
	if len(ev.Deployments) > 0 {
		inc.Deployments = inc.Deployments[:0:0]
		for _, d := range ev.Deployments {
			if !d.At.After(inc.TriggerCutoff) || d.Rollback {
				inc.Deployments = append(inc.Deployments, d)
			}
		}
	}
	if len(ev.Factors) > 0 {
		inc.Factors = ev.Factors
	}
	for _, id := range ev.Exemplars {
		if len(inc.Exemplars) >= maxExemplars {
			break
		}
		if !slices.Contains(inc.Exemplars, id) {
			inc.Exemplars = append(inc.Exemplars, id)
		}
	}
}

func (r *record) event(k Kind, at time.Time) Event {
	r.LastEvent = at
	return Event{Kind: k, Incident: r.Incident.Clone()}
}

// OpenIncidents returns the open incidents, ordered by series key.
func (t *Tracker) OpenIncidents() []srestate.Incident {
	out := make([]srestate.Incident, 0, len(t.open))
	for _, key := range slices.Sorted(maps.Keys(t.open)) {
		out = append(out, t.open[key].Incident.Clone())
	}
	return out
}

// Incidents returns every incident the tracker holds: open ones, then resolved, newest last.
func (t *Tracker) Incidents() []srestate.Incident {
	out := t.OpenIncidents()
	for _, r := range t.history {
		out = append(out, r.Incident.Clone())
	}
	return out
}

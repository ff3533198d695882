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
	At                   time.Time
}

// Evidence is what a series knows when an incident opens or updates.
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
			return r.event(Updated, o.At), true
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
		Key: o.Key, BadAtOpen: o.BadTotal, ValidAtOpen: o.ValidTotal, Observed: o.At,
		Incident: srestate.Incident{
			ID: ID(o.SLO, o.Identity, o.At, t.cfg.EmitInterval), SLO: o.SLO, Service: o.Service,
			Identity: identity, Severity: "page", Start: o.At, Alert: o.Alert,
			BurnAtOpen: maps.Clone(o.BurnRates), BudgetAtOpen: o.BudgetRemaining,
		},
	}
	r.follow(o)
	r.merge(ev, t.cfg.MaxExemplar)
	r.PeakReported = r.Incident.PeakBurn
	t.open[o.Key] = r
	return r
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
		r.Incident.Resolved = time.Time{}
		r.Incident.Reopened++
		r.Observed = o.At
		r.follow(o)
		t.open[o.Key] = r
		return r
	}
	return nil
}

func (t *Tracker) resolve(r *record, at time.Time) Event {
	delete(t.open, r.Key)
	r.Incident.Resolved = at
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
}

// merge adds evidence: deployments and factors are replaced when new ones are known, exemplars
// accumulate up to max (the first kept, as they are the ones a responder opened first).
func (r *record) merge(ev Evidence, maxExemplars int) {
	inc := &r.Incident
	if len(ev.Deployments) > 0 {
		inc.Deployments = ev.Deployments
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

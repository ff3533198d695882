package srestate

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Limits bound every table of a Board; a sender cannot grow one past them.
type Limits struct {
	MaxSeries int // SLO series across all publishers
	// MaxIncidents bounds open and resolved incidents together; resolved ones go first.
	MaxIncidents int
	MaxServices  int // services with deployments
	// MaxDeployments bounds the deployments kept per service; the oldest go first.
	MaxDeployments int
}

// DefaultLimits are the sre_state extension's defaults.
var DefaultLimits = Limits{MaxSeries: 10000, MaxIncidents: 1000, MaxServices: 1000, MaxDeployments: 64}

// Board is the shared state. Its methods are safe for concurrent use; every read returns a copy.
type Board struct {
	limits Limits

	mu          sync.RWMutex
	series      map[string]SeriesState
	incidents   map[string]Incident
	deployments map[string][]Deployment
	sampling    map[string]SamplingStats
	sources     map[string]SLOSource
	pages       map[string]http.Handler
	consoleAddr string // where a console serves this board; empty when none does

	seriesDropped    int64
	incidentsEvicted int64
}

// NewBoard returns an empty board with the given bounds (zero fields take the defaults).
func NewBoard(l Limits) *Board {
	d := DefaultLimits
	if l.MaxSeries <= 0 {
		l.MaxSeries = d.MaxSeries
	}
	if l.MaxIncidents <= 0 {
		l.MaxIncidents = d.MaxIncidents
	}
	if l.MaxServices <= 0 {
		l.MaxServices = d.MaxServices
	}
	if l.MaxDeployments <= 0 {
		l.MaxDeployments = d.MaxDeployments
	}
	return &Board{limits: l, series: map[string]SeriesState{}, incidents: map[string]Incident{}, deployments: map[string][]Deployment{}, sampling: map[string]SamplingStats{},
		sources: map[string]SLOSource{}, pages: map[string]http.Handler{}}
}

// PublishSeries replaces everything source published before with states. Series past
// MaxSeries are left out and counted.
func (b *Board) PublishSeries(source string, states []SeriesState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, s := range b.series {
		if s.Source == source {
			delete(b.series, k)
		}
	}
	for _, s := range states {
		s.Source = source
		k := s.Key()
		if _, ok := b.series[k]; !ok && len(b.series) >= b.limits.MaxSeries {
			b.seriesDropped++
			continue
		}
		s.BurnRates = maps.Clone(s.BurnRates)
		s.Identity = slices.Clone(s.Identity)
		s.Tiers = slices.Clone(s.Tiers)
		if s.ID == "" {
			s.ID = ConsoleID(k)
		}
		b.series[k] = s
	}
}

// Series returns every published series, ordered by key.
func (b *Board) Series() []SeriesState {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]SeriesState, 0, len(b.series))
	for _, s := range b.series {
		s.BurnRates = maps.Clone(s.BurnRates)
		s.Identity = slices.Clone(s.Identity)
		s.Tiers = slices.Clone(s.Tiers)
		out = append(out, s)
	}
	slices.SortFunc(out, func(x, y SeriesState) int { return strings.Compare(x.Key(), y.Key()) })
	return out
}

// Burning returns the services with a series whose page alert fires (when page is true) or
// whose ticket alert fires (when ticket is true).
func (b *Board) Burning(page, ticket bool) map[string]bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := map[string]bool{}
	for _, s := range b.series {
		if s.Service != "" && ((page && s.Page) || (ticket && s.Ticket)) {
			out[s.Service] = true
		}
	}
	return out
}

// PutIncident inserts or replaces an incident by ID. Past MaxIncidents the oldest resolved
// incident goes, or the oldest open one when none is resolved.
func (b *Board) PutIncident(inc Incident) {
	inc = inc.Clone()
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.incidents[inc.ID]; !ok && len(b.incidents) >= b.limits.MaxIncidents {
		b.evictLocked()
	}
	b.incidents[inc.ID] = inc
}

func (b *Board) evictLocked() {
	victim, found := "", false
	var vi Incident
	for id, i := range b.incidents {
		if !found || evictsFirst(i, vi) {
			victim, vi, found = id, i, true
		}
	}
	if found {
		delete(b.incidents, victim)
		b.incidentsEvicted++
	}
}

// evictsFirst orders eviction: resolved incidents before open ones, then the oldest start.
func evictsFirst(a, b Incident) bool {
	if a.Open() != b.Open() {
		return !a.Open()
	}
	return a.Start.Before(b.Start)
}

// Incidents returns every incident, newest start first.
func (b *Board) Incidents() []Incident {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]Incident, 0, len(b.incidents))
	for _, i := range b.incidents {
		out = append(out, i.Clone())
	}
	slices.SortFunc(out, func(x, y Incident) int {
		if c := y.Start.Compare(x.Start); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// Incident returns one incident by ID.
func (b *Board) Incident(id string) (Incident, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	i, ok := b.incidents[id]
	if !ok {
		return Incident{}, false
	}
	return i.Clone(), true
}

// SetDeployments replaces the known deployments (by service). Each service keeps its newest
// MaxDeployments; services past MaxServices are left out.
func (b *Board) SetDeployments(byService map[string][]Deployment) {
	next := make(map[string][]Deployment, min(len(byService), b.limits.MaxServices))
	for _, svc := range slices.Sorted(maps.Keys(byService)) {
		if len(next) >= b.limits.MaxServices {
			break
		}
		deps := slices.Clone(byService[svc])
		slices.SortStableFunc(deps, func(x, y Deployment) int { return x.At.Compare(y.At) })
		deps = deps[max(0, len(deps)-b.limits.MaxDeployments):]
		next[svc] = deps
	}
	b.mu.Lock()
	b.deployments = next
	b.mu.Unlock()
}

// Deployments returns a service's deployments in [from, to], oldest first.
func (b *Board) Deployments(service string, from, to time.Time) []Deployment {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Deployment
	for _, d := range b.deployments[service] {
		if !d.At.Before(from) && !d.At.After(to) {
			out = append(out, d)
		}
	}
	return out
}

// Counts reports the series held and the incidents open, without copying them.
func (b *Board) Counts() (series, openIncidents int) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, i := range b.incidents {
		if i.Open() {
			openIncidents++
		}
	}
	return len(b.series), openIncidents
}

// Dropped reports the series refused at MaxSeries and the incidents evicted at MaxIncidents.
func (b *Board) Dropped() (series, incidents int64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.seriesDropped, b.incidentsEvicted
}

// Provider is what the sre_state extension implements; components type-assert the extension
// they find under the ID their `state` setting names.
type Provider interface {
	SREState() *Board
}

// Lookup finds the board a reader uses: the extension named id, or without an id the one
// sre_state extension the collector runs.
func Lookup[E comparable, C any](extensions map[E]C, id *E) (*Board, error) {
	if id != nil {
		return Find(extensions, *id)
	}
	var found *Board
	for _, ext := range extensions {
		if p, ok := any(ext).(Provider); ok {
			if found != nil {
				return nil, fmt.Errorf("state: several sre_state extensions run; name one in state")
			}
			found = p.SREState()
		}
	}
	if found == nil {
		return nil, fmt.Errorf("state: no sre_state extension in service.extensions")
	}
	return found, nil
}

// Find returns the board of the extension named id among the host's extensions.
func Find[E comparable, C any](extensions map[E]C, id E) (*Board, error) {
	ext, ok := extensions[id]
	if !ok {
		return nil, fmt.Errorf("state: extension %v is not configured in service.extensions", id)
	}
	p, ok := any(ext).(Provider)
	if !ok {
		return nil, fmt.Errorf("state: extension %v is not an sre_state extension", id)
	}
	return p.SREState(), nil
}

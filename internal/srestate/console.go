package srestate

import (
	"net/http"
	"time"
)

// SLOSource answers the console's questions about the series one connector published: the
// history it keeps, its compliance record and its definition. It is asked on demand, so the
// history is never copied onto the board; it must not take the lock its ingest takes.
type SLOSource interface {
	// SLODetail returns the series with key Key() as the source knows it, with its history
	// from since on (the finer resolution when it covers since).
	SLODetail(key string, since time.Time) (SLODetail, bool)
}

// SLODetail is what the console's SLO page reads beyond SeriesState.
type SLODetail struct {
	// Definition is the SLO as it stands in the config (YAML, defaults applied); Rules the
	// Prometheus rules generated from it.
	Definition, Rules string
	// TraceURL links exemplars: "{trace_id}" is replaced (the connector's incidents.trace_url).
	TraceURL string
	// Windows names the burn rates of every point, in order.
	Windows []string
	// Step is the points' resolution; Points are oldest first, one per step that had an emit.
	Step   time.Duration
	Points []HistoryPoint
	// HistoryFrom is the oldest point the source still holds at any resolution.
	HistoryFrom time.Time
	// NoHistory says why there are no points, when there are none (the bound was reached).
	NoHistory  string
	Compliance []PeriodCompliance
	Exemplars  []Exemplar
	// Deployments are the version changes the connector saw for the series' service since.
	Deployments []Deployment
	// Maintenance are the windows covering the series from since to a week ahead.
	Maintenance []MaintenanceWindow
	// Corrections are the windows added after the fact and the events they took back.
	Corrections []Correction
}

// MaintenanceWindow is one occurrence of a maintenance window: events ending in
// [Start, End) are excluded.
type MaintenanceWindow struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Reason string    `json:"reason"`
}

// Correction is a maintenance window added after the fact: the events it took back from the
// stored windows, exact to their buckets.
type Correction struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Applied time.Time `json:"applied"`
	// PeriodStart is the calendar period the correction fell in; zero for a rolling period.
	PeriodStart time.Time `json:"period_start,omitzero"`
	Reason      string    `json:"reason"`
	Good        float64   `json:"good_events_taken_back"`
	Bad         float64   `json:"bad_events_taken_back"`
}

// HistoryPoint is one step of a series' history: the evaluation at the step's last emit and
// the events received during it. A gauge that had no value (an SLI without valid events, a
// burn rate of an empty window) is NaN here and absent in every output.
type HistoryPoint struct {
	At              time.Time
	Good, Bad       float64
	BudgetRemaining float64
	SLI             float64   // over the SLO period
	BurnRates       []float64 // by SLODetail.Windows
}

// PeriodCompliance is one closed calendar period's final result.
type PeriodCompliance struct {
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	SLI             float64   `json:"sli"`
	BudgetRemaining float64   `json:"budget_remaining"`
	Good            float64   `json:"good_events"`
	Bad             float64   `json:"bad_events"`
	Met             bool      `json:"objective_met"`
}

// Exemplar is a recent bad event's trace.
type Exemplar struct {
	TraceID string    `json:"trace_id"`
	At      time.Time `json:"at"`
}

// SetSource registers (or with nil removes) the source of the series published as source.
func (b *Board) SetSource(source string, s SLOSource) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if s == nil {
		delete(b.sources, source)
		return
	}
	b.sources[source] = s
}

// Source returns the source registered for the series' publisher.
func (b *Board) Source(source string) (SLOSource, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.sources[source]
	return s, ok
}

// SeriesByID returns the published series with that console ID.
func (b *Board) SeriesByID(id string) (SeriesState, bool) {
	for _, s := range b.Series() {
		if s.ID == id {
			return s, true
		}
	}
	return SeriesState{}, false
}

// Mount lets a component serve a page on the console (pillars: /scorecard, /scorecard.json
// and /metrics); nil removes it. The console owns the port, TLS and auth.
func (b *Board) Mount(path string, h http.Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h == nil {
		delete(b.pages, path)
		return
	}
	b.pages[path] = h
}

// Mounted returns the handler mounted at path.
func (b *Board) Mounted(path string) (http.Handler, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	h, ok := b.pages[path]
	return h, ok
}

// SetConsoleAddr records where a console serves the board (empty: it stopped).
func (b *Board) SetConsoleAddr(addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.consoleAddr = addr
}

// ConsoleAddr is where a console serves the board, so a component that mounts a page can say
// where it is, or that nothing serves it.
func (b *Board) ConsoleAddr() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.consoleAddr
}

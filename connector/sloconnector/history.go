package sloconnector

import (
	"math"
	"slices"
	"sync"
	"time"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/trend"
	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// HistoryConfig bounds the downsampled history the console's charts read. It is kept only
// when state is set, and stored with the windows when storage is.
type HistoryConfig struct {
	// MinutePoints is how many one-minute points each series keeps (default 1440: a day).
	// With the test_seconds profile every step is 60× shorter, as the windows are.
	MinutePoints int `mapstructure:"minute_points"`
	// HourPoints is how many one-hour points each series keeps (default 744: the longest
	// calendar month). A longer period shows its newest HourPoints hours.
	HourPoints int `mapstructure:"hour_points"`
	// MaxSeries bounds the series with a history, across every SLO (default 1000). A series
	// past it has none, and the console says so; each costs at most
	// (minute_points + hour_points) × 64 bytes (about 137 KiB at the defaults).
	MaxSeries int `mapstructure:"max_series"`
}

func defaultHistory() HistoryConfig {
	return HistoryConfig{MinutePoints: 1440, HourPoints: 744, MaxSeries: 1000}
}

const maxRecentExemplars = 10

// historyStore holds every series' history under its own lock: the console reads it while
// spans are ingested, and emits write it after the ingest lock is released.
type historyStore struct {
	cfg      HistoryConfig
	traceURL string
	defs     map[string]*sloDefinition // by SLO name

	mu      sync.Mutex
	series  map[string]*seriesHistory // by srestate.SeriesKey
	refused map[string]bool           // series keys past MaxSeries, counted once
	now     func() time.Time
	// versions lists the connector's own version changes, when incidents are tracked.
	versions *versionTracker
}

// sloDefinition is what the console shows of one SLO's config.
type sloDefinition struct {
	yaml, rules string
	windows     []string // burn-rate window names, in point order
	layout      trend.Layout
	hash        string
	maintenance *sloMaintenance // immutable schedules, read without c.mu
}

type seriesHistory struct {
	SLO, Service string
	History      *trend.History
	Exemplars    []srestate.Exemplar
	compliance   []srestate.PeriodCompliance // from the windows: rebuilt each emit, not stored
	corrections  []srestate.Correction       // likewise
}

func newHistoryStore(cfg *Config, slos []*sloRuntime, connectorID string, now func() time.Time) *historyStore {
	hs := &historyStore{cfg: cfg.History, traceURL: cfg.Incidents.TraceURL, defs: map[string]*sloDefinition{},
		series: map[string]*seriesHistory{}, refused: map[string]bool{}, now: now}
	for _, rt := range slos {
		d := &sloDefinition{hash: rt.hash, yaml: definitionYAML(rt.cfg), maintenance: rt.maintenance}
		one := *cfg
		one.SLOs = []SLO{rt.cfg}
		if rules, err := RulesDocument(ConnectorRules{ID: connectorID, Config: &one}); err == nil {
			d.rules = string(rules)
		}
		for _, w := range rt.spec.Windows {
			d.windows = append(d.windows, w.Name)
		}
		d.windows = append(d.windows, window.PeriodWindow)
		d.windows = d.windows[:min(len(d.windows), trend.MaxWindows)]
		d.layout = trend.Layout{{Step: rt.spec.Unit, Points: cfg.History.MinutePoints}, {Step: 60 * rt.spec.Unit, Points: cfg.History.HourPoints}}
		hs.defs[rt.cfg.Name] = d
	}
	return hs
}

// historySample is one emit's contribution to a series' history.
type historySample struct {
	sample      trend.Sample
	compliance  []srestate.PeriodCompliance
	corrections []srestate.Correction
	exemplars   []srestate.Exemplar
}

// sampleOf reads the history sample of an evaluation; delta is the events since the last emit.
func sampleOf(rt *sloRuntime, s *series, st window.Status, delta window.Counts) historySample {
	nan := math.NaN()
	hs := historySample{sample: trend.Sample{Good: delta.Good, Bad: delta.Bad, Budget: st.BudgetRemaining, SLI: nan}}
	for _, w := range st.Windows {
		v := nan
		if w.OK {
			v = w.BurnRate
		}
		hs.sample.Burn = append(hs.sample.Burn, v)
		if w.Name == window.PeriodWindow && w.OK {
			hs.sample.SLI = w.SLI
		}
	}
	for _, past := range s.state.History() {
		sli, ok := past.SLI()
		if !ok {
			continue
		}
		start := time.Unix(0, past.Start).In(rt.spec.Period.Location())
		hs.compliance = append(hs.compliance, srestate.PeriodCompliance{
			Start: start, End: start.Add(past.Length), SLI: sli, BudgetRemaining: past.BudgetRemaining(&rt.spec),
			Good: past.Counts.Good, Bad: past.Counts.Bad, Met: sli >= rt.spec.Objective,
		})
	}
	for _, c := range s.state.Corrections() {
		sc := srestate.Correction{From: time.Unix(0, c.From), To: time.Unix(0, c.To), Applied: time.Unix(0, c.Applied),
			Reason: c.Reason, Good: c.TakenBack.Good, Bad: c.TakenBack.Bad}
		if c.PeriodStart != 0 {
			sc.PeriodStart = time.Unix(0, c.PeriodStart).In(rt.spec.Period.Location())
		}
		hs.corrections = append(hs.corrections, sc)
	}
	for _, e := range s.exemplars {
		hs.exemplars = append(hs.exemplars, srestate.Exemplar{TraceID: e.traceID.String(), At: e.at.AsTime()})
	}
	return hs
}

// record adds one emit's samples. Past MaxSeries a new series gets no history.
func (hs *historyStore) record(pending []pendingSeries, now time.Time) (refused int64) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for i := range pending {
		p := &pending[i]
		key := p.state.Key()
		h, ok := hs.series[key]
		if !ok {
			if len(hs.series) >= hs.cfg.MaxSeries {
				if !hs.refused[key] && len(hs.refused) < hs.cfg.MaxSeries {
					hs.refused[key] = true
					refused++
				}
				continue
			}
			h = &seriesHistory{SLO: p.state.SLO, Service: p.state.Service, History: trend.New(hs.defs[p.state.SLO].layout)}
			hs.series[key] = h
		}
		h.History.Record(now, p.history.sample)
		h.compliance, h.corrections = p.history.compliance, p.history.corrections
		h.Exemplars = append(h.Exemplars, p.history.exemplars...)
		h.Exemplars = h.Exemplars[max(0, len(h.Exemplars)-maxRecentExemplars):]
	}
	return refused
}

// maintenanceAhead is how far ahead the console lists planned windows.
const maintenanceAhead = 7 * 24 * time.Hour

// SLODetail implements srestate.SLOSource.
func (hs *historyStore) SLODetail(key string, since time.Time) (srestate.SLODetail, bool) {
	now := hs.now()
	hs.mu.Lock()
	h, ok := hs.series[key]
	var d srestate.SLODetail
	var service string
	if ok {
		def := hs.defs[h.SLO]
		d = srestate.SLODetail{Definition: def.yaml, Rules: def.rules, TraceURL: hs.traceURL, Windows: def.windows,
			Compliance: slices.Clone(h.compliance), Corrections: slices.Clone(h.corrections), Exemplars: slices.Clone(h.Exemplars)}
		for _, iv := range def.maintenance.between(h.Service, since, now.Add(maintenanceAhead)) {
			d.Maintenance = append(d.Maintenance, srestate.MaintenanceWindow{Start: iv.Start, End: iv.End, Reason: iv.Reason})
		}
		points, step := h.History.Since(since, now)
		d.Step = step
		d.HistoryFrom, _ = h.History.Oldest()
		d.Points = make([]srestate.HistoryPoint, len(points))
		for i, p := range points {
			d.Points[i] = historyPoint(p, len(def.windows))
		}
		service = h.Service
	} else if hs.refused[key] {
		ok = true
		d.NoHistory = "this series is past history.max_series; it has no history"
	}
	hs.mu.Unlock()
	if ok && hs.versions != nil {
		d.Deployments = hs.versions.changes(service, since, now)
	}
	return d, ok
}

func historyPoint(p trend.Point, windows int) srestate.HistoryPoint {
	out := srestate.HistoryPoint{At: time.Unix(0, p.At), Good: p.Good, Bad: p.Bad,
		BudgetRemaining: float64(p.Budget), SLI: float64(p.SLI), BurnRates: make([]float64, windows)}
	for i := range out.BurnRates {
		out.BurnRates[i] = float64(p.Burn[i])
	}
	return out
}

// encode serialises every SLO's histories for storage.
func (hs *historyStore) encode() map[string][]byte {
	bySLO := map[string]*storedHistory{}
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for name, def := range hs.defs {
		bySLO[name] = &storedHistory{Version: stateVersion, Hash: def.hash, Series: map[string]*seriesHistory{}}
	}
	for key, h := range hs.series {
		if rec := bySLO[h.SLO]; rec != nil {
			rec.Series[key] = h
		}
	}
	out := make(map[string][]byte, len(bySLO))
	for name, rec := range bySLO {
		out[historyKey(name)] = encode(rec)
	}
	return out
}

// restore takes stored histories in, each into the layout configured now.
func (hs *historyStore) restore(stored map[string]*seriesHistory) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for key, sh := range stored {
		def := hs.defs[sh.SLO]
		if def == nil || sh.History == nil || len(hs.series) >= hs.cfg.MaxSeries {
			continue
		}
		h := trend.New(def.layout)
		h.Restore(sh.History)
		hs.series[key] = &seriesHistory{SLO: sh.SLO, Service: sh.Service, History: h, Exemplars: sh.Exemplars}
	}
}

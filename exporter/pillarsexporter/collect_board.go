package pillarsexporter

import (
	"runtime"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// collectBoard takes every SLO series' state from the board the slo connector publishes to:
// with a board, that is the only source of SLO state (collectMetric refuses slo.* points). It
// takes the ingest lock a chunk of series at a time, as evaluate does.
func (p *pillars) collectBoard(states []srestate.SeriesState, now time.Time) {
	attrs := pcommon.NewMap()
	for start := 0; start < len(states); start += snapshotChunk * 8 {
		p.mu.Lock()
		for i := start; i < min(start+snapshotChunk*8, len(states)); i++ {
			p.collectSeriesState(&states[i], attrs, now)
		}
		p.mu.Unlock()
		runtime.Gosched()
	}
}

// collectSeriesState is one series' state as collectSLOPoint would have read it from the
// connector's points of the same evaluation. The caller holds p.mu.
func (p *pillars) collectSeriesState(bs *srestate.SeriesState, attrs pcommon.Map, now time.Time) {
	attrs.Clear()
	for _, kv := range bs.Identity {
		attrs.PutStr(kv[0], kv[1])
	}
	attrs.PutStr(slonames.SLOName, bs.SLO)
	vals, key, ok := p.identity(attrs)
	if !ok {
		return
	}
	s, ok := p.lookup(vals, key, now)
	if !ok {
		return
	}
	st := s.slo(sloSeries(attrs))
	if st == nil {
		return
	}
	s.signals["metrics"] = true
	s.alertSeen = s.alertSeen || bs.HasAlerts
	at := bs.Updated
	st.sharded = bs.Sharded
	st.objective, st.hasObjective = bs.Objective, true
	st.good1h, st.bad1h = bs.Good1h, bs.Bad1h
	st.goodPeriod, st.badPeriod, st.hasPeriodCount = bs.GoodPeriod, bs.BadPeriod, true
	st.remaining, st.remainingAt, st.hasRemaining = bs.BudgetRemaining, at, true
	p.observeBudget(s, bs.BudgetRemaining, at)
	if bs.ExhaustsWithinPeriod {
		st.exhaustsAt = at
	}
	st.periodMet = st.periodMet || bs.PeriodMet
	st.page, st.ticket = bs.Page, bs.Ticket
}

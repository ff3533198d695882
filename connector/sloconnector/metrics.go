package sloconnector

import (
	"context"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

const scopeName = slonames.Scope

// metricSet holds the metrics of one emission, created in a fixed order. Units stay empty (or
// annotations only) so Prometheus names are the OTel names with dots turned into underscores.
type metricSet struct {
	events, windowEvents, periodLength, objective, sli, burnRate, remaining, exhaustion, exhausted, alert pmetric.Metric
	compliance, periodRemaining                                                                           pmetric.Metric
	excluded, maintenanceActive                                                                           pmetric.Metric
}

func newMetricSet(sm pmetric.ScopeMetrics, singleWriter bool) metricSet {
	gauge := func(name, unit, desc string) pmetric.Metric {
		m := sm.Metrics().AppendEmpty()
		m.SetName(name)
		m.SetUnit(unit)
		m.SetDescription(desc)
		m.SetEmptyGauge()
		return m
	}
	cumulative := func(name, desc string) pmetric.Metric {
		m := sm.Metrics().AppendEmpty()
		m.SetName(name)
		m.SetUnit("{event}")
		m.SetDescription(desc)
		sum := m.SetEmptySum()
		sum.SetIsMonotonic(true)
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		return m
	}
	var ms metricSet
	ms.events = cumulative(slonames.MetricEvents, "Valid events by outcome, weighted by adjusted count, since the series started.")
	ms.excluded = cumulative(slonames.MetricEventsExcluded, "Valid events left out by a maintenance window (by its reason) or sli.exclude (reason exclude), weighted by adjusted count, since the series started.")
	ms.maintenanceActive = gauge(slonames.MetricMaintenanceActive, "", "1 while a maintenance window covers the series: its events are excluded and its alerts held.")
	ms.windowEvents = gauge(slonames.MetricWindowEvents, "{event}", "Valid events by outcome within each lookback window and the SLO period.")
	// The generated rules read a calendar period's length from here, so their burn factors are
	// the connector's in every month, daylight-saving changes included.
	ms.periodLength = gauge(slonames.MetricPeriodLength, "", "Seconds in the current calendar period (calendar SLOs only).")
	// The objective is the same on every replica: with the period's events it lets a reader of
	// one sharded replica estimate the budget (max() it across replicas, never sum it).
	ms.objective = gauge(slonames.MetricObjective, "", "The SLO's objective as a ratio.")
	if singleWriter {
		ms.sli = gauge(slonames.MetricSLI, "", "Good ÷ valid events per window; absent when the window has no valid events.")
		ms.burnRate = gauge(slonames.MetricBurnRate, "", "(1 − SLI) ÷ (1 − objective) per window.")
		ms.remaining = gauge(slonames.MetricBudgetRemaining, "", "Share of the period's error budget left; negative when overspent.")
		ms.exhaustion = gauge(slonames.MetricBudgetExhaustion, "", "Seconds until the budget is spent at the 1h burn rate; absent if not within the period.")
		ms.exhausted = gauge(slonames.MetricBudgetExhausted, "", "1 while the remaining budget is at or below alerting.budget_exhausted.threshold.")
		ms.alert = gauge(slonames.MetricAlertActive, "", "1 while a multi-window multi-burn-rate alert tier of this severity fires.")
		ms.compliance = gauge(slonames.MetricPeriodCompliance, "", "Final SLI of each closed calendar period, by slo.period.start.")
		ms.periodRemaining = gauge(slonames.MetricPeriodBudgetRemaining, "", "Final share of the error budget left in each closed calendar period, by slo.period.start.")
	}
	return ms
}

// buildMetrics evaluates every series at now. The caller holds c.mu.
func (c *sloConnector) buildMetrics(now time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(scopeName)
	singleWriter := c.cfg.Topology == topologySingleWriter
	ms := newMetricSet(sm, singleWriter)
	ts := pcommon.NewTimestampFromTime(now)
	nSeries := 0
	for _, rt := range c.slos {
		for _, s := range rt.series {
			nSeries++
			s.state.Advance(&rt.spec, now)
			base := pcommon.NewMap()
			c.seriesAttributes(rt, s, base, singleWriter)
			point := func(m pmetric.Metric, v float64, extra ...string) {
				if isNonFinite(v) {
					return
				}
				var dp pmetric.NumberDataPoint
				if m.Type() == pmetric.MetricTypeSum {
					dp = m.Sum().DataPoints().AppendEmpty()
					dp.SetStartTimestamp(s.start)
				} else {
					dp = m.Gauge().DataPoints().AppendEmpty()
				}
				dp.SetTimestamp(ts)
				dp.SetDoubleValue(v)
				base.CopyTo(dp.Attributes())
				for i := 0; i+1 < len(extra); i += 2 {
					dp.Attributes().PutStr(extra[i], extra[i+1])
				}
			}
			point(ms.events, s.state.Total.Good, attrOutcome, "good")
			point(ms.events, s.state.Total.Bad, attrOutcome, "bad")
			for _, reason := range rt.maintenance.reasons {
				point(ms.excluded, s.excluded[reason], attrExcludeReason, reason)
			}
			st, inMaintenance := c.evaluate(rt, s, now)
			if rt.maintenance.windows() {
				point(ms.maintenanceActive, boolValue(inMaintenance))
			}
			if c.board != nil || c.incidents != nil {
				c.collectState(rt, s, st, inMaintenance, now) // reads the exemplars before they are sent
			}
			c.attachExemplars(ms.events, s)
			for _, w := range st.Windows {
				point(ms.windowEvents, w.Counts.Good, attrOutcome, "good", attrWindow, w.Name)
				point(ms.windowEvents, w.Counts.Bad, attrOutcome, "bad", attrWindow, w.Name)
			}
			if rt.spec.Period.IsCalendar() {
				point(ms.periodLength, rt.spec.Period.Length(now).Seconds())
			}
			point(ms.objective, rt.spec.Objective)
			if !singleWriter {
				continue
			}
			for _, w := range st.Windows {
				if w.OK {
					point(ms.sli, w.SLI, attrWindow, w.Name)
					point(ms.burnRate, w.BurnRate, attrWindow, w.Name)
				}
			}
			point(ms.remaining, st.BudgetRemaining)
			if st.ExhaustionOK {
				point(ms.exhaustion, st.Exhaustion.Seconds())
			}
			if be := rt.cfg.Alerting.BudgetExhausted; !be.Disable {
				point(ms.exhausted, boolValue(st.BudgetRemaining <= be.Threshold))
			}
			for _, past := range s.state.History() {
				start := time.Unix(0, past.Start).In(rt.spec.Period.Location()).Format(time.RFC3339)
				if sli, ok := past.SLI(); ok {
					met := strconv.FormatBool(sli >= rt.spec.Objective)
					point(ms.compliance, sli, attrPeriodStart, start, attrObjectiveMet, met)
					point(ms.periodRemaining, past.BudgetRemaining(&rt.spec), attrPeriodStart, start, attrObjectiveMet, met)
				}
			}
			for _, sev := range window.Severities {
				if rt.severities[sev] {
					point(ms.alert, boolValue(st.Alerts[sev]), attrSeverity, sev)
				}
			}
		}
	}
	c.telemetry.ConnectorSloSeries.Record(context.Background(), int64(nSeries))
	return md
}

// evaluate derives the series' status at now. While a maintenance window covers the series its
// alerts are held, so no page fires and no incident opens inside a window; the windows hold none
// of its events either way.
func (c *sloConnector) evaluate(rt *sloRuntime, s *series, now time.Time) (window.Status, bool) {
	if !rt.maintenance.windows() {
		return s.state.Evaluate(&rt.spec, now), false
	}
	service := s.service()
	excludedSlices := 0
	if rt.spec.Timeslice > 0 {
		excludedSlices = rt.maintenance.coveredSlicesAt(service, &rt.spec, now)
	}
	st := s.state.EvaluateExcluding(&rt.spec, now, excludedSlices)
	active := rt.maintenance.active(service, now)
	if active {
		for sev := range st.Alerts {
			st.Alerts[sev] = false
		}
		for i := range st.Tiers {
			st.Tiers[i].Firing = false
		}
	}
	return st, active
}

// seriesAttributes writes the attributes shared by every point of a series.
func (c *sloConnector) seriesAttributes(rt *sloRuntime, s *series, m pcommon.Map, singleWriter bool) {
	m.PutStr(attrSLOName, rt.cfg.Name)
	for _, kv := range s.attrs {
		m.PutStr(kv[0], kv[1])
	}
	for k, v := range rt.cfg.Labels {
		m.PutStr(k, v)
	}
	if c.connectorID != "" {
		m.PutStr(attrConnector, c.connectorID)
	}
	if !singleWriter && c.instanceID != "" {
		m.PutStr(attrInstanceID, c.instanceID)
	}
}

// attachExemplars puts the interval's bad-span exemplars on the last (bad) slo.events point
// and forgets them, so each exemplar is sent once.
func (c *sloConnector) attachExemplars(events pmetric.Metric, s *series) {
	dps := events.Sum().DataPoints()
	if len(s.exemplars) == 0 || dps.Len() == 0 {
		return
	}
	bad := dps.At(dps.Len() - 1)
	for _, e := range s.exemplars {
		ex := bad.Exemplars().AppendEmpty()
		ex.SetTraceID(e.traceID)
		ex.SetSpanID(e.spanID)
		ex.SetTimestamp(e.at)
		ex.SetDoubleValue(e.weight)
	}
	s.exemplars = s.exemplars[:0]
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

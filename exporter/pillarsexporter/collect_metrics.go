package pillarsexporter

import (
	"math"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

func (p *pillars) collectMetrics(md pmetric.Metrics, now time.Time) {
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			sm := rm.ScopeMetrics().At(j)
			fromConnector := p.board == nil && sm.Scope().Name() == slonames.Scope
			ms := sm.Metrics()
			for k := 0; k < ms.Len(); k++ {
				p.collectMetric(rm.Resource().Attributes(), ms.At(k), fromConnector, now)
			}
		}
	}
}

// cpuMetrics are utilisation series that can carry a service's identity on their resource;
// host-wide CPU (system.cpu.utilization) describes the collector's machine, not a service.
var cpuMetrics = map[string]bool{"process.cpu.utilization": true, "container.cpu.utilization": true, "k8s.pod.cpu.utilization": true}

// maxUtilization bounds a CPU utilisation point: a share of one core is at most 1, and
// process.cpu.utilization may be reported per core summed (at most the cores of a host).
const maxUtilization = 1024

// SLO state comes from the slo connector only: with a board, from the board (collectBoard);
// without one, from points in the connector's instrumentation scope. Any other slo.* point is
// a client's, which could fake a budget or hide a burning one: it is refused and counted.
func (p *pillars) collectMetric(res pcommon.Map, m pmetric.Metric, fromConnector bool, now time.Time) {
	var dps pmetric.NumberDataPointSlice
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dps = m.Gauge().DataPoints()
	case pmetric.MetricTypeSum:
		dps = m.Sum().DataPoints()
	case pmetric.MetricTypeHistogram:
		p.collectRequestHistogram(res, m, now)
		return
	default:
		return
	}
	name := m.Name()
	isSLO := strings.HasPrefix(name, slonames.MetricPrefix)
	standardsPoint := isStandardsMetric(name)
	if !cpuMetrics[name] && !isSLO && !standardsPoint {
		return
	}
	if isSLO && !fromConnector {
		p.refusedSLOPoints += uint64(dps.Len())
		return
	}
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		v := dp.DoubleValue()
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = float64(dp.IntValue())
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.droppedPoints++ // one such point would make the scorecard unencodable as JSON
			continue
		}
		vals, key, ok := p.identity(dp.Attributes(), res)
		if !ok {
			continue
		}
		s, ok := p.lookup(vals, key, now)
		if !ok {
			continue
		}
		s.signals["metrics"] = true
		if standardsPoint {
			p.observeResource(s, res, now)
			p.collectStandardsPoint(s, s.window.at(now, p.bucketWidth()), res, m, dp, v, now)
			continue
		}
		if cpuMetrics[name] {
			if state := str(dp.Attributes(), "state"); state != "" && state != "user" && state != "system" {
				continue // idle, wait, … are not the service's work
			}
			if v < 0 || v > maxUtilization {
				p.droppedPoints++ // a utilisation is a share; summing 1e308s would overflow the mean
				continue
			}
			s.cpuSum, s.cpuCount, s.cpuSource = s.cpuSum+v, s.cpuCount+1, name
			s.std.resourceSeen = now
			if s.cpuCount > 1e4 { // keep the running mean bounded and recent
				s.cpuSum, s.cpuCount = s.cpuSum/2, s.cpuCount/2
			}
			continue
		}
		p.collectSLOPoint(s, name, dp, v)
	}
}

// collectRequestHistogram notes http.server.request.duration for runtime monitoring: the
// service measures requests, errors and latency without SERVER spans.
func (p *pillars) collectRequestHistogram(res pcommon.Map, m pmetric.Metric, now time.Time) {
	if m.Name() != "http.server.request.duration" {
		return
	}
	dps := m.Histogram().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		vals, key, ok := p.identity(dps.At(i).Attributes(), res)
		if !ok {
			continue
		}
		if s, ok := p.lookup(vals, key, now); ok {
			s.signals["metrics"] = true
			s.window.at(now, p.bucketWidth()).requestPoints++
		}
	}
}

func (p *pillars) collectSLOPoint(s *serviceState, name string, dp pmetric.NumberDataPoint, v float64) {
	attrs := dp.Attributes()
	sloName := sloSeries(attrs)
	st := s.slo(sloName)
	if st == nil {
		return
	}
	at := dp.Timestamp().AsTime()
	if str(attrs, slonames.InstanceID) != "" {
		st.sharded = true
	}
	switch name {
	case slonames.MetricObjective:
		st.objective, st.hasObjective = v, true
	case slonames.MetricWindowEvents:
		good := str(attrs, slonames.Outcome) == "good"
		switch str(attrs, slonames.Window) {
		case "1h":
			if good {
				st.good1h = v
			} else {
				st.bad1h = v
			}
		case "period":
			if good {
				st.goodPeriod = v
			} else {
				st.badPeriod = v
			}
			st.hasPeriodCount = true
		}
	case slonames.MetricBudgetRemaining:
		st.remaining, st.remainingAt, st.hasRemaining = v, at, true
		p.observeBudget(s, v, at)
	case slonames.MetricBudgetExhaustion:
		st.exhaustsAt = at
	case slonames.MetricPeriodCompliance:
		if str(attrs, slonames.ObjectiveMet) == "true" && v > 0 {
			st.periodMet = true
		}
	case slonames.MetricAlertActive:
		s.alertSeen = true
		switch str(attrs, slonames.Severity) {
		case "page":
			st.page = v >= 1
			if p.board == nil { // with a state extension, its incidents are the page alerts
				p.observePage(s, "alert:"+sloName, v >= 1, at)
			}
		case "ticket":
			st.ticket = v >= 1
		}
	}
}

func (p *pillars) observePage(s *serviceState, key string, active bool, at time.Time) {
	start, open := s.openAlerts[key]
	switch {
	case active && !open && len(s.openAlerts) < maxOpenAlerts:
		s.openAlerts[key] = at
		s.pageAlerts = append(s.pageAlerts, at)
		if len(s.pageAlerts) > maxEvents {
			s.pageAlerts = s.pageAlerts[1:]
		}
	case !active && open:
		delete(s.openAlerts, key)
		s.addIncident(score.Incident{Start: start, Resolved: at})
	}
}

func (p *pillars) observeBudget(s *serviceState, remaining float64, at time.Time) {
	n := len(s.exhausted)
	switch {
	case remaining <= 0 && (n == 0 || !s.exhausted[n-1].to.IsZero()):
		s.exhausted = append(s.exhausted, timeRange{from: at})
		if len(s.exhausted) > maxEvents {
			s.exhausted = s.exhausted[1:]
		}
	case remaining > 0 && n > 0 && s.exhausted[n-1].to.IsZero():
		s.exhausted[n-1].to = at
	}
}

// notSeries are the attributes of the connector's points that do not tell its series apart.
var notSeries = map[string]bool{slonames.SLOName: true, slonames.Service: true, slonames.Outcome: true, slonames.Window: true,
	slonames.Severity: true, slonames.InstanceID: true, slonames.Connector: true, slonames.PeriodStart: true, slonames.ObjectiveMet: true}

// sloSeries names one series of an SLO: its name, and its group_by values when it has any
// ("latency{http.route=/pay}"), so the routes of a grouped SLO are not one budget overwritten
// by each in turn.
func sloSeries(attrs pcommon.Map) string {
	name := str(attrs, slonames.SLOName)
	var group []string
	attrs.Range(func(k string, v pcommon.Value) bool {
		if !notSeries[k] && !strings.HasPrefix(k, "service.") && !strings.HasPrefix(k, "deployment.") {
			group = append(group, k+"="+v.AsString())
		}
		return true
	})
	if len(group) == 0 {
		return name
	}
	slices.Sort(group)
	return name + "{" + strings.Join(group, ", ") + "}"
}

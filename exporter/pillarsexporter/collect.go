package pillarsexporter

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/attr"
	"github.com/otelcol-sre/otelcol-sre/internal/deploy"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

const (
	maxExemplars  = 3
	maxEvents     = 1000 // deployments, incidents, page alerts and exhaustion periods per service
	maxOpenAlerts = 1000 // open page alerts and incidents per service (their ids come from senders)
	maxSLOs       = 64   // SLO series per service (their names come from senders)
)

var deployName = regexp.MustCompile(`(?i)(deploy|push-image)`)

// service returns the state of one identity, creating it when there is room; ok is false when
// max_services identities are held and none has been idle for service_ttl.
func (p *pillars) service(vals []string, key string, now time.Time) (s *serviceState, ok bool) {
	if s, ok = p.services[key]; !ok {
		// Scanning for idle services costs O(services) under the ingest lock: at most once a
		// minute on this path (evaluation scans too), so a flood of new identities at the bound
		// is refused at map-lookup cost.
		full := len(p.services) >= p.cfg.MaxServices
		if full && (now.Sub(p.lastEvictScan) < time.Minute || p.evictIdle(now) == 0) {
			p.refusedServices++
			return nil, false
		}
		s = &serviceState{labels: vals, profile: p.profileFor(vals), firstSeen: now, signals: map[string]bool{},
			exemplars: map[score.CheckID][]string{}, openAlerts: map[string]time.Time{}, slos: map[string]*sloState{}}
		s.targets = p.targetsFor(s.profile)
		p.services[key] = s
	}
	s.lastSeen = now
	return s, true
}

// evictIdle drops the services not seen for service_ttl, with their hysteresis, and says how many.
func (p *pillars) evictIdle(now time.Time) int {
	p.lastEvictScan = now
	evicted := map[string]bool{}
	for key, s := range p.services {
		if now.Sub(s.lastSeen) > p.cfg.ServiceTTL {
			delete(p.services, key)
			evicted[key] = true
		}
	}
	if len(evicted) > 0 {
		p.hystMu.Lock()
		for hk := range p.hysteresis {
			if evicted[hysteresisService(hk)] {
				delete(p.hysteresis, hk)
			}
		}
		p.hystMu.Unlock()
	}
	p.evictedServices += uint64(len(evicted))
	return len(evicted)
}

// hysteresisKey names one pillar of one service; the framework and pillar never contain "|",
// so the service key (which a sender may have put "|" into) is everything before the last two.
func hysteresisKey(service, framework, pillar string) string {
	return service + "|" + framework + "|" + pillar
}

func hysteresisService(hk string) string {
	i := strings.LastIndexByte(hk, '|')
	if i < 0 {
		return ""
	}
	j := strings.LastIndexByte(hk[:i], '|')
	if j < 0 {
		return ""
	}
	return hk[:j]
}

func (p *pillars) collectTraces(td ptrace.Traces, now time.Time) {
	var sizer ptrace.ProtoMarshaler
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		vals, key, ok := p.identity(rs.Resource().Attributes())
		if !ok {
			continue
		}
		s, ok := p.lookup(vals, key, now)
		if !ok {
			continue
		}
		s.signals["traces"] = true
		c := s.window.at(now, p.bucketWidth())
		c.bytes += float64(sizer.ResourceSpansSize(rs))
		version := str(rs.Resource().Attributes(), "service.version")
		p.observeVersion(s, key, version, now)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				p.collectSpan(s, c, spans.At(k), version, now)
			}
		}
	}
}

func (p *pillars) collectSpan(s *serviceState, c *counters, span ptrace.Span, version string, now time.Time) {
	weight := p.weights.Read(span.TraceState().AsRaw())
	w := weight.Count
	if weight.Sampled {
		c.sampled++
	}
	c.spans++
	c.weight += w
	attrs := span.Attributes()
	if hasException(span) {
		c.exceptions += w
		s.exemplar(score.CheckExceptions, span.TraceID())
	}
	if isDeploySpan(span) {
		d := score.Deployment{Revision: str(attrs, "vcs.ref.head.revision"), Version: version, At: span.EndTimestamp().AsTime(), Source: score.SourceCICD}
		if ct := timeAttr(attrs, "vcs.ref.head.revision.timestamp"); !ct.IsZero() {
			d.CommitTimes = []time.Time{ct}
		}
		s.addDeployment(d)
	}
	switch span.Kind() {
	case ptrace.SpanKindClient:
		if isExternal(attrs) {
			c.externalClient += w
			if isTLS(attrs) {
				c.externalTLS += w
			} else {
				s.exemplar(score.CheckTLS, span.TraceID())
			}
		}
		return
	case ptrace.SpanKindServer:
	default:
		return
	}
	c.server += w
	code, _ := attr.Int(attrs, "http.response.status_code", "http.status_code")
	if span.Status().Code() == ptrace.StatusCodeError || code >= 500 {
		c.serverErrors += w
		s.exemplar(score.CheckSuccessRatio, span.TraceID())
	}
	if code == 401 || code == 403 {
		c.auth += w
		s.exemplar(score.CheckAuthFailures, span.TraceID())
	}
	if isTLS(attrs) {
		c.serverTLS += w
	} else if s.profile.TLSTermination == "app" {
		s.exemplar(score.CheckTLS, span.TraceID())
	}
	ms := float64(int64(span.EndTimestamp())-int64(span.StartTimestamp())) / 1e6
	s.latencies.add(ms, now)
	if ms > 2*s.targets.LatencyP95Ms {
		s.exemplar(score.CheckLatencyP95, span.TraceID())
	}
}

// observeVersion counts a new service.version as a deployment and a return to an earlier one
// as a rollback (internal/deploy); the first version seen is the baseline, not a deployment.
func (p *pillars) observeVersion(s *serviceState, key, version string, now time.Time) {
	if version == "" {
		return
	}
	// A restored history has no sightings: the stored version is the baseline again.
	p.versions.Baseline(key, s.version, now)
	s.version = version
	if e, ok := p.versions.Observe(key, version, now); ok {
		s.addDeployment(score.Deployment{Version: version, At: now, Source: score.SourceVersionChange, Rollback: e.Kind == deploy.Rollback})
	}
}

func (p *pillars) collectLogs(ld plog.Logs, now time.Time) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		vals, key, ok := p.identity(rl.Resource().Attributes())
		if !ok {
			continue
		}
		s, ok := p.lookup(vals, key, now)
		if !ok {
			continue
		}
		s.signals["logs"] = true
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			records := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				p.collectEvent(s, records.At(k), now)
			}
		}
	}
}

// collectEvent reads deployment, rollback and incident events (event.name, CDEvents-style).
func (p *pillars) collectEvent(s *serviceState, lr plog.LogRecord, now time.Time) {
	attrs := lr.Attributes()
	name := lr.EventName()
	if name == "" {
		name = str(attrs, "event.name")
	}
	at := lr.Timestamp().AsTime()
	if lr.Timestamp() == 0 {
		at = now
	}
	revision, version := str(attrs, "vcs.ref.head.revision"), str(attrs, "service.version")
	switch name {
	case "deployment", "service.deployed", "dev.cdevents.service.deployed":
		if str(attrs, "deployment.status") == "failed" {
			return
		}
		d := score.Deployment{Revision: revision, Version: version, At: at, Source: score.SourceLogEvent}
		if ct := timeAttr(attrs, "vcs.ref.head.revision.timestamp"); !ct.IsZero() {
			d.CommitTimes = []time.Time{ct}
		}
		s.addDeployment(d)
	case "service.rolledback", "dev.cdevents.service.rolledback":
		s.addDeployment(score.Deployment{Revision: revision, Version: version, At: at, Source: score.SourceLogEvent, Rollback: true})
	case "incident":
		id := str(attrs, "incident.id")
		switch str(attrs, "incident.state") {
		case "opened", "detected", "reported":
			if len(s.openAlerts) < maxOpenAlerts {
				s.openAlerts["incident:"+id] = at
			}
		case "resolved":
			if start, ok := s.openAlerts["incident:"+id]; ok {
				delete(s.openAlerts, "incident:"+id)
				s.addIncident(score.Incident{Start: start, Resolved: at})
			}
		}
	}
}

func (p *pillars) collectMetrics(md pmetric.Metrics, now time.Time) {
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		for j := 0; j < rm.ScopeMetrics().Len(); j++ {
			ms := rm.ScopeMetrics().At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				p.collectMetric(rm.Resource().Attributes(), ms.At(k), now)
			}
		}
	}
}

// cpuMetrics are utilisation series that can carry a service's identity on their resource;
// host-wide CPU (system.cpu.utilization) describes the collector's machine, not a service.
var cpuMetrics = map[string]bool{"process.cpu.utilization": true, "container.cpu.utilization": true, "k8s.pod.cpu.utilization": true}

func (p *pillars) collectMetric(res pcommon.Map, m pmetric.Metric, now time.Time) {
	var dps pmetric.NumberDataPointSlice
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		dps = m.Gauge().DataPoints()
	case pmetric.MetricTypeSum:
		dps = m.Sum().DataPoints()
	default:
		return
	}
	name := m.Name()
	if !cpuMetrics[name] && !strings.HasPrefix(name, slonames.MetricPrefix) {
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
		if cpuMetrics[name] {
			if state := str(dp.Attributes(), "state"); state != "" && state != "user" && state != "system" {
				continue // idle, wait, … are not the service's work
			}
			s.cpuSum, s.cpuCount, s.cpuSource = s.cpuSum+v, s.cpuCount+1, name
			if s.cpuCount > 1e4 { // keep the running mean bounded and recent
				s.cpuSum, s.cpuCount = s.cpuSum/2, s.cpuCount/2
			}
			continue
		}
		p.collectSLOPoint(s, name, dp, v)
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

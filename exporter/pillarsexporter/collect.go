package pillarsexporter

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/attr"
)

const (
	latencySamples = 4096 // p95 over the most recent server spans of a service
	maxExemplars   = 3
	maxEvents      = 1000 // deployments, incidents, page alerts and exhaustion periods per service
	maxOpenAlerts  = 1000 // open page alerts and incidents per service (their ids come from senders)
)

var deployName = regexp.MustCompile(`(?i)(deploy|push-image)`)

// serviceState is everything the checks of one service identity are computed from. It holds
// counts and bounded rings, never pdata.
type serviceState struct {
	labels   []string // values of service_identity, in order
	lastSeen time.Time
	signals  map[string]bool

	spans, weight, sampledSpans    float64 // raw spans, Σ adjusted count, spans carrying a threshold
	serverSpans, serverErrors      float64 // adjusted-count weighted
	serverTLS, authFailures        float64
	spansWithExceptions, bytesSeen float64
	latencies                      []float64 // ms, ring
	latencyNext                    int
	exemplars                      map[string][]string

	version     string
	deployments []score.Deployment
	incidents   []score.Incident
	openAlerts  map[string]time.Time // page alerts by SLO, since
	sloSeen     bool
	alertSeen   bool
	budget      float64 // lowest remaining error budget across the service's SLOs, last evaluation
	budgetSet   bool
	exhausted   []timeRange // periods with an exhausted budget
	pageAlerts  []time.Time
}

type timeRange struct{ from, to time.Time }

func (s *serviceState) exemplar(check string, traceID pcommon.TraceID) {
	if traceID.IsEmpty() || len(s.exemplars[check]) >= maxExemplars {
		return
	}
	s.exemplars[check] = append(s.exemplars[check], traceID.String())
}

func (s *serviceState) addDeployment(d score.Deployment) {
	if len(s.deployments) >= maxEvents {
		s.deployments = s.deployments[1:]
	}
	s.deployments = append(s.deployments, d)
}

func (s *serviceState) addIncident(i score.Incident) {
	if len(s.incidents) >= maxEvents {
		s.incidents = s.incidents[1:]
	}
	s.incidents = append(s.incidents, i)
}

// host-level metrics without a service identity (hostmetrics) apply to every service.
type hostState struct {
	cpuSum, cpuCount float64
}

// identity returns the service identity values, datapoint attributes first (the slo connector
// puts service.name there), then resource attributes; ok is false without a service.name.
func (p *pillars) identity(attrs ...pcommon.Map) ([]string, string, bool) {
	vals := make([]string, len(p.cfg.ServiceIdentity))
	hasService := false
	for i, key := range p.cfg.ServiceIdentity {
		for _, m := range attrs {
			if v, ok := m.Get(key); ok && v.AsString() != "" {
				// Label values must be UTF-8: the Prometheus client panics on anything else, and
				// it would do so on the evaluation goroutine, taking the collector down.
				vals[i] = strings.ToValidUTF8(v.AsString(), "\uFFFD")
				hasService = hasService || key == "service.name"
				break
			}
		}
	}
	return vals, strings.Join(vals, "\x00"), hasService
}

// completeIdentity matches a partial identity (the slo connector's series carry service.name
// only) to the one known service it agrees with on every value it has.
func (p *pillars) completeIdentity(vals []string, key string) ([]string, string) {
	if _, ok := p.services[key]; ok {
		return vals, key
	}
	var match *serviceState
	var matchKey string
	for k, s := range p.services {
		agrees := true
		for i, v := range vals {
			agrees = agrees && (v == "" || v == s.labels[i])
		}
		if agrees {
			if match != nil {
				return vals, key // ambiguous: keep it apart
			}
			match, matchKey = s, k
		}
	}
	if match == nil {
		return vals, key
	}
	return match.labels, matchKey
}

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
		s = &serviceState{labels: vals, signals: map[string]bool{}, exemplars: map[string][]string{}, openAlerts: map[string]time.Time{}}
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
		for hk := range p.hysteresis {
			if evicted[hysteresisService(hk)] {
				delete(p.hysteresis, hk)
			}
		}
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
		s, ok := p.service(vals, key, now)
		if !ok {
			continue
		}
		s.signals["traces"] = true
		s.bytesSeen += float64(sizer.ResourceSpansSize(rs))
		if v, ok := rs.Resource().Attributes().Get("service.version"); ok {
			p.observeVersion(s, v.AsString(), now)
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				p.collectSpan(s, spans.At(k))
			}
		}
	}
}

func (p *pillars) collectSpan(s *serviceState, span ptrace.Span) {
	w := 1.0
	if raw := span.TraceState().AsRaw(); raw != "" {
		if ts, err := sampling.NewW3CTraceState(raw); err == nil {
			if ac := ts.OTelValue().AdjustedCount(); ac > 0 {
				w = ac
				s.sampledSpans++
			}
		}
	}
	s.spans++
	s.weight += w
	attrs := span.Attributes()
	if hasException(span) {
		s.spansWithExceptions += w
		s.exemplar("security.exceptions", span.TraceID())
	}
	if isDeploySpan(span) {
		d := score.Deployment{Revision: str(attrs, "vcs.ref.head.revision"), At: span.EndTimestamp().AsTime(), Source: score.SourceCICD}
		d.CommitTime = timeAttr(attrs, "vcs.ref.head.revision.timestamp")
		s.addDeployment(d)
	}
	if span.Kind() != ptrace.SpanKindServer {
		return
	}
	s.serverSpans += w
	code, _ := attr.Int(attrs, "http.response.status_code")
	if span.Status().Code() == ptrace.StatusCodeError || code >= 500 {
		s.serverErrors += w
		s.exemplar("reliability.success_ratio", span.TraceID())
	}
	if code == 401 || code == 403 {
		s.authFailures += w
		s.exemplar("security.auth_failures", span.TraceID())
	}
	if isTLS(attrs) {
		s.serverTLS += w
	} else {
		s.exemplar("security.tls", span.TraceID())
	}
	ms := float64(int64(span.EndTimestamp())-int64(span.StartTimestamp())) / 1e6
	if len(s.latencies) < latencySamples {
		s.latencies = append(s.latencies, ms)
	} else {
		s.latencies[s.latencyNext] = ms
		s.latencyNext = (s.latencyNext + 1) % latencySamples
	}
	if ms > float64(p.cfg.Targets.LatencyP95.Milliseconds())*2 {
		s.exemplar("performance.latency_p95", span.TraceID())
	}
}

// observeVersion counts a new service.version as a deployment; the first version seen is the
// baseline, not a deployment.
func (p *pillars) observeVersion(s *serviceState, version string, now time.Time) {
	if version == "" || version == s.version {
		return
	}
	if s.version != "" {
		s.addDeployment(score.Deployment{Revision: version, At: now, Source: score.SourceVersionChange})
	}
	s.version = version
}

func (p *pillars) collectLogs(ld plog.Logs, now time.Time) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		vals, key, ok := p.identity(rl.Resource().Attributes())
		if !ok {
			continue
		}
		s, ok := p.service(vals, key, now)
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
	revision := str(attrs, "vcs.ref.head.revision")
	if revision == "" {
		revision = str(attrs, "service.version")
	}
	switch name {
	case "deployment", "service.deployed", "dev.cdevents.service.deployed":
		if str(attrs, "deployment.status") == "failed" {
			return
		}
		d := score.Deployment{Revision: revision, At: at, Source: score.SourceLogEvent, CommitTime: timeAttr(attrs, "vcs.ref.head.revision.timestamp")}
		s.addDeployment(d)
		if revision != "" {
			s.version = revision // the version change that follows is this deployment
		}
	case "service.rolledback", "dev.cdevents.service.rolledback":
		s.addDeployment(score.Deployment{Revision: revision, At: at, Source: score.SourceLogEvent, Rollback: true})
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
	for i := 0; i < dps.Len(); i++ {
		dp := dps.At(i)
		v := dp.DoubleValue()
		if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
			v = float64(dp.IntValue())
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue // one such point would make the scorecard unencodable as JSON
		}
		if m.Name() == "system.cpu.utilization" {
			// Utilisation is the busy share: 1 − idle per CPU; a point without state is taken as busy.
			switch state, ok := dp.Attributes().Get("state"); {
			case !ok:
				p.host.cpuSum += v
				p.host.cpuCount++
			case state.Str() == "idle":
				p.host.cpuSum += 1 - v
				p.host.cpuCount++
			}
			continue
		}
		if !strings.HasPrefix(m.Name(), "slo.") {
			continue
		}
		vals, key, ok := p.identity(dp.Attributes(), res)
		if !ok {
			continue
		}
		vals, key = p.completeIdentity(vals, key)
		s, ok := p.service(vals, key, now)
		if !ok {
			continue
		}
		s.signals["metrics"] = true
		at := dp.Timestamp().AsTime()
		switch m.Name() {
		case "slo.window.events", "slo.events":
			s.sloSeen = s.sloSeen || v > 0
		case "slo.error_budget.remaining":
			if !s.budgetSet || v < s.budget {
				s.budget, s.budgetSet = v, true
			}
			p.observeBudget(s, v, at)
		case "slo.alert.active":
			s.alertSeen = true
			if sev, _ := dp.Attributes().Get("slo.alert.severity"); sev.Str() == "page" {
				slo, _ := dp.Attributes().Get("slo.name")
				p.observePage(s, "alert:"+slo.Str(), v >= 1, at)
			}
		}
	}
	if p.host.cpuCount > 1e6 { // keep the running mean bounded and recent
		p.host.cpuSum, p.host.cpuCount = p.host.cpuSum/2, p.host.cpuCount/2
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

func hasException(span ptrace.Span) bool {
	for i := 0; i < span.Events().Len(); i++ {
		if span.Events().At(i).Name() == "exception" {
			return true
		}
	}
	return false
}

func isTLS(attrs pcommon.Map) bool {
	if str(attrs, "url.scheme") == "https" {
		return true
	}
	found := false
	attrs.Range(func(k string, _ pcommon.Value) bool {
		found = strings.HasPrefix(k, "tls.")
		return !found
	})
	return found
}

func isDeploySpan(span ptrace.Span) bool {
	attrs := span.Attributes()
	deploy := str(attrs, "cicd.pipeline.task.type") == "deploy" ||
		(str(attrs, "cicd.pipeline.name") != "" && deployName.MatchString(span.Name()))
	if !deploy {
		return false
	}
	for _, k := range []string{"cicd.pipeline.task.run.result", "cicd.pipeline.result", "cicd.pipeline.run.status"} {
		if r := str(attrs, k); r != "" && r != "success" {
			return false
		}
	}
	return span.Status().Code() != ptrace.StatusCodeError
}

func str(attrs pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// timeAttr reads a commit time given as RFC 3339 text or unix seconds; zero when absent or odd.
func timeAttr(attrs pcommon.Map, key string) time.Time {
	v, ok := attrs.Get(key)
	if !ok {
		return time.Time{}
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return time.Unix(v.Int(), 0)
	case pcommon.ValueTypeDouble:
		return time.Unix(int64(v.Double()), 0)
	case pcommon.ValueTypeStr:
		if t, err := time.Parse(time.RFC3339Nano, v.Str()); err == nil {
			return t
		}
		if n, err := strconv.ParseInt(v.Str(), 10, 64); err == nil {
			return time.Unix(n, 0)
		}
	}
	return time.Time{}
}

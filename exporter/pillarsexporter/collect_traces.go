package pillarsexporter

import (
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/deploy"
)

// collectTraces reads a batch's facts and counts it; consumeTraces reads them before the lock.
func (p *pillars) collectTraces(td ptrace.Traces, now time.Time) {
	facts := readBatchFacts(td)
	defer facts.release()
	p.countTraces(td, facts, now)
}

// countTraces counts a batch whose span facts were read by readBatchFacts.
func (p *pillars) countTraces(td ptrace.Traces, bf *batchFacts, now time.Time) {
	facts := bf.spans
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		n := 0
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			n += rs.ScopeSpans().At(j).Spans().Len()
		}
		resourceFacts := facts[:n]
		facts = facts[n:]
		vals, key, ok := p.identity(rs.Resource().Attributes())
		if !ok {
			continue
		}
		s, ok := p.lookup(vals, key, now)
		if !ok {
			continue
		}
		s.signals["traces"] = true
		p.observeResource(s, rs.Resource().Attributes(), now)
		c := s.window.at(now, p.bucketWidth())
		c.bytes += bf.resourceBytes[i]
		version := p.labels.Bound(str(rs.Resource().Attributes(), "service.version"))
		p.observeVersion(s, key, version, now)
		service := p.serviceName(s.labels)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				p.collectSpan(s, c, spans.At(k), resourceFacts[0], service, version, now)
				resourceFacts = resourceFacts[1:]
			}
		}
	}
}

func (p *pillars) collectSpan(s *serviceState, c *counters, span ptrace.Span, f spanFacts, service, version string, now time.Time) {
	weight := p.weights.Read(span.TraceState().AsRaw())
	w := weight.Count
	if weight.Sampled {
		c.sampled++
	}
	c.spans++
	c.weight += w
	if f.flags.has(factException) {
		c.exceptions += w
		s.exemplar(score.CheckExceptions, span.TraceID())
	}
	if f.flags.has(factDeploy) {
		attrs := span.Attributes()
		d := score.Deployment{Revision: p.labels.Bound(str(attrs, "vcs.ref.head.revision")), Version: version, At: span.EndTimestamp().AsTime(), Source: score.SourceCICD,
			ChangeID: p.labels.Bound(str(attrs, p.cfg.Standards.ChangeIDAttribute)), Manual: p.manualTrigger(attrs)}
		if ct := timeAttr(attrs, "vcs.ref.head.revision.timestamp"); !ct.IsZero() {
			d.CommitTimes = []time.Time{ct}
		}
		s.addDeployment(d)
	}
	switch span.Kind() {
	case ptrace.SpanKindClient:
		c.client += w
		if p.graph.client(service, s, span, f.peer, w, now) {
			c.clientPeer += w
		}
		if f.flags.has(factExternal) {
			c.externalClient += w
			if f.flags.has(factTLS) {
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
	s.std.usage.At(pointTime(span.EndTimestamp(), now)).Requests += w
	if caller, ok := p.graph.server(service, span, now); ok && caller.state != nil {
		caller.state.window.at(now, p.bucketWidth()).clientPeer += caller.weight // its CLIENT span's peer is known now
	}
	if f.flags.has(factServerError) {
		c.serverErrors += w
		s.exemplar(score.CheckSuccessRatio, span.TraceID())
	}
	if f.flags.has(factAuth) {
		c.auth += w
		s.exemplar(score.CheckAuthFailures, span.TraceID())
	}
	if f.flags.has(factTLS) {
		c.serverTLS += w
	} else if s.profile.TLSTermination == "app" {
		s.exemplar(score.CheckTLS, span.TraceID())
	}
	s.latencies.add(f.ms, now)
	if f.ms > 2*s.targets.LatencyP95Ms {
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

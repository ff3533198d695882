package sresamplingprocessor

import (
	"context"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/attr"
	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
)

// observe folds every span into its trace's evidence for this batch, outside any lock. It
// returns the number of spans without a trace id and of tracestate errors.
func (p *sreSampling) observe(ctx context.Context, td ptrace.Traces, b *batchScratch) (noTraceID, tsErrors int64) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		slow := p.cfg.Latency.Threshold
		if v, ok := rs.Resource().Attributes().Get(serviceNameKey); ok {
			if d, ok := p.cfg.Latency.PerService[v.AsString()]; ok {
				slow = d
			}
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				if span.TraceID().IsEmpty() {
					noTraceID++
					b.spans = append(b.spans, spanInfo{trace: -1})
					continue
				}
				info := b.ts.span(span)
				if info.malformed || info.inconsistent {
					tsErrors++
				}
				idx := b.traceIndex(span.TraceID())
				bt := &b.traces[idx]
				ev := &bt.ev
				ev.Spans++
				ev.Range.Add(info.arriving, info.randomness, !info.inconsistent)
				reason := p.spanReason(span, slow)
				if rule := p.matchRule(ctx, rs, ss, span, ev.Rule); rule < ev.Rule {
					ev.Rule = rule
					if reason == decide.ReasonNone && p.policy.rules[rule].KeepsAll() {
						reason = decide.ReasonRule
					}
				}
				if reason != decide.ReasonNone && (ev.Reason == decide.ReasonNone || reason < ev.Reason) {
					ev.Reason = reason
				}
				root := span.ParentSpanID().IsEmpty()
				if root {
					ev.Root = true
				}
				if p.keyed && (root || !bt.keySet) {
					ev.Key, bt.keySet = p.key(b, rs.Resource().Attributes(), span.Attributes()), true
				}
				b.spans = append(b.spans, spanInfo{trace: int32(idx), evidence: reason != decide.ReasonNone, sampling: info})
			}
		}
	}
	return noTraceID, tsErrors
}

// spanReason is the evidence one span carries on its own: error, then latency.
func (p *sreSampling) spanReason(span ptrace.Span, slow time.Duration) decide.Reason {
	if p.isError(span) {
		return decide.ReasonError
	}
	if slow > 0 && int64(span.EndTimestamp())-int64(span.StartTimestamp()) > int64(slow) {
		return decide.ReasonLatency
	}
	return decide.ReasonNone
}

func (p *sreSampling) isError(span ptrace.Span) bool {
	if !p.cfg.Errors.Enabled {
		return false
	}
	if span.Status().Code() == ptrace.StatusCodeError {
		return true
	}
	if p.cfg.Errors.HTTPStatusMin > 0 && span.Kind() == ptrace.SpanKindServer {
		if code, ok := attr.Int(span.Attributes(), "http.response.status_code", "http.status_code"); ok && code >= p.cfg.Errors.HTTPStatusMin {
			return true
		}
	}
	if len(p.grpcCodes) > 0 {
		if code, ok := attr.Int(span.Attributes(), "rpc.grpc.status_code"); ok && p.grpcCodes[code] {
			return true
		}
	}
	return false
}

// matchRule returns the lowest index below limit of a rule the span matches, or limit. Rules
// at or above limit cannot change the trace's rule, so they are not evaluated.
func (p *sreSampling) matchRule(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span, limit int) int {
	n := min(limit, len(p.conditions))
	if n == 0 {
		return limit
	}
	tctx := ottlspan.NewTransformContext(rs, ss, span)
	defer tctx.Close()
	for i := 0; i < n; i++ {
		if ok, err := p.conditions[i].Eval(ctx, tctx); err == nil && ok {
			return i
		}
	}
	return limit
}

// key is the dynamic-sampling key of a span: the values of the configured attributes, span
// attributes first, then resource attributes.
func (p *sreSampling) key(b *batchScratch, resource, span pcommon.Map) uint32 {
	b.keyParts = b.keyParts[:0]
	if p.boost != nil { // budget_aware boosts by service: the key starts with it
		if v, ok := resource.Get(serviceNameKey); ok {
			b.keyParts = append(b.keyParts, v.AsString()...)
		}
		b.keyParts = append(b.keyParts, 0)
	}
	for i, name := range p.cfg.Keys {
		if i > 0 {
			b.keyParts = append(b.keyParts, '|')
		}
		v, ok := span.Get(name)
		if !ok {
			v, ok = resource.Get(name)
		}
		if ok {
			b.keyParts = append(b.keyParts, v.AsString()...)
		}
	}
	return p.policy.controller.Key(string(b.keyParts))
}

const serviceNameKey = "service.name"

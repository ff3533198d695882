package sresamplingprocessor

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
)

// route applies each trace's plan to its spans in td, which it only reads: the spans kept now
// are copied, with their threshold written, into the batch it returns (resource and scope
// copied once each, when they first hold a kept span); buffered and dropped spans are left
// out. It also returns the number of spans judged as evidence, for the throughput cap.
func (p *sreSampling) route(td ptrace.Traces, b *batchScratch) (ptrace.Traces, int) {
	out := ptrace.NewTraces()
	n, evidence := 0, 0
	evidenceRatio := p.policy.controller.EvidenceRatio()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		var outRS ptrace.ResourceSpans
		haveRS := false
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			var outSpans ptrace.SpanSlice
			haveSS := false
			for k := 0; k < ss.Spans().Len(); k++ {
				info := b.spans[n]
				n++
				threshold, kept, asEvidence := p.keepNow(b, info, evidenceRatio)
				if asEvidence {
					evidence++
				}
				if !kept {
					continue
				}
				if !haveRS {
					outRS, haveRS = out.ResourceSpans().AppendEmpty(), true
					rs.Resource().CopyTo(outRS.Resource())
					outRS.SetSchemaUrl(rs.SchemaUrl())
				}
				if !haveSS {
					outSS := outRS.ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(outSS.Scope())
					outSS.SetSchemaUrl(ss.SchemaUrl())
					outSpans, haveSS = outSS.Spans(), true
				}
				span := outSpans.AppendEmpty()
				ss.Spans().At(k).CopyTo(span)
				writeThreshold(b.ts, span, info.sampling, threshold)
			}
		}
	}
	return out, evidence
}

// keepNow says whether a span leaves now under its trace's plan, with the threshold to write,
// and whether it was judged as evidence.
func (p *sreSampling) keepNow(b *batchScratch, info spanInfo, evidenceRatio float64) (threshold uint64, kept, asEvidence bool) {
	if info.trace < 0 {
		return 0, false, false
	}
	plan := b.traces[info.trace].plan
	if plan.Buffer || plan.Verdict.Mode == decide.ModeDrop {
		return 0, false, false
	}
	ratio, asEvidence := plan.Verdict.Ratio, plan.Verdict.Mode == decide.ModeAll
	if plan.Verdict.Mode == decide.ModeRatio && info.evidence {
		ratio, asEvidence = evidenceRatio, true
	}
	threshold, kept = b.ts.keep(info.sampling, ratio, asEvidence)
	return threshold, kept, asEvidence
}

func writeThreshold(ts *tracestates, span ptrace.Span, s spanSampling, threshold uint64) {
	raw := span.TraceState().AsRaw()
	if out := ts.write(raw, s, threshold); out != raw {
		span.TraceState().FromRaw(out)
	}
}

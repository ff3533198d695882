package sloconnector

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/label"
)

// verdicts are a batch's SLI outcomes, one per span and SLO, worked out before the ingest lock
// is taken: the OTTL conditions are the per-span cost that grows with the SLOs, and they read
// only the span, so concurrent batches evaluate them in parallel.
type verdicts struct {
	outcomes []outcome // span-major: span i's outcome for SLO si is at i*len(slos)+si
}

var verdictPool = sync.Pool{New: func() any { return new(verdicts) }}

// classifyBatch judges every span of td for every SLO. It touches no connector state but the
// compiled, read-only SLOs.
func (c *sloConnector) classifyBatch(ctx context.Context, td ptrace.Traces) *verdicts {
	v := verdictPool.Get().(*verdicts)
	v.outcomes = v.outcomes[:0]
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		service := ""
		if val, ok := rs.Resource().Attributes().Get(attrService); ok {
			service, _ = label.Bound(val.AsString(), c.labels.MaxLength)
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				for _, rt := range c.slos {
					out := notValid
					if rt.cfg.Service == "" || rt.cfg.Service == service {
						var err error
						if out, err = rt.classifier.classify(ctx, rs, ss, span); err != nil {
							out = evalFailed
						}
					}
					v.outcomes = append(v.outcomes, out)
				}
			}
		}
	}
	return v
}

func (v *verdicts) release() {
	if cap(v.outcomes) > 1<<20 { // one huge batch should not pin its buffer for ever
		v.outcomes = nil
	}
	verdictPool.Put(v)
}

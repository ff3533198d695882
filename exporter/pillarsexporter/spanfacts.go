package pillarsexporter

import (
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/attr"
)

// spanFacts is what one span says for the scorecard, read from its attributes and events before
// the ingest lock is taken: those lookups are most of a span's cost, they read only the span,
// and so concurrent batches make them in parallel. Under the lock only the counting remains.
type spanFacts struct {
	flags factFlags
	peer  string  // CLIENT: the first peer attribute's value
	ms    float64 // SERVER: the duration in milliseconds
}

type factFlags uint8

const (
	factException   factFlags = 1 << iota // an "exception" event
	factDeploy                            // a successful CI/CD deployment span
	factExternal                          // CLIENT: calls a host outside the cluster
	factTLS                               // the connection used TLS
	factServerError                       // SERVER: an error status or a 5xx
	factAuth                              // SERVER: a 401 or 403
)

func (f factFlags) has(x factFlags) bool { return f&x != 0 }

// readFacts reads one span.
func readFacts(span ptrace.Span) spanFacts {
	var f spanFacts
	if hasException(span) {
		f.flags |= factException
	}
	if isDeploySpan(span) {
		f.flags |= factDeploy
	}
	attrs := span.Attributes()
	switch span.Kind() {
	case ptrace.SpanKindClient:
		for _, k := range peerAttributes {
			if f.peer = str(attrs, k); f.peer != "" {
				break
			}
		}
		if isExternal(attrs) {
			f.flags |= factExternal
			if isTLS(attrs) {
				f.flags |= factTLS
			}
		}
	case ptrace.SpanKindServer:
		code, _ := attr.Int(attrs, "http.response.status_code", "http.status_code")
		if span.Status().Code() == ptrace.StatusCodeError || code >= 500 {
			f.flags |= factServerError
		}
		if code == 401 || code == 403 {
			f.flags |= factAuth
		}
		if isTLS(attrs) {
			f.flags |= factTLS
		}
		f.ms = float64(int64(span.EndTimestamp())-int64(span.StartTimestamp())) / 1e6
	}
	return f
}

// batchFacts are a batch's facts in span order, and each resource's encoded size, pooled
// across calls.
type batchFacts struct {
	spans         []spanFacts
	resourceBytes []float64
}

var factsPool = sync.Pool{New: func() any { return new(batchFacts) }}

func readBatchFacts(td ptrace.Traces) *batchFacts {
	b := factsPool.Get().(*batchFacts)
	b.spans, b.resourceBytes = b.spans[:0], b.resourceBytes[:0]
	var sizer ptrace.ProtoMarshaler
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		b.resourceBytes = append(b.resourceBytes, float64(sizer.ResourceSpansSize(rs)))
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				b.spans = append(b.spans, readFacts(spans.At(k)))
			}
		}
	}
	return b
}

func (b *batchFacts) release() {
	if cap(b.spans) > 1<<18 { // one huge batch should not pin its buffer for ever
		b.spans = nil
	}
	clear(b.spans) // drop the peer strings, which point into the batch
	factsPool.Put(b)
}

package sresamplingprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-sre/otelcol-sre/processor/sresamplingprocessor/internal/decide"
)

var reasonAttrs = func() [5]metric.AddOption {
	var out [5]metric.AddOption
	for r := decide.ReasonError; r <= decide.ReasonRatio; r++ {
		out[r] = metric.WithAttributeSet(attribute.NewSet(attribute.String("reason", r.String())))
	}
	return out
}()

// batchScratch is reused across calls (under the processor's lock) to group one batch by trace.
type batchScratch struct {
	index       map[pcommon.TraceID]int
	traces      []batchTrace
	spanTrace   []int32 // per span in iteration order: index into traces, or -1 to drop
	marshaler   ptrace.ProtoMarshaler
	unmarshaler ptrace.ProtoUnmarshaler

	pieces     []piece
	resources  []container
	scopes     []container
	plain      []byte
	compressed []byte
	decoded    []byte
}

// batchTrace is one trace's part of a batch.
type batchTrace struct {
	id     pcommon.TraceID
	ev     decide.Evidence
	action decide.Action
	kept   decide.Kept

	chunk     ptrace.Traces // buffered spans, built lazily
	lastRS    ptrace.ResourceSpans
	lastSS    ptrace.ScopeSpans
	chunkTail ptrace.SpanSlice
}

func newBatchScratch() batchScratch {
	return batchScratch{index: map[pcommon.TraceID]int{}}
}

func (b *batchScratch) reset() {
	clear(b.index)
	b.traces = b.traces[:0]
	b.spanTrace = b.spanTrace[:0]
}

func (b *batchScratch) traceIndex(id pcommon.TraceID) int {
	if i, ok := b.index[id]; ok {
		return i
	}
	b.traces = append(b.traces, batchTrace{id: id})
	b.index[id] = len(b.traces) - 1
	return len(b.traces) - 1
}

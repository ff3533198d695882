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

// batchScratch holds one ConsumeTraces call's grouping of its batch by trace. Scratches are
// pooled, so concurrent calls never share one.
type batchScratch struct {
	index       map[pcommon.TraceID]int
	traces      []batchTrace
	spans       []spanInfo // per span in iteration order
	byShard     []int32    // trace indexes grouped by shard
	shardStart  []int32    // where each shard's group starts in byShard (one past the end last)
	shardNext   []int32
	grouped     bool
	marshaler   ptrace.ProtoMarshaler
	unmarshaler ptrace.ProtoUnmarshaler
	ts          *tracestates

	pieces     []piece
	resources  []container
	scopes     []container
	plain      []byte
	compressed []byte
	decoded    []byte
	keyParts   []byte
}

// spanInfo is one span's part in the decision.
type spanInfo struct {
	trace    int32 // index into traces, or -1: no trace id, dropped
	evidence bool  // error, slow or a keep-all rule on this span itself
	sampling spanSampling
}

// batchTrace is one trace's part of a batch.
type batchTrace struct {
	id     pcommon.TraceID
	shard  int
	ev     decide.Evidence
	keySet bool
	plan   decide.Plan
	chunk  []byte // the batch's spans of the trace when the plan buffers them
}

func newBatchScratch() *batchScratch {
	return &batchScratch{index: map[pcommon.TraceID]int{}, ts: newTracestates()}
}

func (b *batchScratch) reset() {
	clear(b.index)
	for i := range b.traces {
		b.traces[i].chunk = nil
	}
	b.traces = b.traces[:0]
	b.spans = b.spans[:0]
	b.grouped = false
}

func (b *batchScratch) traceIndex(id pcommon.TraceID) int {
	if i, ok := b.index[id]; ok {
		return i
	}
	b.traces = append(b.traces, batchTrace{id: id, ev: decide.Evidence{Rule: decide.NoRule}})
	b.index[id] = len(b.traces) - 1
	return len(b.traces) - 1
}

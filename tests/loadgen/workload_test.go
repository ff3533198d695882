package loadgen

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Each payload decodes, carries fresh trace ids, and a trace's root arrives one batch after its
// children.
func TestPayloadsSpreadTracesOverTwoBatches(t *testing.T) {
	w, err := NewWorkload(WorkloadOptions{TracesPerBatch: 5, ChildSpans: 2, ErrorRatio: 0.5, Templates: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	decode := func(seq uint64) (children, roots map[[16]byte]int, errSpans int) {
		payload, _ := w.Payload(seq, nil, nil)
		req := ptraceotlp.NewExportRequest()
		if err := req.UnmarshalProto(payload); err != nil {
			t.Fatalf("payload %d: %v", seq, err)
		}
		children, roots = map[[16]byte]int{}, map[[16]byte]int{}
		spans := req.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		if spans.Len() != w.SpansPerBatch() {
			t.Fatalf("payload %d has %d spans, want %d", seq, spans.Len(), w.SpansPerBatch())
		}
		for i := 0; i < spans.Len(); i++ {
			s := spans.At(i)
			if s.ParentSpanID().IsEmpty() {
				roots[s.TraceID()]++
			} else {
				children[s.TraceID()]++
			}
			if s.Status().Code() == 2 {
				errSpans++
			}
		}
		return children, roots, errSpans
	}
	c1, _, e1 := decode(10)
	_, r2, _ := decode(11)
	if len(c1) != 5 || len(r2) != 5 {
		t.Fatalf("distinct traces: %d children, %d roots", len(c1), len(r2))
	}
	for id, n := range c1 {
		if n != 2 || r2[id] != 1 {
			t.Fatalf("trace %x: %d children in batch 10, %d roots in batch 11", id, n, r2[id])
		}
		if id != w.TraceID(10, 0) && id != w.TraceID(10, 1) && id != w.TraceID(10, 2) && id != w.TraceID(10, 3) && id != w.TraceID(10, 4) {
			t.Fatalf("unexpected trace id %x", id)
		}
	}
	if e1 != w.ErrorSpans(10) {
		t.Fatalf("error spans %d, ErrorSpans says %d", e1, w.ErrorSpans(10))
	}
	_, errIDs := w.Payload(10, nil, nil)
	if len(errIDs) != e1 {
		t.Fatalf("%d error trace ids for %d error spans", len(errIDs), e1)
	}
}

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

// With WholeTraces every trace, root included, is in one payload, and every span carries six
// attributes.
func TestPayloadsCarryWholeTraces(t *testing.T) {
	w, err := NewWorkload(WorkloadOptions{WholeTraces: true, TracesPerBatch: 100, ChildSpans: 4, ErrorRatio: 0.5, Templates: 2, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	payload, errIDs := w.Payload(3, nil, nil)
	req := ptraceotlp.NewExportRequest()
	if err := req.UnmarshalProto(payload); err != nil {
		t.Fatal(err)
	}
	spans := req.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	if spans.Len() != 500 {
		t.Fatalf("%d spans, want 500", spans.Len())
	}
	perTrace, roots := map[[16]byte]int{}, map[[16]byte]int{}
	errSpans := 0
	for i := 0; i < spans.Len(); i++ {
		s := spans.At(i)
		perTrace[s.TraceID()]++
		if s.ParentSpanID().IsEmpty() {
			roots[s.TraceID()]++
		}
		if s.Attributes().Len() != 6 {
			t.Fatalf("span %d has %d attributes, want 6", i, s.Attributes().Len())
		}
		if s.Status().Code() == 2 {
			errSpans++
		}
	}
	for slot := 0; slot < 100; slot++ {
		id := w.TraceID(3, slot)
		if perTrace[id] != 5 || roots[id] != 1 {
			t.Fatalf("trace %x: %d spans and %d roots in its batch, want 5 and 1", id, perTrace[id], roots[id])
		}
	}
	if errSpans != w.ErrorSpans(3) || len(errIDs) != errSpans || errSpans == 0 {
		t.Fatalf("error spans %d, ErrorSpans %d, error trace ids %d", errSpans, w.ErrorSpans(3), len(errIDs))
	}
}

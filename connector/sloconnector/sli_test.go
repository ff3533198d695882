package sloconnector

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/ottlcond"
)

// The native default valid condition must agree with its OTTL text on every kind, root or not.
func TestNativeValidConditionsEqualTheirOTTL(t *testing.T) {
	parser, err := ottlcond.NewParser()
	if err != nil {
		t.Fatal(err)
	}
	for text, native := range map[string]func(ptrace.Span) bool{defaultValid: isEntrySpan, serverValid: isServerSpan} {
		cond, err := parser.ParseCondition(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		valid := 0
		for kind := ptrace.SpanKindUnspecified; kind <= ptrace.SpanKindConsumer; kind++ {
			for _, root := range []bool{true, false} {
				td := ptrace.NewTraces()
				rs := td.ResourceSpans().AppendEmpty()
				ss := rs.ScopeSpans().AppendEmpty()
				span := ss.Spans().AppendEmpty()
				span.SetKind(kind)
				if !root {
					span.SetParentSpanID(pcommon.SpanID{1})
				}
				want, err := cond.Eval(context.Background(), ottlspan.NewTransformContext(rs, ss, span))
				if err != nil {
					t.Fatal(err)
				}
				if got := native(span); got != want {
					t.Errorf("%q on kind %v root %v: native %v, OTTL %v", text, kind, root, got, want)
				}
				if want {
					valid++
				}
			}
		}
		// entry spans: SERVER and CONSUMER always, INTERNAL and UNSPECIFIED as roots.
		if wantValid := map[string]int{defaultValid: 6, serverValid: 2}[text]; valid != wantValid {
			t.Errorf("%q: %d of 12 cases valid, want %d", text, valid, wantValid)
		}
	}
}

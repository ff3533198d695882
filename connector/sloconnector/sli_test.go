package sloconnector

import (
	"context"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/ottlspanfuncs"
)

// The native default valid condition must agree with its OTTL text on every kind, root or not.
func TestNativeValidConditionsEqualTheirOTTL(t *testing.T) {
	parser, err := ottlspanfuncs.NewParser()
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

func TestEnumComparisonLint(t *testing.T) {
	rejected := map[string]string{
		`status.code == "ERROR"`:                     "STATUS_CODE_ERROR",
		`span.status.code != "error"`:                "STATUS_CODE_ERROR",
		`status.code == 2`:                           "STATUS_CODE_ERROR",
		`status.code >= 1`:                           "STATUS_CODE_OK",
		`kind == "SERVER"`:                           "SPAN_KIND_SERVER",
		`kind == "consumer"`:                         "SPAN_KIND_CONSUMER",
		`span.kind == 3`:                             "SPAN_KIND_CLIENT",
		`"ERROR" == status.code`:                     "STATUS_CODE_ERROR",
		`2 == kind`:                                  "SPAN_KIND_SERVER",
		`name == "x" and (status.code == "unset")`:   "STATUS_CODE_UNSET",
		`kind == SPAN_KIND_SERVER or kind=="SERVER"`: "SPAN_KIND_SERVER",
		`kind == 0`:                                  "'kind == SPAN_KIND_UNSPECIFIED'",
		`kind != 5`:                                  "'kind != SPAN_KIND_CONSUMER'",
		`kind == 6`:                                  "'kind == SPAN_KIND_SERVER'", // out of range: the usual symbol
		`status.code == -1`:                          "'status.code == STATUS_CODE_ERROR'",
		`status.code == "banana"`:                    "'status.code == STATUS_CODE_ERROR'",
		`status.code < "x\"y"`:                       "'status.code < STATUS_CODE_ERROR'",
	}
	for cond, symbol := range rejected {
		err := lintEnumComparisons("bad", cond)
		if err == nil || !strings.Contains(err.Error(), symbol) || !strings.Contains(err.Error(), "sli.bad") {
			t.Errorf("%s: %v, want an error naming sli.bad and %s", cond, err, symbol)
		}
	}
	for _, cond := range []string{
		`status.code == STATUS_CODE_ERROR`,
		`kind == SPAN_KIND_SERVER`,
		`attributes["kind"] == "web"`,
		`attributes["status.code"] == 500`,
		`resource.attributes["span.kind"] == "x"`,
		`attributes["x"] == "kind == 2"`,
		`status.message == "ERROR"`,
		`attributes["my.kind"] == 2`,
		`Int(attributes["http.response.status_code"]) >= 500`,
	} {
		if err := lintEnumComparisons("bad", cond); err != nil {
			t.Errorf("%s: rejected: %v", cond, err)
		}
	}
}

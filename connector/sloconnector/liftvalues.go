package sloconnector

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// maxTraceErrors bounds traceErrors (trace IDs come from senders); it is cleared when full,
// so a burst costs at most one batch of missed child exceptions.
const maxTraceErrors = 4096

type traceError struct{ exceptionType, spanName string }

// scanErrors remembers the failing spans of a batch by trace, before its requests are counted:
// a child span that threw is usually exported with, or before, the server span above it.
// It runs before the ingest lock and takes errMu only for a failing span.
func (in *incidents) scanErrors(td ptrace.Traces) {
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		sss := td.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				failed := span.Status().Code() == ptrace.StatusCodeError
				if !failed && span.Events().Len() == 0 {
					continue
				}
				exType := spanValue(attrExceptionType, span)
				if exType == "" && !failed {
					continue
				}
				in.rememberError(span.TraceID(), traceError{exceptionType: exType, spanName: span.Name()})
			}
		}
	}
}

func (in *incidents) rememberError(id pcommon.TraceID, te traceError) {
	in.errMu.Lock()
	defer in.errMu.Unlock()
	if prev, ok := in.traceErrors[id]; ok && (prev.exceptionType != "" || te.exceptionType == "") {
		return // the first exception of a trace is where it failed
	}
	if len(in.traceErrors) >= maxTraceErrors {
		clear(in.traceErrors)
	}
	in.traceErrors[id] = te
}

// spanValue reads one attribute of a span: the exception type from its exception events, the
// status code also under its pre-1.23 name.
func spanValue(key string, span ptrace.Span) string {
	if key == "exception.type" {
		events := span.Events()
		for i := 0; i < events.Len(); i++ {
			if ev := events.At(i); ev.Name() == "exception" {
				if v, ok := ev.Attributes().Get(key); ok {
					return valueString(v)
				}
			}
		}
		return ""
	}
	if v, ok := span.Attributes().Get(key); ok {
		return valueString(v)
	}
	if key == "http.response.status_code" {
		if v, ok := span.Attributes().Get("http.status_code"); ok {
			return valueString(v)
		}
	}
	return ""
}

// smallInts are the strings of 0–999, so status codes cost no allocation per span.
var smallInts = func() [1000]string {
	var out [1000]string
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

// valueString is an attribute value as a lift-table value, without allocating for strings and
// small integers; "" for an empty value.
func valueString(v pcommon.Value) string {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return ""
	case pcommon.ValueTypeStr:
		return v.Str()
	case pcommon.ValueTypeInt:
		if i := v.Int(); i >= 0 && i < int64(len(smallInts)) {
			return smallInts[i]
		}
	}
	return v.AsString()
}

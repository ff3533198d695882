package sloconnector

import (
	"context"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/ottlcond"
)

// sliKind is how an SLI tells bad events from good ones, fixed when it is compiled. A new kind
// is one value here, a case in compileSLI and one in classify.
type sliKind uint8

const (
	kindBad     sliKind = iota // an OTTL condition for bad events
	kindGood                   // an OTTL condition for good events
	kindLatency                // the span's own duration against a threshold
)

// classifier decides, for one SLO, whether a span is a valid event and whether it is bad.
type classifier struct {
	kind         sliKind
	valid        *ottlcond.Condition // nil: nativeValid decides
	nativeValid  func(ptrace.Span) bool
	judgement    *ottlcond.Condition // the kindBad or kindGood condition
	exclude      *ottlcond.Condition // sli.exclude, when set
	latency      int64               // kindLatency: threshold in ns
	errorsAreBad bool
}

type outcome uint8

const (
	notValid outcome = iota
	goodEvent
	badEvent
	// invalidSpan is a valid event whose measurement is broken (a latency SLO's span that ends
	// before it starts): counted apart, in no window.
	invalidSpan
	// excludedEvent is a valid event sli.exclude leaves out: counted apart, in no window.
	excludedEvent
)

func compileSLI(sli SLI) (*classifier, error) {
	parser, err := ottlcond.NewParser()
	if err != nil {
		return nil, fmt.Errorf("sli: OTTL parser: %w", err)
	}
	parse := func(field, cond string) (*ottlcond.Condition, error) {
		return ottlcond.Compile(parser, "sli."+field, cond)
	}
	c := &classifier{}
	switch sli.Valid {
	case "", defaultValid:
		c.nativeValid = isEntrySpan
	case serverValid:
		c.nativeValid = isServerSpan
	default:
		if c.valid, err = parse("valid", sli.Valid); err != nil {
			return nil, err
		}
	}
	switch {
	case sli.Good != "":
		c.kind = kindGood
		c.judgement, err = parse("good", sli.Good)
	case sli.Bad != "":
		c.kind = kindBad
		c.judgement, err = parse("bad", sli.Bad)
	case sli.Latency != nil:
		c.kind = kindLatency
		c.latency, c.errorsAreBad = int64(sli.Latency.Threshold), sli.Latency.ErrorsAreBad
	}
	if err != nil {
		return nil, err
	}
	if sli.Exclude != "" {
		if c.exclude, err = parse("exclude", sli.Exclude); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// classify returns the span's outcome for this SLO; an OTTL evaluation error leaves the span
// out of the SLO and is returned so it can be counted.
func (c *classifier) classify(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) (outcome, error) {
	if c.valid == nil && !c.nativeValid(span) {
		return notValid, nil
	}
	if c.valid == nil && c.kind == kindLatency && c.exclude == nil {
		return c.latencyOutcome(span), nil
	}
	tctx := ottlspan.NewTransformContext(rs, ss, span)
	defer tctx.Close()
	if c.valid != nil {
		ok, err := c.valid.Eval(ctx, tctx)
		if err != nil || !ok {
			return notValid, err
		}
	}
	if c.exclude != nil {
		excluded, err := c.exclude.Eval(ctx, tctx)
		switch {
		case err != nil:
			return notValid, err
		case excluded:
			return excludedEvent, nil
		}
	}
	if c.kind == kindLatency {
		return c.latencyOutcome(span), nil
	}
	matched, err := c.judgement.Eval(ctx, tctx)
	switch {
	case err != nil:
		return notValid, err
	case matched == (c.kind == kindBad): // a bad condition that matched, or a good one that did not
		return badEvent, nil
	}
	return goodEvent, nil
}

// latencyOutcome compares the span's own duration with the threshold: exactly at the
// threshold is good, as a Prometheus `le` bucket would count it.
func (c *classifier) latencyOutcome(span ptrace.Span) outcome {
	start, end := span.StartTimestamp(), span.EndTimestamp()
	if end < start {
		return invalidSpan // no duration to judge: never a good event
	}
	if c.errorsAreBad && span.Status().Code() == ptrace.StatusCodeError {
		return badEvent
	}
	if uint64(end-start) > uint64(c.latency) {
		return badEvent
	}
	return goodEvent
}

func isServerSpan(span ptrace.Span) bool { return span.Kind() == ptrace.SpanKindServer }

// isEntrySpan is defaultValid, natively.
func isEntrySpan(span ptrace.Span) bool {
	switch span.Kind() {
	case ptrace.SpanKindServer, ptrace.SpanKindConsumer:
		return true
	case ptrace.SpanKindClient, ptrace.SpanKindProducer:
		return false
	}
	return span.ParentSpanID().IsEmpty()
}

// kindName is the SLI kind the console lists: latency, ratio (an OTTL condition), and
// timeslice when the budget counts slices whatever judges the events.
func (c *classifier) kindName(spec window.Spec) string {
	switch {
	case spec.Timeslice > 0:
		return "timeslice"
	case c.kind == kindLatency:
		return "latency"
	}
	return "ratio"
}

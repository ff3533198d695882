package sloconnector

import (
	"context"
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/ottlcond"
)

// classifier decides, for one SLO, whether a span is a valid event and whether it is bad.
type classifier struct {
	valid        *ottl.Condition[*ottlspan.TransformContext] // nil: nativeValid decides
	nativeValid  func(ptrace.Span) bool
	good, bad    *ottl.Condition[*ottlspan.TransformContext]
	latency      int64 // threshold in ns; 0 when the SLI is not a latency SLI
	errorsAreBad bool
}

type outcome uint8

const (
	notValid outcome = iota
	goodEvent
	badEvent
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
		c.good, err = parse("good", sli.Good)
	case sli.Bad != "":
		c.bad, err = parse("bad", sli.Bad)
	case sli.Latency != nil:
		c.latency, c.errorsAreBad = int64(sli.Latency.Threshold), sli.Latency.ErrorsAreBad
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// classify returns the span's outcome for this SLO; an OTTL evaluation error leaves the span
// out of the SLO and is returned so it can be counted.
func (c *classifier) classify(ctx context.Context, rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, span ptrace.Span) (outcome, error) {
	if c.valid == nil && !c.nativeValid(span) {
		return notValid, nil
	}
	if c.valid == nil && c.good == nil && c.bad == nil {
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
	switch {
	case c.bad != nil:
		bad, err := c.bad.Eval(ctx, tctx)
		if err != nil {
			return notValid, err
		}
		if bad {
			return badEvent, nil
		}
		return goodEvent, nil
	case c.good != nil:
		good, err := c.good.Eval(ctx, tctx)
		if err != nil {
			return notValid, err
		}
		if good {
			return goodEvent, nil
		}
		return badEvent, nil
	}
	return c.latencyOutcome(span), nil
}

// latencyOutcome compares the span's own duration with the threshold: exactly at the
// threshold is good, as a Prometheus `le` bucket would count it.
func (c *classifier) latencyOutcome(span ptrace.Span) outcome {
	if c.errorsAreBad && span.Status().Code() == ptrace.StatusCodeError {
		return badEvent
	}
	if int64(span.EndTimestamp())-int64(span.StartTimestamp()) > c.latency {
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

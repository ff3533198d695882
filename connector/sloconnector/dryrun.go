package sloconnector

import (
	"context"
	"fmt"
	"sort"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/adjusted"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
)

// DryRunCount is what one SLO would count for one service over a sample of spans, so a
// condition that never matches is visible before it is deployed.
type DryRunCount struct {
	SLO, Service     string
	Spans            int     // spans the SLO looked at, after its service filter
	Valid, Good, Bad float64 // weighted as the connector weights them
	OTTLErrors       int
	FirstOTTLError   string
	// Invalid counts valid events with a broken measurement (a latency SLO's span that ends
	// before it starts); the connector counts them in no window.
	Invalid float64
	// Excluded counts valid events sli.exclude leaves out (maintenance windows are a matter of
	// time, which a sample has no say in).
	Excluded float64
}

// DryRun classifies every span of td with every SLO exactly as the connector would, without
// windows or time: the result is one row per SLO and service, sorted.
func (c *Config) DryRun(ctx context.Context, td ptrace.Traces) ([]DryRunCount, error) {
	classifiers := make([]*classifier, len(c.SLOs))
	for i := range c.SLOs {
		slo := c.SLOs[i].withDefaults()
		cls, err := compileSLI(slo.SLI)
		if err != nil {
			return nil, fmt.Errorf("slos[%d] (%s).%w", i, slo.Name, err)
		}
		classifiers[i] = cls
	}
	rows := map[[2]string]*DryRunCount{}
	row := func(slo, service string) *DryRunCount {
		k := [2]string{slo, service}
		if rows[k] == nil {
			rows[k] = &DryRunCount{SLO: slo, Service: service}
		}
		return rows[k]
	}
	for _, slo := range c.SLOs {
		if slo.Service != "" {
			row(slo.Name, slo.Service) // a fixed-service SLO is reported even when nothing matched
		}
	}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		service := ""
		if v, ok := rs.Resource().Attributes().Get(attrService); ok {
			service, _ = label.Bound(v.AsString(), c.MaxLabelLength)
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				for si, slo := range c.SLOs {
					if slo.Service != "" && slo.Service != service {
						continue
					}
					r := row(slo.Name, service)
					r.Spans++
					out, err := classifiers[si].classify(ctx, rs, ss, span)
					if err != nil {
						if r.OTTLErrors == 0 {
							r.FirstOTTLError = err.Error()
						}
						r.OTTLErrors++
						continue
					}
					w := 1.0
					if c.SamplingWeight != weightNone && span.TraceState().AsRaw() != "" {
						w = adjusted.Parse(span.TraceState().AsRaw()).Count
					}
					switch out {
					case goodEvent:
						r.Valid += w
						r.Good += w
					case badEvent:
						r.Valid += w
						r.Bad += w
					case invalidSpan:
						r.Invalid += w
					case excludedEvent:
						r.Excluded += w
					}
				}
			}
		}
	}
	out := make([]DryRunCount, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SLO != out[j].SLO {
			return out[i].SLO < out[j].SLO
		}
		return out[i].Service < out[j].Service
	})
	return out, nil
}

// Warnings name the rows an SRE should look at before deploying: an SLO with no valid events,
// or whose bad (good) condition never (always) matched.
func (r DryRunCount) Warnings() []string {
	var w []string
	switch {
	case r.Spans == 0:
		w = append(w, "no span of this service in the sample")
	case r.Valid == 0:
		w = append(w, fmt.Sprintf("none of %d spans is a valid event: check sli.valid", r.Spans))
	case r.Bad == 0:
		w = append(w, fmt.Sprintf("no bad event among %g valid events: if the sample holds failures, sli.bad (or good/latency) cannot match them", r.Valid))
	case r.Good == 0:
		w = append(w, fmt.Sprintf("every one of %g valid events is bad: check sli.good (or bad/latency)", r.Valid))
	}
	if r.Invalid > 0 {
		w = append(w, fmt.Sprintf("%g spans end before they start: their durations are unusable, and they count in no window", r.Invalid))
	}
	if r.OTTLErrors > 0 {
		w = append(w, fmt.Sprintf("%d OTTL evaluation errors (these spans are left out), first: %s", r.OTTLErrors, r.FirstOTTLError))
	}
	return w
}

package score

import (
	"fmt"
	"math"
	"sort"
)

// Evidence is what one service's checks are measured from: a snapshot of counts over the
// evaluation window (adjusted-count weighted, so a sampled stream still counts its requests),
// taken under the ingest lock and scored outside it.
type Evidence struct {
	// WindowSeconds is the time the window's counts cover: the window, or less when the
	// service (or the collector) has been observed for less. Rates divide by it.
	WindowSeconds float64
	// Sampler is what sre_sampling decided, from the board; nil when no sampler publishes.
	Sampler *SamplerEvidence

	Spans, Weight, SampledSpans float64 // raw spans, Σ adjusted count, spans carrying a threshold
	ServerSpans, ServerErrors   float64
	AuthFailures                float64
	SpansWithExceptions         float64
	Bytes                       float64 // OTLP bytes of the spans
	LatenciesMs                 []float64

	// TLS evidence. ServerTLS counts only when the service terminates TLS itself
	// (TLSTerminationApp); external CLIENT spans know their own scheme.
	TLSTerminationApp           bool
	ServerTLS                   float64
	ExternalClient, ExternalTLS float64
	ServerSpansForTLS           float64
	CPUUtilization, CPUSamples  float64 // from metrics carrying this service's identity
	CPUSource                   string
	Budget                      BudgetEvidence
	Dora                        Dora
	PagesPerWeek                float64
	Pages                       int
	PagesSeen                   bool
	ObservedDays                float64
}

// SamplerEvidence is the spans a tail sampler decided on and kept since it started.
type SamplerEvidence struct {
	DecidedSpans, KeptSpans, Seconds float64
}

// BudgetEvidence is an SLO's error budget as the slo connector reports it now.
type BudgetEvidence struct {
	Known        bool
	Remaining    float64 // share of the period's budget left; ≤ 0 is exhausted
	ExhaustsSoon bool    // slo.error_budget.exhaustion present: it runs out before the period ends
	TicketActive bool
	PageActive   bool
	SLO          string // the SLO the worst verdict came from
	Source       string // where Remaining came from
}

// BudgetVerdict is the error-budget policy: fail when the budget is exhausted or a page alert
// is active; warning when it is projected to run out before the period ends or a ticket alert
// is active; pass while budget remains on track. The budget is meant to be spent: half of it
// left is a pass.
func BudgetVerdict(b BudgetEvidence) (value float64, why string) {
	switch {
	case b.Remaining <= 0:
		return 0, fmt.Sprintf("error budget exhausted (%.1f %% left)", 100*b.Remaining)
	case b.PageActive:
		return 0, "a page-severity burn-rate alert is active"
	case b.ExhaustsSoon:
		return 1, fmt.Sprintf("%.1f %% of the budget left, projected to run out before the period ends", 100*b.Remaining)
	case b.TicketActive:
		return 1, "a ticket-severity burn-rate alert is active"
	}
	return 2, fmt.Sprintf("%.1f %% of the budget left, on track for the period", 100*b.Remaining)
}

// Targets are the per-service thresholds the checks measure against.
type Targets struct {
	LatencyP95Ms               float64
	MinEvents                  float64
	KeepRatioMinSpansPerSecond float64
	MinDeployments             int
}

// Percentile is the nearest-rank percentile of samples; ok is false without samples.
func Percentile(samples []float64, q float64) (float64, bool) {
	if len(samples) == 0 {
		return 0, false
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(rank, len(s)-1))], true
}

package sloconnector

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// defaultLiftAttributes are the attributes an incident's contributing factors are ranked over,
// in priority order for ties: where the bad requests went, what they returned, what they threw
// and in which span of the request, where they ran and which release served them.
var defaultLiftAttributes = []string{"http.route", "http.response.status_code", attrExceptionType, attrErrorSpan, "k8s.pod.name", "service.version"}

// symptomAttributes say how a request failed rather than where; they rank after the others.
var symptomAttributes = []string{"http.response.status_code", attrExceptionType, attrErrorSpan}

const (
	// attrExceptionType is read from the exception events of the request's span and of every
	// span of its trace the connector saw (Node and Java record them on the child span that
	// threw, e.g. charge-card under POST /pay).
	attrExceptionType = "exception.type"
	// attrErrorSpan is the name of the span of the request's trace where the exception was
	// recorded or the status was set to error.
	attrErrorSpan = "error.span.name"
)

// Incidents paces and bounds incident records. They are tracked when something consumes them:
// a state extension, incidents_dir, or a logs pipeline fed by this connector.
type Incidents struct {
	// UpdateInterval is the least time between two slo.incident.updated records of one
	// incident (sooner when its peak burn grows by a quarter).
	UpdateInterval time.Duration `mapstructure:"update_interval"`
	// MaxOpen bounds the open incidents (default 100); a page past it opens none.
	MaxOpen int `mapstructure:"max_open"`
	// MaxHistory bounds the resolved incidents kept (default 1000); the oldest go first.
	MaxHistory int `mapstructure:"max_history"`
	// LiftWindow is the span of the lift table (in incident.Buckets buckets); factors compare
	// bad and good events of its buckets that burned budget. 0 takes the SLO's shortest alert
	// window (5m in the google profile).
	LiftWindow time.Duration `mapstructure:"lift_window"`
	// Attributes are ranked besides the default ones (route, status code, exception type, pod,
	// version), e.g. tenant or region keys.
	Attributes []string `mapstructure:"attributes"`
	// TopK bounds the values tracked per attribute and series.
	TopK int `mapstructure:"top_k"`
	// MaxFactors bounds the contributing factors an incident lists (default 10).
	MaxFactors int `mapstructure:"max_factors"`
	// MaxExemplars bounds the bad-event trace IDs an incident lists.
	MaxExemplars int `mapstructure:"max_exemplars"`
	// DeploymentLookback is how far before the page deployments are linked.
	DeploymentLookback time.Duration `mapstructure:"deployment_lookback"`
	// TraceURL, when set, links exemplars in the postmortem: "{trace_id}" is replaced.
	TraceURL string `mapstructure:"trace_url"`
}

func defaultIncidents() Incidents {
	return Incidents{
		UpdateInterval: 5 * time.Minute, MaxOpen: 100, MaxHistory: 1000,
		TopK: 16, MaxFactors: 10, MaxExemplars: 10, DeploymentLookback: 24 * time.Hour,
	}
}

// liftAttributes is the default list followed by the configured extra attributes.
func (in Incidents) liftAttributes() []string {
	attrs := append([]string(nil), defaultLiftAttributes...)
	for _, a := range in.Attributes {
		if !slices.Contains(attrs, a) {
			attrs = append(attrs, a)
		}
	}
	return attrs
}

func (in Incidents) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("incidents."+format, args...)) }
	if in.UpdateInterval < time.Second || in.UpdateInterval > 24*time.Hour {
		add("update_interval: %v must be between 1s and 24h (updates come at most once per emit_interval)", in.UpdateInterval)
	}
	if in.MaxOpen < 1 || in.MaxOpen > 10_000 {
		add("max_open: %d must be between 1 and 10000", in.MaxOpen)
	}
	if in.MaxHistory < 1 || in.MaxHistory > 100_000 {
		add("max_history: %d must be between 1 and 100000", in.MaxHistory)
	}
	if in.LiftWindow != 0 && (in.LiftWindow < time.Second || in.LiftWindow > 24*time.Hour) {
		add("lift_window: %v must be 0 (the shortest alert window) or between 1s and 24h", in.LiftWindow)
	}
	if in.TopK < 1 || in.TopK > 256 {
		add("top_k: %d must be between 1 and 256", in.TopK)
	}
	if in.MaxFactors < 1 || in.MaxFactors > 100 {
		add("max_factors: %d must be between 1 and 100", in.MaxFactors)
	}
	if in.MaxExemplars < 1 || in.MaxExemplars > 100 {
		add("max_exemplars: %d must be between 1 and 100", in.MaxExemplars)
	}
	if in.DeploymentLookback < 0 || in.DeploymentLookback > 30*24*time.Hour {
		add("deployment_lookback: %v must be between 0s and 720h", in.DeploymentLookback)
	}
	if len(in.Attributes) > 16 {
		add("attributes: %d keys, at most 16 (each costs top_k entries per series)", len(in.Attributes))
	}
	for i, a := range in.Attributes {
		if a == "" {
			add("attributes[%d]: must not be empty", i)
		}
	}
	return errors.Join(errs...)
}

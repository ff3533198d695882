package sloconnector

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // calendar windows must resolve IANA zones even in a scratch image

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
)

const (
	topologySingleWriter = "single_writer"
	topologySharded      = "sharded"

	weightAdjustedCount = "adjusted_count"
	weightNone          = "none"

	budgetingOccurrences     = "occurrences"
	budgetingTimeslices      = "timeslices"
	budgetingRatioTimeslices = "ratio_timeslices"

	profileGoogle      = "google"
	profileTestSeconds = "test_seconds"

	// defaultValid is the valid condition an SLO gets when it names none: the entry spans, one
	// per unit of work a service accepts (a request it serves, a message it consumes, or work it
	// starts itself). Calls it makes and its internal steps are not events of their own; counting
	// them counts one request several times. It is evaluated natively, without OTTL.
	defaultValid = "kind == SPAN_KIND_SERVER or kind == SPAN_KIND_CONSUMER or (IsRootSpan() and kind != SPAN_KIND_CLIENT and kind != SPAN_KIND_PRODUCER)"
	// serverValid is the other common valid condition; it is evaluated natively too.
	serverValid = "kind == SPAN_KIND_SERVER"

	// defaultMinValidEvents keeps a fresh or idle service from paging on its first errors: with
	// fewer valid events in a tier's long window, one bad event is already a burn the page tier
	// fires on (1 in 69 is 14.4 × the 0.1 % budget of a 99.9 % SLO). See the README.
	defaultMinValidEvents = 100
	// defaultConfidence: a tier fires when the 95 % Wilson interval of the error ratio lies
	// above its threshold (ALERTING.md, "Thin evidence").
	defaultConfidence = 0.95

	// maxLatenessLimit is the finest ring's horizon (360 one-minute buckets).
	maxLatenessLimit = 6 * time.Hour

	alertSourceAuto      = "auto"
	alertSourceConnector = "connector"
	alertSourceRules     = "rules"
)

// Config of the slo connector.
type Config struct {
	// EmitInterval is how often the SLO metrics are computed and emitted (default 15s).
	EmitInterval time.Duration `mapstructure:"emit_interval"`
	// MaxLateness: a span that ended before now − MaxLateness counts in slo.events only, not in any
	// window (default 5m, at most 6h, the finest ring's horizon).
	MaxLateness time.Duration `mapstructure:"max_lateness"`
	// CardinalityLimit bounds the series per SLO (default 1000); further group_by combinations fold
	// into one series with slo.overflow=true, so totals stay exact.
	CardinalityLimit int `mapstructure:"cardinality_limit"`
	// MaxLabelLength bounds, in bytes, every sender-controlled value that becomes a label or a
	// key: service.name, group_by values and incident factor values (default 256, at least 32).
	// A longer value keeps its start and ends in "…" and a hash of the whole value, so distinct
	// values stay distinct; invalid UTF-8 becomes U+FFFD.
	MaxLabelLength int `mapstructure:"max_label_length"`
	// Topology is single_writer (default: every metric) or sharded (only the additive slo.events and
	// slo.window.events, with collector.instance.id, for a backend to sum across replicas).
	Topology string `mapstructure:"topology"`
	// SamplingWeight is adjusted_count (default: each span weighs 1 ÷ the probability of its
	// tracestate ot=th) or none (every span weighs 1).
	SamplingWeight string `mapstructure:"sampling_weight"`
	// Storage names a storage extension (file_storage) that keeps counters and windows across
	// restarts.
	Storage *component.ID `mapstructure:"storage"`
	// CheckpointInterval is how often the full windows are written to Storage (default 30s).
	CheckpointInterval time.Duration `mapstructure:"checkpoint_interval"`
	// RulesFile, when set, receives the generated Prometheus rules at start.
	RulesFile string `mapstructure:"rules_file"`
	// AlertSource picks what the generated alert rules fire on: the connector's own alert state
	// (slo_alert_active), or burn-rate expressions Prometheus evaluates over the summed windows.
	AlertSource string `mapstructure:"alert_source"`
	// State names the sre_state extension the connector publishes alert state and incidents to.
	State *component.ID `mapstructure:"state"`
	// IncidentsDir, when set, receives a Markdown postmortem draft per incident.
	IncidentsDir string `mapstructure:"incidents_dir"`
	// MergeWindow: a page that fires again this soon after its incident resolved reopens it.
	MergeWindow time.Duration `mapstructure:"merge_window"`
	// Incidents paces and bounds the incident records.
	Incidents Incidents `mapstructure:"incidents"`
	// History bounds the per-series history the SRE console draws (state must be set).
	History HistoryConfig `mapstructure:"history"`
	// SLOs are the objectives this connector evaluates; at least one.
	SLOs []SLO `mapstructure:"slos"`
	// Maintenance windows at the top level apply to the SLOs (and services) they select.
	Maintenance []MaintenanceWindow `mapstructure:"maintenance"`

	rawErr error // what checkRaw found in the config as written; reported by Validate
}

// SLO is one service level objective.
type SLO struct {
	// Name identifies the SLO (unique, [A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]); required.
	Name string `mapstructure:"name"`
	// Service, when set, keeps only spans whose resource service.name equals it; without it every
	// service gets its own series.
	Service string `mapstructure:"service"`
	// Objective is the target in percent, strictly between 0 and 100 (99.9); required.
	Objective float64 `mapstructure:"objective"`
	// Window is the SLO period (default rolling 30d).
	Window Window `mapstructure:"window"`
	// BudgetingMethod is occurrences (default), timeslices or ratio_timeslices (OpenSLO); the
	// timeslice methods need Timeslice and single_writer.
	BudgetingMethod string `mapstructure:"budgeting_method"`
	// Timeslice sizes the slices of the timeslice budgeting methods.
	Timeslice Timeslice `mapstructure:"timeslice"`
	// SLI says which spans are valid events and which of them are bad.
	SLI SLI `mapstructure:"sli"`
	// GroupBy are span attributes (falling back to resource attributes) that split the SLO into
	// series.
	GroupBy []string `mapstructure:"group_by"`
	// Labels are constant attributes on every series of the SLO.
	Labels map[string]string `mapstructure:"labels"`
	// Alerting selects the burn-rate tiers and shapes the generated alerts.
	Alerting Alerting `mapstructure:"alerting"`
	// Description and RunbookURL reach every alert of the SLO as annotations.
	Description string `mapstructure:"description"`
	// RunbookURL is an absolute URL annotated on every alert of the SLO.
	RunbookURL string `mapstructure:"runbook_url"`
	// Maintenance windows exclude the SLO's events that end inside them.
	Maintenance []MaintenanceWindow `mapstructure:"maintenance"`
}

// Window is the SLO period: rolling, or calendar with a time zone.
type Window struct {
	// Rolling is the length of a rolling window (Go units, or whole d and w).
	Rolling Duration `mapstructure:"rolling"`
	// Calendar is week, month or quarter (weeks start on Monday); exclusive with Rolling.
	Calendar string `mapstructure:"calendar"`
	// Timezone is the IANA zone calendar periods start in (default UTC).
	Timezone string `mapstructure:"timezone"`
}

// Timeslice configures the timeslices budgeting method.
type Timeslice struct {
	// Duration is the length of one slice, e.g. 1m.
	Duration time.Duration `mapstructure:"duration"`
	// Target is the share of good events a slice needs to be good (timeslices only), in (0, 1].
	Target float64 `mapstructure:"target"`
}

// SLI says which spans are valid events and which of those are bad.
type SLI struct {
	// Valid is an OTTL span condition selecting the valid events; the default, entry spans, is one
	// event per unit of work a service accepts (evaluated natively, as is kind == SPAN_KIND_SERVER).
	Valid string `mapstructure:"valid"`
	// Good is an OTTL condition for good events; exactly one of Good, Bad and Latency.
	Good string `mapstructure:"good"`
	// Bad is an OTTL condition for bad events; exactly one of Good, Bad and Latency.
	Bad string `mapstructure:"bad"`
	// Latency makes an event bad when its span lasts longer than a threshold; exactly one of Good, Bad
	// and Latency.
	Latency *Latency `mapstructure:"latency"`
	// Exclude is an OTTL condition for valid events that are not a user's (synthetic checks, load
	// tests): they count as slo.events.excluded{reason="exclude"}, never good or bad.
	Exclude string `mapstructure:"exclude"`
}

// Latency makes a span bad when its own duration (end − start) exceeds Threshold.
type Latency struct {
	// Threshold is the longest good duration: exactly at it is good.
	Threshold time.Duration `mapstructure:"threshold"`
	// ErrorsAreBad also makes a span with status ERROR bad, however fast.
	ErrorsAreBad bool `mapstructure:"errors_are_bad"`
}

// Duration is a time.Duration that also accepts whole days and weeks ("30d", "2w").
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if n, unit := strings.TrimRight(s, "dw"), strings.TrimLeft(s, "0123456789"); n != s && (unit == "d" || unit == "w") {
		v, err := strconv.Atoi(n)
		if err != nil || v <= 0 {
			return fmt.Errorf("invalid duration %q", s)
		}
		day := 24 * time.Hour
		if unit == "w" {
			day *= 7
		}
		*d = Duration(time.Duration(v) * day)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q: use Go units or whole days (30d) or weeks (4w)", s)
	}
	*d = Duration(v)
	return nil
}

// period builds the SLO's compliance period.
func (s *SLO) period() (window.Period, error) {
	w := s.Window
	switch {
	case w.Rolling != 0 && w.Calendar != "":
		return window.Period{}, errors.New("window: set rolling or calendar, not both")
	case w.Calendar != "":
		loc, err := time.LoadLocation(w.Timezone)
		if err != nil {
			return window.Period{}, fmt.Errorf("window.timezone: %q is not an IANA time zone: %w", w.Timezone, err)
		}
		p, err := window.Calendar(w.Calendar, loc)
		if err != nil {
			return window.Period{}, fmt.Errorf("window.%w", err)
		}
		return p, nil
	case w.Timezone != "":
		return window.Period{}, errors.New("window.timezone: only applies to a calendar window")
	case w.Rolling <= 0:
		return window.Period{}, fmt.Errorf("window.rolling: %v must be positive", time.Duration(w.Rolling))
	}
	return window.Rolling(time.Duration(w.Rolling)), nil
}

// spec is the SLO as the window maths sees it.
func (s *SLO) spec(maxLateness time.Duration) (window.Spec, error) {
	period, err := s.period()
	if err != nil {
		return window.Spec{}, err
	}
	unit := time.Minute
	if s.Alerting.Profile == profileTestSeconds {
		unit = time.Second
	}
	spec := window.Spec{
		Objective:      percentToRatio(s.Objective),
		Period:         period,
		MaxLateness:    maxLateness,
		Unit:           unit,
		MinValidEvents: s.Alerting.minValidEvents(),
		Confidence:     s.Alerting.confidence(),
		Tiers:          s.Alerting.tiers(),
	}
	if s.BudgetingMethod != budgetingOccurrences {
		// test_seconds scales slices with every window: a 1h slice lasts 60s.
		spec.Timeslice, spec.SliceTarget = s.Timeslice.Duration/(time.Minute/unit), s.Timeslice.Target
		spec.SliceRatio = s.BudgetingMethod == budgetingRatioTimeslices
	}
	return window.NewSpec(spec) // checks the slice and max_lateness against the rings as defaulted
}

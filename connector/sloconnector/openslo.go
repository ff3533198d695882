package sloconnector

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// OpenSLO v1 as the connector writes and reads it. The field names are the specification's
// (github.com/OpenSLO/OpenSLO, README "Specification"); openslo_schema_test.go checks every
// document written against that field list.
const (
	openSLOVersion = "openslo/v1"
	// OpenSLOSourceSpans keeps the SLI a span definition (metricSource type otelcol-sre), so an
	// export imports back unchanged; OpenSLOSourcePrometheus points at the connector's series.
	OpenSLOSourceSpans      = "spans"
	OpenSLOSourcePrometheus = "prometheus"
	metricSourceType        = "otelcol-sre"
	spanDurationMetric      = "span.duration"
	allServices             = "*"

	annotationPrefix      = "otelcol-sre.io/"
	annotationName        = annotationPrefix + "name"
	annotationAlerting    = annotationPrefix + "alerting"
	annotationMaintenance = annotationPrefix + "maintenance"
	annotationRunbook     = annotationPrefix + "runbook-url"
	notificationTarget    = "otelcol-sre-alertmanager"
)

type osloDoc struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   osloMeta `yaml:"metadata"`
	Spec       any      `yaml:"spec"`
}

type osloMeta struct {
	Name        string            `yaml:"name"`
	DisplayName string            `yaml:"displayName,omitempty"`
	Labels      map[string]any    `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

type osloSLOSpec struct {
	Description     string           `yaml:"description,omitempty"`
	Service         string           `yaml:"service"`
	Indicator       *osloSLI         `yaml:"indicator,omitempty"`
	IndicatorRef    string           `yaml:"indicatorRef,omitempty"`
	TimeWindow      []osloTimeWindow `yaml:"timeWindow"`
	BudgetingMethod string           `yaml:"budgetingMethod"`
	Objectives      []osloObjective  `yaml:"objectives"`
	AlertPolicies   []osloPolicyRef  `yaml:"alertPolicies,omitempty"`
}

type osloSLI struct {
	Metadata osloMeta    `yaml:"metadata"`
	Spec     osloSLISpec `yaml:"spec"`
}

type osloSLISpec struct {
	Description     string           `yaml:"description,omitempty"`
	ThresholdMetric *osloMetric      `yaml:"thresholdMetric,omitempty"`
	RatioMetric     *osloRatioMetric `yaml:"ratioMetric,omitempty"`
}

type osloRatioMetric struct {
	Counter bool        `yaml:"counter"`
	Good    *osloMetric `yaml:"good,omitempty"`
	Bad     *osloMetric `yaml:"bad,omitempty"`
	Total   *osloMetric `yaml:"total,omitempty"`
	RawType string      `yaml:"rawType,omitempty"`
	Raw     *osloMetric `yaml:"raw,omitempty"`
}

type osloMetric struct {
	MetricSource osloMetricSource `yaml:"metricSource"`
}

type osloMetricSource struct {
	MetricSourceRef string         `yaml:"metricSourceRef,omitempty"`
	Type            string         `yaml:"type,omitempty"`
	Spec            map[string]any `yaml:"spec"`
}

type osloTimeWindow struct {
	Duration  string        `yaml:"duration"`
	IsRolling bool          `yaml:"isRolling"`
	Calendar  *osloCalendar `yaml:"calendar,omitempty"`
}

type osloCalendar struct {
	StartTime string `yaml:"startTime"`
	TimeZone  string `yaml:"timeZone"`
}

type osloObjective struct {
	DisplayName     string   `yaml:"displayName,omitempty"`
	Op              string   `yaml:"op,omitempty"`
	Value           *float64 `yaml:"value,omitempty"`
	Target          *float64 `yaml:"target,omitempty"`
	TargetPercent   *float64 `yaml:"targetPercent,omitempty"`
	TimeSliceTarget *float64 `yaml:"timeSliceTarget,omitempty"`
	TimeSliceWindow string   `yaml:"timeSliceWindow,omitempty"`
	Indicator       any      `yaml:"indicator,omitempty"`
	IndicatorRef    string   `yaml:"indicatorRef,omitempty"`
	CompositeWeight *float64 `yaml:"compositeWeight,omitempty"`
}

type osloPolicyRef struct {
	AlertPolicyRef string `yaml:"alertPolicyRef"`
}

type osloAlertPolicySpec struct {
	Description         string              `yaml:"description,omitempty"`
	AlertWhenNoData     bool                `yaml:"alertWhenNoData"`
	AlertWhenResolved   bool                `yaml:"alertWhenResolved"`
	AlertWhenBreaching  bool                `yaml:"alertWhenBreaching"`
	Conditions          []map[string]string `yaml:"conditions"`
	NotificationTargets []map[string]string `yaml:"notificationTargets"`
}

type osloAlertConditionSpec struct {
	Description string        `yaml:"description,omitempty"`
	Severity    string        `yaml:"severity"`
	Condition   osloCondition `yaml:"condition"`
}

type osloCondition struct {
	Kind           string  `yaml:"kind"`
	Op             string  `yaml:"op"`
	Threshold      float64 `yaml:"threshold"`
	LookbackWindow string  `yaml:"lookbackWindow"`
	AlertAfter     string  `yaml:"alertAfter,omitempty"` // the default, 0m, is what the tiers do
}

var notRFC1123 = regexp.MustCompile(`[^a-z0-9-]+`)

// openSLOName is name as an RFC 1123 label, which OpenSLO requires of metadata.name.
func openSLOName(name string) string {
	n := strings.Trim(notRFC1123.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}

// shorthand writes d as an OpenSLO duration-shorthand (minutes at the finest).
func shorthand(d time.Duration) (string, error) {
	switch {
	case d <= 0 || d%time.Minute != 0:
		return "", fmt.Errorf("%v has no OpenSLO duration (whole minutes at the finest)", d)
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour)), nil
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour), nil
	}
	return fmt.Sprintf("%dm", d/time.Minute), nil
}

// OpenSLODocuments writes every SLO of the connectors as OpenSLO v1: an SLO with its SLI
// inline, and per burn-rate tier two AlertConditions and two AlertPolicies (OpenSLO allows one
// condition per policy; a multi-window tier fires when both do).
func OpenSLODocuments(source string, connectors ...ConnectorRules) ([]byte, error) {
	if source != OpenSLOSourceSpans && source != OpenSLOSourcePrometheus {
		return nil, fmt.Errorf("openslo source %q must be %s or %s", source, OpenSLOSourceSpans, OpenSLOSourcePrometheus)
	}
	var docs []osloDoc
	for _, cr := range connectors {
		for i := range cr.Config.SLOs {
			slo := cr.Config.SLOs[i].withDefaults()
			d, err := exportSLO(slo, cr, source)
			if err != nil {
				return nil, fmt.Errorf("slos[%d] (%s): %w", i, slo.Name, err)
			}
			docs = append(docs, d...)
		}
	}
	docs = append(docs, osloDoc{APIVersion: openSLOVersion, Kind: "AlertNotificationTarget", Metadata: osloMeta{Name: notificationTarget},
		Spec: map[string]string{"target": "alertmanager", "description": "The Prometheus rules slo-rules generates route every alert through Alertmanager by its severity label."}})
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func exportSLO(slo SLO, cr ConnectorRules, source string) ([]osloDoc, error) {
	name := openSLOName(slo.Name)
	if cr.ID != "" { // the same SLO name in two connectors stays two documents
		name = openSLOName(cr.ID + "-" + slo.Name)
	}
	meta := osloMeta{Name: name, DisplayName: slo.Name, Annotations: map[string]string{}}
	if name != slo.Name {
		meta.Annotations[annotationName] = slo.Name
	}
	if len(slo.Labels) > 0 {
		meta.Labels = map[string]any{}
		for k, v := range slo.Labels {
			meta.Labels[k] = v
		}
	}
	if slo.RunbookURL != "" {
		meta.Annotations[annotationRunbook] = slo.RunbookURL
	}
	for key, v := range map[string]any{annotationAlerting: slo.Alerting, annotationMaintenance: slo.Maintenance} {
		text, err := configYAML(v)
		if err != nil {
			return nil, err
		}
		if text != "" {
			meta.Annotations[key] = text
		}
	}
	service := slo.Service
	if service == "" {
		service = allServices
	}
	spec := osloSLOSpec{Description: slo.Description, Service: service, BudgetingMethod: openSLOBudgeting[slo.BudgetingMethod]}
	tw, err := exportWindow(slo.Window)
	if err != nil {
		return nil, err
	}
	spec.TimeWindow = []osloTimeWindow{tw}
	target := percentToRatio(slo.Objective)
	obj := osloObjective{Target: &target}
	if slo.BudgetingMethod != budgetingOccurrences {
		if obj.TimeSliceWindow, err = shorthand(slo.Timeslice.Duration); err != nil {
			return nil, fmt.Errorf("timeslice.duration: %w", err)
		}
		if slo.BudgetingMethod == budgetingTimeslices {
			obj.TimeSliceTarget = &slo.Timeslice.Target
		}
	}
	sli := osloSLI{Metadata: osloMeta{Name: name + "-sli"}}
	if source == OpenSLOSourcePrometheus {
		sli.Spec.RatioMetric = prometheusRatio(slo, cr.ID)
	} else {
		sli.Spec, obj = spanSLI(slo, obj)
	}
	spec.Indicator = &sli
	spec.Objectives = []osloObjective{obj}
	policies, err := exportAlerts(slo, name)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		if p.Kind == "AlertPolicy" {
			spec.AlertPolicies = append(spec.AlertPolicies, osloPolicyRef{AlertPolicyRef: p.Metadata.Name})
		}
	}
	if len(meta.Annotations) == 0 {
		meta.Annotations = nil
	}
	return append([]osloDoc{{APIVersion: openSLOVersion, Kind: "SLO", Metadata: meta, Spec: spec}}, policies...), nil
}

// spanSLI is the SLI as the connector computes it from spans.
func spanSLI(slo SLO, obj osloObjective) (osloSLISpec, osloObjective) {
	total := map[string]any{"valid": slo.SLI.Valid}
	if slo.SLI.Exclude != "" {
		total["exclude"] = slo.SLI.Exclude
	}
	if len(slo.GroupBy) > 0 {
		total["group_by"] = slo.GroupBy
	}
	src := func(spec map[string]any) *osloMetric {
		return &osloMetric{MetricSource: osloMetricSource{Type: metricSourceType, Spec: spec}}
	}
	if l := slo.SLI.Latency; l != nil {
		total["metric"] = spanDurationMetric
		total["unit"] = "s"
		if l.ErrorsAreBad {
			total["errors_are_bad"] = true
		}
		seconds := l.Threshold.Seconds()
		obj.Op, obj.Value = "lte", &seconds
		return osloSLISpec{ThresholdMetric: src(total)}, obj
	}
	ratio := &osloRatioMetric{Counter: true, Total: src(total)}
	if slo.SLI.Good != "" {
		ratio.Good = src(map[string]any{"good": slo.SLI.Good})
	} else {
		ratio.Bad = src(map[string]any{"bad": slo.SLI.Bad})
	}
	return osloSLISpec{RatioMetric: ratio}, obj
}

// prometheusRatio points at the connector's own counters, so any OpenSLO reader computes the
// SLI the connector computes (latency SLOs included: their good and bad are counted exactly).
func prometheusRatio(slo SLO, connector string) *osloRatioMetric {
	sel := fmt.Sprintf("slo_name=%q", slo.Name)
	if connector != "" {
		sel += fmt.Sprintf(",slo_connector=%q", connector)
	}
	query := func(outcome string) *osloMetric {
		q := fmt.Sprintf("sum(slo_events_total{%s})", sel)
		if outcome != "" {
			q = fmt.Sprintf("sum(slo_events_total{%s,slo_outcome=%q})", sel, outcome)
		}
		return &osloMetric{MetricSource: osloMetricSource{Type: "Prometheus", Spec: map[string]any{"query": q}}}
	}
	return &osloRatioMetric{Counter: true, Good: query("good"), Total: query("")}
}

func exportWindow(w Window) (osloTimeWindow, error) {
	if w.Calendar == "" {
		d, err := shorthand(time.Duration(w.Rolling))
		if err != nil {
			return osloTimeWindow{}, fmt.Errorf("window.rolling: %w", err)
		}
		return osloTimeWindow{Duration: d, IsRolling: true}, nil
	}
	d := openSLOCalendar[w.Calendar]
	// 1 January 2024 was a Monday, the first day of a week, a month and a quarter.
	return osloTimeWindow{Duration: d, Calendar: &osloCalendar{StartTime: "2024-01-01 00:00:00", TimeZone: w.Timezone}}, nil
}

// openSLOBudgeting and openSLOCalendar name the connector's budgeting methods and calendar
// periods in OpenSLO, both ways.
var (
	openSLOBudgeting = map[string]string{budgetingOccurrences: "Occurrences", budgetingTimeslices: "Timeslices", budgetingRatioTimeslices: "RatioTimeslices"}
	openSLOCalendar  = map[string]string{"week": "1w", "month": "1M", "quarter": "1Q"}
)

// fromOpenSLO is the connector's key for an OpenSLO value of table, "" when there is none.
func fromOpenSLO(table map[string]string, value string) string {
	for k, v := range table {
		if v == value {
			return k
		}
	}
	return ""
}

// exportAlerts writes each tier as two conditions, one per window, each in its own policy.
func exportAlerts(slo SLO, name string) ([]osloDoc, error) {
	spec, err := slo.spec(0)
	if err != nil {
		return nil, err
	}
	var docs []osloDoc
	for _, tier := range spec.Tiers {
		factor := spec.BurnFactor(tier, time.Now())
		prefix := strings.ToLower(fmt.Sprintf("%s-%s-%s-%s", name, tier.Severity, tier.Short, tier.Long))
		for _, w := range []struct{ this, other string }{{tier.Long, tier.Short}, {tier.Short, tier.Long}} {
			n := prefix + "-" + strings.ToLower(w.this)
			desc := fmt.Sprintf("%s tier %s/%s of SLO %s: the burn rate over %s exceeds %s; the tier fires only while %s-%s does too (OpenSLO holds one condition per policy).",
				tier.Severity, tier.Short, tier.Long, slo.Name, w.this, strconv.FormatFloat(factor, 'g', 6, 64), prefix, strings.ToLower(w.other))
			docs = append(docs,
				osloDoc{APIVersion: openSLOVersion, Kind: "AlertCondition", Metadata: osloMeta{Name: n},
					Spec: osloAlertConditionSpec{Description: desc, Severity: tier.Severity,
						Condition: osloCondition{Kind: "burnrate", Op: "gt", Threshold: factor, LookbackWindow: w.this}}},
				osloDoc{APIVersion: openSLOVersion, Kind: "AlertPolicy", Metadata: osloMeta{Name: n},
					Spec: osloAlertPolicySpec{Description: desc, AlertWhenBreaching: true,
						Conditions: []map[string]string{{"conditionRef": n}}, NotificationTargets: []map[string]string{{"targetRef": notificationTarget}}}})
		}
	}
	return docs, nil
}

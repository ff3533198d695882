package sloconnector

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// OpenSLOFile is one file of OpenSLO documents.
type OpenSLOFile struct {
	Name string
	Data []byte
}

type osloInDoc struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   osloMeta  `yaml:"metadata"`
	Spec       yaml.Node `yaml:"spec"`
}

type osloImport struct {
	where       string // "file.yaml document 2 (SLO name)"
	sources     map[string]string
	slis        map[string]osloSLISpec
	doc         osloInDoc
	spec        osloSLOSpec
	annotations map[string]string
}

// FromOpenSLO turns the OpenSLO v1 SLOs of files into slo connector SLOs. An SLI the connector
// can compute from spans is a metricSource of type otelcol-sre (OTTL conditions, or the span's
// duration against the objective's value); anything else is refused with the document, the
// field and the reason. Each objective becomes an SLO; a composite SLO is refused.
func FromOpenSLO(files ...OpenSLOFile) ([]SLO, error) {
	var all []osloImport
	sources := map[string]string{} // DataSource name → type
	slis := map[string]osloSLISpec{}
	for _, f := range files {
		dec := yaml.NewDecoder(bytes.NewReader(f.Data))
		for n := 1; ; n++ {
			var doc osloInDoc
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			where := fmt.Sprintf("%s document %d", f.Name, n)
			if err != nil {
				return nil, fmt.Errorf("%s: not YAML: %w", where, err)
			}
			if doc.APIVersion != openSLOVersion {
				return nil, fmt.Errorf("%s: apiVersion %q: only %s is read", where, doc.APIVersion, openSLOVersion)
			}
			where = fmt.Sprintf("%s (%s %s)", where, doc.Kind, doc.Metadata.Name)
			switch doc.Kind {
			case "DataSource":
				var ds struct {
					Type string `yaml:"type"`
				}
				if err := doc.Spec.Decode(&ds); err != nil {
					return nil, fmt.Errorf("%s: spec: %w", where, err)
				}
				sources[doc.Metadata.Name] = ds.Type
			case "SLI":
				var sli osloSLISpec
				if err := doc.Spec.Decode(&sli); err != nil {
					return nil, fmt.Errorf("%s: spec: %w", where, err)
				}
				slis[doc.Metadata.Name] = sli
			case "SLO":
				imp := osloImport{where: where, doc: doc, annotations: doc.Metadata.Annotations}
				if err := doc.Spec.Decode(&imp.spec); err != nil {
					return nil, fmt.Errorf("%s: spec: %w", where, err)
				}
				all = append(all, imp)
			}
		}
	}
	if len(all) == 0 {
		return nil, errors.New("no OpenSLO v1 SLO in the files")
	}
	var out []SLO
	for _, imp := range all {
		imp.sources, imp.slis = sources, slis
		slos, err := imp.convert()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", imp.where, err)
		}
		out = append(out, slos...)
	}
	return out, nil
}

func (imp *osloImport) convert() ([]SLO, error) {
	spec := imp.spec
	for i, obj := range spec.Objectives {
		if obj.Indicator != nil || obj.IndicatorRef != "" {
			return nil, fmt.Errorf("spec.objectives[%d]: a composite SLO (an indicator per objective) is refused: the connector judges each span by one SLI per SLO; write one SLO per indicator", i)
		}
	}
	base := SLO{Name: imp.doc.Metadata.Name, Description: spec.Description, RunbookURL: imp.annotations[annotationRunbook]}
	if n := imp.annotations[annotationName]; n != "" {
		base.Name = n
	}
	if spec.Service != allServices {
		base.Service = spec.Service
	}
	if err := imp.labels(&base); err != nil {
		return nil, err
	}
	if err := decodeConfigYAML(imp.annotations[annotationAlerting], &base.Alerting); err != nil {
		return nil, fmt.Errorf("metadata.annotations[%s]: %w", annotationAlerting, err)
	}
	if err := decodeConfigYAML(imp.annotations[annotationMaintenance], &base.Maintenance); err != nil {
		return nil, fmt.Errorf("metadata.annotations[%s]: %w", annotationMaintenance, err)
	}
	if len(spec.TimeWindow) != 1 {
		return nil, fmt.Errorf("spec.timeWindow: %d items; OpenSLO allows exactly one", len(spec.TimeWindow))
	}
	w, err := importWindow(spec.TimeWindow[0])
	if err != nil {
		return nil, fmt.Errorf("spec.timeWindow[0].%w", err)
	}
	base.Window = w
	if base.BudgetingMethod = fromOpenSLO(openSLOBudgeting, spec.BudgetingMethod); base.BudgetingMethod == "" {
		return nil, fmt.Errorf("spec.budgetingMethod: %q must be Occurrences, Timeslices or RatioTimeslices", spec.BudgetingMethod)
	}
	sli, field := spec.Indicator, "spec.indicator"
	if sli == nil {
		ref, ok := imp.slis[spec.IndicatorRef]
		if !ok {
			if spec.IndicatorRef == "" {
				return nil, errors.New("spec: neither indicator nor indicatorRef is set")
			}
			return nil, fmt.Errorf("spec.indicatorRef: no SLI %q in the files", spec.IndicatorRef)
		}
		sli, field = &osloSLI{Spec: ref}, "SLI "+spec.IndicatorRef
	}
	if len(spec.Objectives) == 0 {
		return nil, errors.New("spec.objectives: at least one objective is required")
	}
	var out []SLO
	for i, obj := range spec.Objectives {
		path := fmt.Sprintf("spec.objectives[%d]", i)
		slo := base
		if len(spec.Objectives) > 1 {
			suffix := openSLOName(obj.DisplayName)
			if suffix == "" {
				suffix = fmt.Sprint(i)
			}
			slo.Name = base.Name + "-" + suffix
		}
		if err := imp.objective(&slo, obj, path); err != nil {
			return nil, err
		}
		if err := imp.indicator(&slo, sli.Spec, obj, field+".spec", path); err != nil {
			return nil, err
		}
		out = append(out, slo)
	}
	return out, nil
}

func (imp *osloImport) labels(slo *SLO) error {
	for k, v := range imp.doc.Metadata.Labels {
		if slo.Labels == nil {
			slo.Labels = map[string]string{}
		}
		switch x := v.(type) {
		case string:
			slo.Labels[k] = x
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i] = fmt.Sprint(p)
			}
			slo.Labels[k] = strings.Join(parts, ",") // a Prometheus label holds one value
		default:
			return fmt.Errorf("metadata.labels[%s]: %v is neither a string nor a list of strings", k, v)
		}
	}
	return nil
}

func (imp *osloImport) objective(slo *SLO, obj osloObjective, path string) error {
	switch {
	case obj.Target != nil && obj.TargetPercent != nil:
		return fmt.Errorf("%s: set target or targetPercent, not both", path)
	case obj.Target != nil:
		slo.Objective = ratioToPercent(*obj.Target)
	case obj.TargetPercent != nil:
		slo.Objective = *obj.TargetPercent
	default:
		return fmt.Errorf("%s: target or targetPercent is required", path)
	}
	if slo.BudgetingMethod == budgetingOccurrences {
		return nil
	}
	d, err := parseShorthand(obj.TimeSliceWindow, true)
	if err != nil {
		return fmt.Errorf("%s.timeSliceWindow: %w", path, err)
	}
	slo.Timeslice.Duration = d
	if slo.BudgetingMethod == budgetingTimeslices {
		if obj.TimeSliceTarget == nil {
			return fmt.Errorf("%s.timeSliceTarget: required with budgetingMethod Timeslices", path)
		}
		slo.Timeslice.Target = *obj.TimeSliceTarget
	}
	return nil
}

// indicator maps a span-computable SLI onto sli; every other is refused with its reason.
func (imp *osloImport) indicator(slo *SLO, sli osloSLISpec, obj osloObjective, field, path string) error {
	switch {
	case sli.ThresholdMetric != nil:
		spec, err := imp.spanSource(sli.ThresholdMetric, field+".thresholdMetric")
		if err != nil {
			return err
		}
		if m := str(spec["metric"]); m != spanDurationMetric {
			return fmt.Errorf("%s.thresholdMetric.metricSource.spec.metric: %q: the connector thresholds only %s, the span's own duration", field, m, spanDurationMetric)
		}
		if obj.Value == nil || !(*obj.Value > 0) || math.IsInf(*obj.Value, 0) {
			return fmt.Errorf("%s.value: a positive latency threshold is required", path)
		}
		unit := map[string]time.Duration{"": time.Second, "s": time.Second, "ms": time.Millisecond, "us": time.Microsecond}[str(spec["unit"])]
		if unit == 0 {
			return fmt.Errorf("%s.thresholdMetric.metricSource.spec.unit: %q must be s, ms or us", field, str(spec["unit"]))
		}
		threshold := time.Duration(math.Round(*obj.Value * float64(unit)))
		switch obj.Op {
		case "lte":
		case "lt":
			threshold-- // durations are whole nanoseconds: < X is ≤ X − 1ns
		default:
			return fmt.Errorf("%s.op: %q: a latency SLO counts spans at or under the threshold as good, so op must be lte or lt", path, obj.Op)
		}
		errorsAreBad, _ := spec["errors_are_bad"].(bool)
		slo.SLI.Latency = &Latency{Threshold: threshold, ErrorsAreBad: errorsAreBad}
		return imp.totalFields(slo, spec)
	case sli.RatioMetric != nil:
		r := sli.RatioMetric
		f := field + ".ratioMetric"
		if r.Raw != nil {
			return fmt.Errorf("%s.raw: a precomputed ratio is a metric, not spans; the connector needs good or bad and total", f)
		}
		if r.Total == nil || (r.Good == nil) == (r.Bad == nil) {
			return fmt.Errorf("%s: needs total and exactly one of good and bad", f)
		}
		total, err := imp.spanSource(r.Total, f+".total")
		if err != nil {
			return err
		}
		if r.Good != nil {
			good, err := imp.spanSource(r.Good, f+".good")
			if err != nil {
				return err
			}
			if slo.SLI.Good = str(good["good"]); slo.SLI.Good == "" {
				return fmt.Errorf("%s.good.metricSource.spec.good: an OTTL condition for good spans is required", f)
			}
		} else {
			bad, err := imp.spanSource(r.Bad, f+".bad")
			if err != nil {
				return err
			}
			if slo.SLI.Bad = str(bad["bad"]); slo.SLI.Bad == "" {
				return fmt.Errorf("%s.bad.metricSource.spec.bad: an OTTL condition for bad spans is required", f)
			}
		}
		return imp.totalFields(slo, total)
	}
	return fmt.Errorf("%s: neither thresholdMetric nor ratioMetric", field)
}

// totalFields reads what selects and splits the valid events.
func (imp *osloImport) totalFields(slo *SLO, spec map[string]any) error {
	slo.SLI.Valid, slo.SLI.Exclude = str(spec["valid"]), str(spec["exclude"])
	if g, ok := spec["group_by"]; ok {
		list, ok := g.([]any)
		if !ok {
			return fmt.Errorf("metricSource.spec.group_by: %v is not a list of attribute keys", g)
		}
		for _, k := range list {
			slo.GroupBy = append(slo.GroupBy, fmt.Sprint(k))
		}
	}
	return nil
}

// spanSource returns the metricSource spec when it is one the connector computes from spans.
func (imp *osloImport) spanSource(m *osloMetric, field string) (map[string]any, error) {
	src := m.MetricSource
	typ := src.Type
	if typ == "" && src.MetricSourceRef != "" {
		typ = imp.sources[src.MetricSourceRef]
	}
	if typ != metricSourceType {
		return nil, fmt.Errorf("%s.metricSource.type: %q: a span gateway computes SLIs from the spans it receives, and this SLI is a query over data the collector never sees; use type %s with OTTL conditions (valid, good or bad) or span.duration",
			field, typ, metricSourceType)
	}
	return src.Spec, nil
}

func importWindow(tw osloTimeWindow) (Window, error) {
	if tw.IsRolling {
		if tw.Calendar != nil {
			return Window{}, errors.New("calendar: a rolling window has no calendar")
		}
		d, err := parseShorthand(tw.Duration, false)
		if err != nil {
			return Window{}, fmt.Errorf("duration: %w", err)
		}
		return Window{Rolling: Duration(d)}, nil
	}
	kind := fromOpenSLO(openSLOCalendar, tw.Duration)
	if kind == "" {
		return Window{}, fmt.Errorf("duration: %q: calendar periods are 1w, 1M or 1Q", tw.Duration)
	}
	w := Window{Calendar: kind, Timezone: "UTC"}
	if tw.Calendar == nil {
		return w, nil
	}
	if tw.Calendar.TimeZone != "" {
		w.Timezone = tw.Calendar.TimeZone
	}
	if tw.Calendar.StartTime != "" {
		start, err := time.Parse(time.DateTime, tw.Calendar.StartTime)
		if err != nil {
			return Window{}, fmt.Errorf("calendar.startTime: %q is not YYYY-MM-DD hh:mm:ss", tw.Calendar.StartTime)
		}
		aligned := start.Hour() == 0 && start.Minute() == 0 && start.Second() == 0
		switch kind {
		case "week":
			aligned = aligned && start.Weekday() == time.Monday
		case "month":
			aligned = aligned && start.Day() == 1
		case "quarter":
			aligned = aligned && start.Day() == 1 && (start.Month()-1)%3 == 0
		}
		if !aligned {
			return Window{}, fmt.Errorf("calendar.startTime: %s: the connector's %ss start at midnight on a %s", tw.Calendar.StartTime, kind,
				map[string]string{"week": "Monday", "month": "month's first day", "quarter": "quarter's first day"}[kind])
		}
	}
	return w, nil
}

// parseShorthand reads an OpenSLO duration-shorthand (a bare number is minutes where allowed).
func parseShorthand(s string, bareMinutes bool) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("required")
	}
	unit := s[len(s)-1]
	n, num := 0, s[:len(s)-1]
	if unit >= '0' && unit <= '9' && bareMinutes {
		unit, num = 'm', s
	}
	if _, err := fmt.Sscanf(num, "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != num {
		return 0, fmt.Errorf("%q is not a positive duration-shorthand (e.g. 30d, 1h)", s)
	}
	d := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[unit]
	if d == 0 {
		return 0, fmt.Errorf("%q: a rolling month, quarter or year has no fixed length (OpenSLO#267); write days, or use a calendar window", s)
	}
	return time.Duration(n) * d, nil
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

package sloconnector

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // calendar windows must resolve IANA zones even in a scratch image

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/rules"
	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
)

var sloName = regexp.MustCompile(`^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$|^[A-Za-z0-9]$`)

// Validate implements confmap's Validator: each error names the field path and the bad value.
func (c *Config) Validate() error {
	if c.rawErr != nil {
		return c.rawErr
	}
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.EmitInterval <= 0 {
		add("emit_interval: %v must be positive", c.EmitInterval)
	}
	if c.MaxLateness < 0 {
		add("max_lateness: %v must not be negative", c.MaxLateness)
	}
	if c.MaxLateness > maxLatenessLimit {
		add("max_lateness: %v must be at most %v: the finest window ring holds %v, so a later span could not be placed in any window", c.MaxLateness, maxLatenessLimit, maxLatenessLimit)
	}
	if c.CardinalityLimit <= 0 {
		add("cardinality_limit: %d must be positive", c.CardinalityLimit)
	}
	if c.MaxLabelLength < label.MinMaxLength {
		add("max_label_length: %d must be at least %d, to leave room for a readable start beside the hash", c.MaxLabelLength, label.MinMaxLength)
	}
	if c.Topology != topologySingleWriter && c.Topology != topologySharded {
		add("topology: %q must be %s or %s", c.Topology, topologySingleWriter, topologySharded)
	}
	if c.SamplingWeight != weightAdjustedCount && c.SamplingWeight != weightNone {
		add("sampling_weight: %q must be %s or %s", c.SamplingWeight, weightAdjustedCount, weightNone)
	}
	if c.Storage != nil && c.CheckpointInterval <= 0 {
		add("checkpoint_interval: %v must be positive when storage is set", c.CheckpointInterval)
	}
	switch c.AlertSource {
	case "", alertSourceAuto, alertSourceConnector, alertSourceRules:
	default:
		add("alert_source: %q must be %s, %s or %s", c.AlertSource, alertSourceAuto, alertSourceConnector, alertSourceRules)
	}
	if c.AlertSource == alertSourceConnector && c.Topology == topologySharded {
		add("alert_source: %s needs topology %s: a sharded replica has no alert state of its own; use %s", alertSourceConnector, topologySingleWriter, alertSourceRules)
	}
	if c.RulesFile != "" {
		if err := checkWritableDir(c.RulesFile); err != nil {
			add("rules_file: %q: %v", c.RulesFile, err)
		}
	}
	if c.IncidentsDir != "" {
		if info, err := os.Stat(c.IncidentsDir); err == nil && !info.IsDir() {
			add("incidents_dir: %q is a file, not a directory", c.IncidentsDir)
		}
	}
	if c.MergeWindow < 0 || c.MergeWindow > 24*time.Hour {
		add("merge_window: %v must be between 0s and 24h", c.MergeWindow)
	}
	if h := c.History; h.MinutePoints < 0 || h.MinutePoints > 100_000 || h.HourPoints < 0 || h.HourPoints > 100_000 || h.MaxSeries < 0 || h.MaxSeries > 1_000_000 {
		add("history: minute_points %d and hour_points %d must be between 0 and 100000, max_series %d between 0 and 1000000", h.MinutePoints, h.HourPoints, h.MaxSeries)
	}
	if err := c.Incidents.validate(); err != nil {
		errs = append(errs, err)
	}
	if len(c.SLOs) == 0 {
		add("slos: at least one SLO is required")
	}
	names := make([]string, len(c.SLOs))
	for i, slo := range c.SLOs {
		names[i] = slo.Name
	}
	for i, w := range c.Maintenance {
		if _, err := w.compile(true); err != nil {
			add("maintenance[%d].%w", i, err)
		}
		for _, name := range w.SLOs {
			if !slices.Contains(names, name) {
				add("maintenance[%d].slos: %q is not an SLO of this connector (SLOs: %s)", i, name, strings.Join(names, ", "))
			}
		}
		for _, svc := range w.Services {
			if svc == "" {
				add("maintenance[%d].services: a service name must not be empty", i)
			}
		}
	}
	seen := map[string]int{}
	for i := range c.SLOs {
		slo := &c.SLOs[i]
		path := fmt.Sprintf("slos[%d] (%s)", i, slo.Name)
		if j, dup := seen[slo.Name]; dup {
			add("%s.name: duplicate of slos[%d]", path, j)
		}
		seen[slo.Name] = i
		if err := slo.validate(c); err != nil {
			add("%s.%w", path, err)
		}
	}
	return errors.Join(errs...)
}

func (s *SLO) validate(c *Config) error {
	if !sloName.MatchString(s.Name) {
		return fmt.Errorf("name: %q must match %s", s.Name, sloName)
	}
	if s.Objective == 1 {
		return fmt.Errorf("objective: 1 is a ratio of 100 %%, which leaves no error budget; objectives are percentages, e.g. 99.9")
	}
	if s.Objective > 0 && s.Objective < 1 {
		return fmt.Errorf("objective: %v is a ratio, but objectives are percentages: did you mean %v?", s.Objective, ratioToPercent(s.Objective))
	}
	if !(s.Objective > 0 && s.Objective < 100) {
		return fmt.Errorf("objective: %v must be a percentage strictly between 0 and 100, e.g. 99.9", s.Objective)
	}
	if _, err := s.period(); err != nil {
		return err
	}
	switch s.BudgetingMethod {
	case budgetingOccurrences:
	case budgetingTimeslices, budgetingRatioTimeslices:
		if s.Timeslice.Duration < time.Minute || s.Timeslice.Duration%time.Minute != 0 || s.Timeslice.Duration > time.Hour {
			return fmt.Errorf("timeslice.duration: %v must be whole minutes between 1m and 1h", s.Timeslice.Duration)
		}
		if s.BudgetingMethod == budgetingTimeslices && !(s.Timeslice.Target > 0 && s.Timeslice.Target <= 1) {
			return fmt.Errorf("timeslice.target: %v must be a ratio in (0, 1]", s.Timeslice.Target)
		}
		if c.Topology == topologySharded {
			return fmt.Errorf("budgeting_method: %s needs topology %s: a slice's verdict needs every replica's counts", s.BudgetingMethod, topologySingleWriter)
		}
		if c.AlertSource == alertSourceRules {
			return fmt.Errorf("budgeting_method: %s needs alert_source connector or auto: the rules see slices, not the events min_valid_events counts", s.BudgetingMethod)
		}
	default:
		return fmt.Errorf("budgeting_method: %q must be %s, %s or %s", s.BudgetingMethod, budgetingOccurrences, budgetingTimeslices, budgetingRatioTimeslices)
	}
	set := 0
	for _, v := range []bool{s.SLI.Good != "", s.SLI.Bad != "", s.SLI.Latency != nil} {
		if v {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("sli: exactly one of good, bad, latency must be set (%d are)", set)
	}
	if s.SLI.Latency != nil && s.SLI.Latency.Threshold <= 0 {
		return fmt.Errorf("sli.latency.threshold: %v must be positive", s.SLI.Latency.Threshold)
	}
	if _, err := compileSLI(s.SLI); err != nil {
		return err
	}
	for i, w := range s.Maintenance {
		if _, err := w.compile(false); err != nil {
			return fmt.Errorf("maintenance[%d].%w", i, err)
		}
	}
	if len(s.Maintenance) > maxWindowsPerSLO {
		return fmt.Errorf("maintenance: %d windows, at most %d", len(s.Maintenance), maxWindowsPerSLO)
	}
	seenKey := map[string]bool{}     // attribute keys
	seenLabel := map[string]string{} // their Prometheus names: two keys must not share one
	for _, k := range []string{attrSLOName, attrService, attrOutcome, attrWindow, attrSeverity, attrOverflow, attrInstanceID, attrConnector} {
		seenLabel[promLabel(k)] = k
	}
	checkLabel := func(field, k string) error {
		l, err := rules.LabelName(k)
		if err != nil {
			return fmt.Errorf("%s: key %q has no Prometheus label name: %v", field, k, err)
		}
		if other, dup := seenLabel[l]; dup {
			return fmt.Errorf("%s: key %q becomes the Prometheus label %s, as %q does", field, k, l, other)
		}
		seenLabel[l] = k
		return nil
	}
	for i, k := range s.GroupBy {
		if k == "" || seenKey[k] {
			return fmt.Errorf("group_by[%d]: %q must be a non-empty, unique attribute key", i, k)
		}
		seenKey[k] = true
		if err := checkLabel(fmt.Sprintf("group_by[%d]", i), k); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		if k == "" || reservedAttributes[k] || seenKey[k] {
			return fmt.Errorf("labels: key %q is empty, reserved or also in group_by", k)
		}
		if err := checkLabel("labels", k); err != nil {
			return err
		}
	}
	switch s.Alerting.Profile {
	case profileGoogle, profileWeekly, profileTestSeconds:
	default:
		return fmt.Errorf("alerting.profile: %q must be %s, %s or %s", s.Alerting.Profile, profileGoogle, profileWeekly, profileTestSeconds)
	}
	if v := s.Alerting.minValidEvents(); v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("alerting.min_valid_events: %v must be a finite number ≥ 0", v)
	}
	if v := s.Alerting.confidence(); !(v >= 0 && v < 1) {
		return fmt.Errorf("alerting.confidence: %v must be in [0, 1) (0 turns the evidence guard off)", v)
	}
	if err := s.Alerting.validate(); err != nil {
		return err
	}
	if s.RunbookURL != "" {
		if u, err := url.Parse(s.RunbookURL); err != nil || !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("runbook_url: %q must be an absolute URL, e.g. https://runbooks.example.com/checkout", s.RunbookURL)
		}
	}
	spec, err := s.spec(c.MaxLateness)
	if err != nil {
		return err
	}
	longest := spec.Windows[len(spec.Windows)-1].Duration
	if spec.Period.Longest() < longest {
		return fmt.Errorf("window: period %s is shorter than the longest alert window (%s)", spec.Period, window.FormatDuration(longest))
	}
	return nil
}

// ratioToPercent multiplies by 100 without binary noise (0.995 × 100 = 99.49999999999999).
func ratioToPercent(ratio float64) float64 {
	return math.Round(ratio*1e12) / 1e10
}

// percentToRatio divides by 100 without the binary noise of a plain division
// (99.9 / 100 = 0.9990000000000001): both operands are made exact integers first.
func percentToRatio(percent float64) float64 {
	return math.Round(percent*1e10) / 1e12
}

var promLabelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// reservedAlertLabels are set by the generated rules themselves.
var reservedAlertLabels = map[string]bool{"alertname": true, "sloth_id": true, "sloth_service": true, "sloth_slo": true, "sloth_severity": true}

var promMetricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

func validateAlertMaps(path string, labels, annotations map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if !promLabelName.MatchString(k) || strings.HasPrefix(k, "__") || reservedAlertLabels[k] {
			return fmt.Errorf("%s.labels: key %q must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __) and not one the rules set (%s)", path, k, strings.Join(slices.Sorted(maps.Keys(reservedAlertLabels)), ", "))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		if !promLabelName.MatchString(k) {
			return fmt.Errorf("%s.annotations: key %q must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)", path, k)
		}
	}
	return nil
}

// checkWritableDir fails unless the file's directory exists and a file can be created in it,
// so a bad rules_file fails `validate` instead of stopping the collector at start.
func checkWritableDir(file string) error {
	dir := filepath.Dir(file)
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s does not exist: create it or point the setting elsewhere", dir)
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".slo-rules-probe-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %v", dir, errors.Unwrap(err))
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return nil
}

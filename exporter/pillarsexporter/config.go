package pillarsexporter

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
)

// Config of the pillars exporter: the standard confighttp server settings (endpoint, TLS,
// auth, …) next to the scoring settings.
type Config struct {
	HTTP     confighttp.ServerConfig `mapstructure:",squash"`
	Settings `mapstructure:",squash"`
}

// Settings are the scoring settings.
type Settings struct {
	// EvaluationInterval is how often scores are recomputed and published (default 1m).
	EvaluationInterval time.Duration `mapstructure:"evaluation_interval"`
	// Frameworks are the pillar sets scored: aws (6 pillars), azure (5), gcp (5); default all three.
	Frameworks []string `mapstructure:"frameworks"`
	// ServiceIdentity are the resource attributes that identify a service (default service.namespace,
	// service.name, deployment.environment.name); a partial identity joins the one fuller service it
	// agrees with.
	ServiceIdentity []string `mapstructure:"service_identity"`
	// Thresholds turn a score in [0, 1] into pass, warning or fail.
	Thresholds score.Thresholds `mapstructure:"thresholds"`
	// MinCoverage: below this share of its check weight with data, a pillar is insufficient_data
	// (default 0.5).
	MinCoverage float64 `mapstructure:"min_coverage"`
	// Dora selects the level table and how failures are attributed to deployments.
	Dora DoraConfig `mapstructure:"dora"`
	// Targets are what the built-in checks compare against.
	Targets TargetsConfig `mapstructure:"targets"`
	// Storage names a storage extension that keeps the DORA event history across restarts.
	Storage *component.ID `mapstructure:"storage"`
	// Checks override built-in checks by ID.
	Checks []CheckOverride `mapstructure:"checks"`
	// MaxServices bounds the service identities held at once: identities come from senders
	// (default 2000; each costs about 8 KiB of evidence and 16 KiB of published scorecard).
	// Services idle for ServiceTTL are evicted first; beyond the bound a new identity is not
	// scored (counted in the scorecard's limits) until room frees.
	MaxServices int `mapstructure:"max_services"`
	// MaxLabelLength bounds, in bytes, each identity value (service.name, …) taken from a
	// sender (default 256, at least 32): a longer one keeps its start and ends in "…" and a
	// hash of the whole value, so distinct values stay distinct; invalid UTF-8 becomes U+FFFD.
	MaxLabelLength int `mapstructure:"max_label_length"`
	// PageSize is the most services /scorecard.json and /scorecard render in one response,
	// worst first (default 100); ?offset= pages on and ?service= selects one service.
	PageSize int `mapstructure:"page_size"`
	// MaxMetricServices is the most services /metrics carries per-service series for, worst
	// first (default 100); the aggregates cover every service, and
	// wellarchitected_services_omitted says how many were left out.
	MaxMetricServices int `mapstructure:"max_metric_services"`
	// ServiceTTL evicts a service not seen for this long (default 24h).
	ServiceTTL time.Duration `mapstructure:"service_ttl"`
	// Window is what ratio and latency checks are measured over; below MinEvents in it a check
	// is insufficient_data.
	Window time.Duration `mapstructure:"window"`
	// MinEvents is the least weighted events in Window a ratio or latency check needs (default 100).
	MinEvents float64 `mapstructure:"min_events"`
	// Services match identity attributes and set a tier, targets, TLS termination and checks
	// that do not apply, per service.
	Services []ServiceProfile `mapstructure:"services"`
	// State names the sre_state extension whose incidents /incidents serves and DORA reads.
	State *component.ID `mapstructure:"state"`
	// TraceURL links exemplar traces in postmortem drafts: "{trace_id}" is replaced.
	TraceURL string `mapstructure:"trace_url"`
	// Standards projects the evidence onto NIST CSF 2.0, ISO 27001, FinOps, DORA and Google SRE.
	Standards StandardsConfig `mapstructure:"standards"`
}

// ServiceProfile is what an SRE knows about a service that its telemetry cannot show.
type ServiceProfile struct {
	// Match holds identity attribute values; a service matches when every one is equal.
	Match map[string]string `mapstructure:"match"`
	// Tier is shown with the service (e.g. critical).
	Tier           string `mapstructure:"tier"`
	TLSTermination string `mapstructure:"tls_termination"` // app, or edge/mesh (default): TLS is not visible in server spans
	// Targets override the global targets for this service.
	Targets TargetsConfig `mapstructure:"targets"`
	// NotApplicable takes checks out of this service's pillars, each with its reason.
	NotApplicable []NotApplicable `mapstructure:"not_applicable"`
}

// NotApplicable takes a check out of a service's pillars, with the reason shown.
type NotApplicable struct {
	// Check is the ID of a built-in check, e.g. security.tls.
	Check string `mapstructure:"check"`
	// Reason is shown where the check would be.
	Reason string `mapstructure:"reason"`
}

// DoraConfig selects the level table and how failures are attributed to deployments.
type DoraConfig struct {
	// Levels is the level table: dora2024 (default) or devlake2023.
	Levels string `mapstructure:"levels"`
	// AttributionWindow: a rollback or incident this soon after a deployment, and before the next one,
	// fails it (default 24h).
	AttributionWindow time.Duration `mapstructure:"attribution_window"`
	// Period is the window the four keys and alert noise are computed over (default 720h).
	Period time.Duration `mapstructure:"period"`
	// MinDeployments is the count before a DORA level is given.
	MinDeployments int `mapstructure:"min_deployments"`
}

// TargetsConfig holds the targets the built-in checks compare against; in services: entries,
// unset fields keep the global ones.
type TargetsConfig struct {
	// LatencyP95 is the p95 server latency target (default 300ms).
	LatencyP95 time.Duration `mapstructure:"latency_p95"`
	// KeepRatioMinSpansPerSecond: below this span rate the sampling keep ratio does not apply.
	KeepRatioMinSpansPerSecond float64 `mapstructure:"keep_ratio_min_spans_per_second"`
}

// CheckOverride changes a built-in check; unset fields keep the built-in values.
type CheckOverride struct {
	// ID names the built-in check, e.g. reliability.error_ratio.
	ID string `mapstructure:"id"`
	// Disabled takes the check out of every pillar.
	Disabled bool `mapstructure:"disabled"`
	// Weight replaces the check's weight in its pillar (positive).
	Weight *float64 `mapstructure:"weight"`
	// Key makes the check one whose failure fails its pillar, or not.
	Key *bool `mapstructure:"key"`
	// Good replaces the value that scores 1.
	Good *float64 `mapstructure:"good"`
	// Bad replaces the value that scores 0.
	Bad *float64 `mapstructure:"bad"`
}

// Validate implements confmap's Validator.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.EvaluationInterval <= 0 {
		add("evaluation_interval: %v must be positive", c.EvaluationInterval)
	}
	if len(c.Frameworks) == 0 {
		add("frameworks: at least one of aws, azure, gcp")
	}
	for i, f := range c.Frameworks {
		if err := score.ValidateFramework(f); err != nil {
			add("frameworks[%d]: %w", i, err)
		}
	}
	if len(c.ServiceIdentity) == 0 {
		add("service_identity: at least one resource attribute")
	}
	if c.MaxServices < 1 || c.MaxServices > 1_000_000 {
		add("max_services: %d must be between 1 and 1000000", c.MaxServices)
	}
	if c.MaxLabelLength < label.MinMaxLength {
		add("max_label_length: %d must be at least %d, to leave room for a readable start beside the hash", c.MaxLabelLength, label.MinMaxLength)
	}
	if c.PageSize < 1 || c.PageSize > 10_000 {
		add("page_size: %d must be between 1 and 10000", c.PageSize)
	}
	if c.MaxMetricServices < 0 || c.MaxMetricServices > c.MaxServices {
		add("max_metric_services: %d must be between 0 and max_services (%d)", c.MaxMetricServices, c.MaxServices)
	}
	if c.ServiceTTL < time.Minute {
		add("service_ttl: %v must be at least 1m", c.ServiceTTL)
	}
	// Identity attributes become Prometheus labels beside the gauges' own; two that map to one
	// label name would make the registry panic when the exporter is created.
	labelOf := map[string]string{"framework": "a gauge label", "pillar": "a gauge label", "status": "a gauge label",
		"check_id": "a gauge label", "level": "a gauge label", "table": "a gauge label"}
	for i, attr := range c.ServiceIdentity {
		label := promLabel(attr)
		if label == "" {
			add("service_identity[%d]: %q has no Prometheus label name", i, attr)
			continue
		}
		if prev, taken := labelOf[label]; taken {
			add("service_identity[%d]: %q becomes the Prometheus label %q, as %s does", i, attr, label, prev)
			continue
		}
		labelOf[label] = fmt.Sprintf("service_identity %q", attr)
	}
	if err := c.Standards.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Thresholds.Validate(); err != nil {
		errs = append(errs, err)
	}
	if !(c.MinCoverage >= 0 && c.MinCoverage <= 1) {
		add("min_coverage: %v must be in [0, 1]", c.MinCoverage)
	}
	if _, err := score.LookupLevelTable(c.Dora.Levels); err != nil {
		errs = append(errs, err)
	}
	if c.Dora.AttributionWindow <= 0 || c.Dora.Period <= 0 {
		add("dora: attribution_window (%v) and period (%v) must be positive", c.Dora.AttributionWindow, c.Dora.Period)
	}
	if c.Targets.LatencyP95 < time.Millisecond {
		add("targets.latency_p95: %v must be at least 1ms", c.Targets.LatencyP95)
	}
	if c.Targets.KeepRatioMinSpansPerSecond < 0 {
		add("targets.keep_ratio_min_spans_per_second: %v must not be negative", c.Targets.KeepRatioMinSpansPerSecond)
	}
	if c.Window < time.Minute || c.Window > 7*24*time.Hour {
		add("window: %v must be between 1m and 7d", c.Window)
	}
	if !(c.MinEvents >= 0 && c.MinEvents <= 1e9) {
		add("min_events: %v must be between 0 and 1e9", c.MinEvents)
	}
	if c.Dora.MinDeployments < 1 {
		add("dora.min_deployments: %d must be at least 1", c.Dora.MinDeployments)
	}
	known := map[string]score.Normaliser{}
	for _, d := range score.Registry(score.Targets{LatencyP95Ms: 1}) {
		known[string(d.ID)] = d.Norm
	}
	errs = append(errs, c.validateServices(known)...)
	for i, o := range c.Checks {
		norm, ok := known[o.ID]
		if !ok {
			add("checks[%d].id: %q is not a built-in check", i, o.ID)
			continue
		}
		if o.Weight != nil && !(*o.Weight > 0 && *o.Weight <= 1000) {
			add("checks[%d] (%s).weight: %v must be in (0, 1000]", i, o.ID, *o.Weight)
		}
		// The override is checked as it will be used: on top of the built-in parameters.
		if o.Good != nil {
			norm.Good = *o.Good
		}
		if o.Bad != nil {
			norm.Bad = *o.Bad
		}
		if err := norm.Validate(); err != nil {
			add("checks[%d] (%s) good/bad: %w", i, o.ID, err)
		}
		for _, v := range []*float64{o.Good, o.Bad} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				add("checks[%d] (%s): good and bad must be finite (%v)", i, o.ID, *v)
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Config) validateServices(known map[string]score.Normaliser) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	identity := map[string]bool{}
	for _, k := range c.ServiceIdentity {
		identity[k] = true
	}
	for i, sp := range c.Services {
		if len(sp.Match) == 0 {
			add("services[%d].match: at least one identity attribute", i)
		}
		for k := range sp.Match {
			if !identity[k] {
				add("services[%d].match: %q is not in service_identity %v", i, k, c.ServiceIdentity)
			}
		}
		switch sp.TLSTermination {
		case "", "app", "edge", "mesh":
		default:
			add("services[%d].tls_termination: %q must be app, edge or mesh", i, sp.TLSTermination)
		}
		if sp.Targets.LatencyP95 != 0 && sp.Targets.LatencyP95 < time.Millisecond {
			add("services[%d].targets.latency_p95: %v must be at least 1ms", i, sp.Targets.LatencyP95)
		}
		if sp.Targets.KeepRatioMinSpansPerSecond < 0 {
			add("services[%d].targets.keep_ratio_min_spans_per_second: %v must not be negative", i, sp.Targets.KeepRatioMinSpansPerSecond)
		}
		for j, na := range sp.NotApplicable {
			if _, ok := known[na.Check]; !ok {
				add("services[%d].not_applicable[%d].check: %q is not a built-in check", i, j, na.Check)
			}
			if strings.TrimSpace(na.Reason) == "" {
				add("services[%d].not_applicable[%d].reason: say why %s does not apply", i, j, na.Check)
			}
		}
	}
	return errs
}

// serverKeys is confighttp.ServerConfig without its methods: decoding into it checks the
// server's keys strictly without running the ServerConfig's own Unmarshal.
type serverKeys confighttp.ServerConfig

// Unmarshal lets confighttp decode the server settings its own way (it folds the keep-alive
// options and ignores sibling keys), then decodes the whole map strictly into the server's keys
// and the scoring settings, so a key that belongs to neither is rejected, as the collector
// does for every component.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if err := c.HTTP.Unmarshal(conf); err != nil {
		return err
	}
	strict := struct {
		HTTP     serverKeys `mapstructure:",squash"`
		Settings `mapstructure:",squash"`
	}{HTTP: serverKeys(c.HTTP), Settings: c.Settings}
	if err := conf.Unmarshal(&strict); err != nil {
		return err
	}
	c.Settings = strict.Settings
	return nil
}

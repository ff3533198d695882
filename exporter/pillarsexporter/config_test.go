package pillarsexporter

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/configtest"

	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

func load(t *testing.T, name string) (*Config, error) {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	return cfg, configtest.Load(t, metadata.Type, name, cfg)
}

func TestConfigs(t *testing.T) {
	cfg, err := load(t, "minimal")
	if err != nil || cfg.HTTP.NetAddr.Endpoint != "" || len(cfg.Frameworks) != 3 || cfg.Dora.Levels != "dora2024" {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = load(t, "full")
	if err != nil || cfg.Dora.Period != 7*24*time.Hour || cfg.Targets.LatencyP95 != 150*time.Millisecond || cfg.Thresholds.Pass != 0.8 ||
		cfg.Window != 30*time.Minute || cfg.MinEvents != 50 || len(cfg.Services) != 1 || cfg.Services[0].TLSTermination != "app" ||
		cfg.Services[0].Targets.LatencyP95 != 100*time.Millisecond || cfg.Services[0].NotApplicable[0].Reason != "internal only" {
		t.Fatalf("full: %+v %v", cfg, err)
	}
	// The server settings went through confighttp's own decoding, which folds keepalive.
	if cfg.HTTP.NetAddr.Endpoint != "127.0.0.1:9999" || cfg.HTTP.IdleTimeout != 45*time.Second || !cfg.HTTP.KeepAlivesEnabled {
		t.Fatalf("server settings: %+v", cfg.HTTP)
	}
	p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), time.Now)
	for _, d := range p.checksFor(score.Targets{LatencyP95Ms: 150}) {
		if d.ID == "cost.sampling_keep_ratio" {
			t.Error("disabled check still in the profile")
		}
		if d.ID == "security.tls" && (d.Weight != 5 || d.Key) {
			t.Errorf("override not applied: %+v", d)
		}
	}
	for name, want := range map[string]string{
		"unknown_check":  `checks[0].id: "security.firewall" is not a built-in check`,
		"bad_thresholds": "thresholds.warning: 0.9",
		"bad_framework":  `frameworks[1]: framework "oracle"`,
		"bad_levels":     `dora.levels: "dora1999"`,
		"unknown_key":    "evaluaton_interval",
		"bad_service":    `services[0].match: "host.name" is not in service_identity`,
	} {
		if _, err := load(t, name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, want)
		}
	}
}

func TestStandardsConfig(t *testing.T) {
	cfg, err := load(t, "standards")
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.Standards
	if len(sc.Frameworks) != 2 || sc.Pricing.CPUHour != 0.031 || sc.Pricing.Currency != "EUR" || len(sc.Budgets) != 2 ||
		sc.Teams["payments"][1] != "ledger" || sc.DetectionTarget != 10*time.Minute || sc.RecoveryConfirmation != 2*time.Hour ||
		sc.ManualTrigger.Attribute != "ci.trigger" || sc.ChangeIDAttribute != "vcs.change.id" || !sc.RequireChangeID {
		t.Fatalf("standards: %+v", sc)
	}
	ex := sc.exemptions()
	if len(ex) != 1 || !ex[0].Expires.Equal(time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)) || ex[0].Control != "8.13" {
		t.Errorf("exemptions %+v", ex)
	}
	_, err = load(t, "bad_standards")
	for _, want := range []string{
		`standards.frameworks[0]: framework "nist_csf_1_1"`,
		"standards.pricing.cpu_hour: -1 must be a finite price of at least 0",
		"standards.budgets[0].monthly: 0 must be a positive amount",
		"standards.detection_target (0s)",
		`standards.exemptions[0]: control "A.12.4.1" is not in ISO/IEC 27001:2022 Annex A`,
		"standards.exemptions[1]: control PR.PS-04: expires must be set",
		"standards.exemptions[2]: control PR.PS-04: reason must say why it is exempt",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad_standards: %v, want it to contain %q", err, want)
		}
	}
}

// Mistakes that used to pass validation and then panic the exporter or score NaN.
func TestConfigRefusesCollidingIdentityAndImpossibleOverrides(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for name, tc := range map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"identity collision": {func(c *Config) { c.ServiceIdentity = []string{"service.name", "service_name"} },
			`service_identity[1]: "service_name" becomes the Prometheus label "service_name", as service_identity "service.name" does`},
		"identity on a gauge label": {func(c *Config) { c.ServiceIdentity = []string{"service.name", "pillar"} },
			`service_identity[1]: "pillar" becomes the Prometheus label "pillar", as a gauge label does`},
		"loglinear bad below zero": {func(c *Config) {
			c.Checks = []CheckOverride{{ID: "cost.sampling_keep_ratio"}, {ID: firstCheckWith(c, "loglinear"), Bad: f(-5)}}
		}, "checks[1]"},
		"equal good and bad": {func(c *Config) { c.Checks = []CheckOverride{{ID: "security.tls", Good: f(0.9)}} },
			"checks[0] (security.tls) good/bad: good and bad thresholds must differ"},
		"infinite good": {func(c *Config) { c.Checks = []CheckOverride{{ID: "security.tls", Good: f(math.Inf(1))}} },
			"checks[0] (security.tls): good and bad must be finite"},
		"zero weight": {func(c *Config) { c.Checks = []CheckOverride{{ID: "security.tls", Weight: f(0)}} },
			"checks[0] (security.tls).weight: 0 must be in (0, 1000]"},
		"no services":   {func(c *Config) { c.MaxServices = 0 }, "max_services: 0 must be between 1 and 1000000"},
		"ttl too short": {func(c *Config) { c.ServiceTTL = time.Second }, "service_ttl: 1s must be at least 1m"},
	} {
		cfg := createDefaultConfig().(*Config)
		tc.mutate(cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, tc.want)
		}
	}
	ok := createDefaultConfig().(*Config)
	ok.ServiceIdentity = []string{"service.namespace", "service.name", "k8s.cluster.name"}
	ok.Checks = []CheckOverride{{ID: "security.tls", Good: f(0.95), Bad: f(0.5), Weight: f(1000)}}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid identity and override refused: %v", err)
	}
}

// firstCheckWith returns a built-in check normalised with method, so the test follows the profile.
func firstCheckWith(c *Config, method string) string {
	for _, d := range score.Registry(score.Targets{LatencyP95Ms: 1}) {
		if string(d.Norm.Method) == method {
			return string(d.ID)
		}
	}
	return "no such check"
}

func TestServiceProfilesAreValidatedWithTheirPath(t *testing.T) {
	_, err := load(t, "bad_service")
	for _, want := range []string{
		`services[0].match: "host.name" is not in service_identity`,
		`services[0].tls_termination: "lb" must be app, edge or mesh`,
		`services[0].not_applicable[0].check: "security.firewall" is not a built-in check`,
		`services[0].not_applicable[0].reason: say why security.firewall does not apply`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

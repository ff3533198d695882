//go:build integration

package integration

import _ "embed"

// The collector configurations of the integration tests, one file each under testdata/, so a
// reader can run one by hand: `otelcol-sre --config tests/integration/testdata/slo.yaml` with
// the ${env:...} endpoints set.
var (
	// The SLO counts every span; a second connector behind the sampler estimates the same SLO from
	// the sampled spans' adjusted counts, so the test can hold the estimate to the truth.
	//go:embed testdata/incidents.yaml
	incidentsTestConfig string

	//go:embed testdata/pillars.yaml
	pillarsTestConfig string

	// Traces, logs and metrics into pillars with the standards views priced; checkout's team
	// is payments.
	//go:embed testdata/standards.yaml
	standardsTestConfig string

	// The test profile scales every window 60× down (5m → 5s, 1h → 1m, 3d → 72m) and the period
	// with it (30d → 12h), so the burn factors are the production ones (14.4 for the 5m/1h page).
	//go:embed testdata/prometheus-rules.yaml
	rulesTestConfig string

	// test_seconds scales the slices with the windows: 1m, 5m and 1h slices last 1s, 5s and 60s.
	//go:embed testdata/prometheus-timeslices.yaml
	timesliceConfig string

	//go:embed testdata/replicas-tier1.yaml
	tier1Config string

	//go:embed testdata/replicas-tier2.yaml
	tier2Config string

	// A 4 MiB buffer (far below what the three scenarios send at once) so the budget forces early
	// decisions, then errors and children that arrive after their traces were decided. The slo
	// connector sits behind the sampler and re-weights what it is given.
	//go:embed testdata/sampling-bias.yaml
	samplingBiasConfig string

	// Two sre_sampling instances at a 0.01 % ratio, so a trace comes out only when a keep rule
	// holds (or, rarely, its randomness passes the ratio, which the test computes). The second
	// has errors.enabled: false. Rules: drop health checks, keep a VIP tenant.
	//go:embed testdata/sampling-rules.yaml
	samplingRulesConfig string

	//go:embed testdata/sampling.yaml
	samplingTestConfig string

	// guardrailConfig is a whole collector config whose one SLO is replaced per case.
	//go:embed testdata/slo-guardrails.yaml
	guardrailConfig string

	//go:embed testdata/slo.yaml
	sloTestConfig string
)

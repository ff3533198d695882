package score

import (
	"strings"
	"testing"
	"time"
)

var targets = Targets{LatencyP95Ms: 300, MinEvents: 100, KeepRatioMinSpansPerSecond: 10, MinDeployments: 3}

func measure(t *testing.T, id CheckID, e *Evidence) Measurement {
	t.Helper()
	d, ok := DefByID(Registry(targets), id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return d.Measure(e, targets)
}

// Every measure by hand, on one service's evidence.
func TestMeasuresByHand(t *testing.T) {
	e := &Evidence{
		WindowSeconds: 3600, Spans: 4000, Weight: 40_000, SampledSpans: 4000,
		ServerSpans: 10_000, ServerErrors: 25, AuthFailures: 300, SpansWithExceptions: 80, Bytes: 2_000_000,
		LatenciesMs:    []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 1000},
		ExternalClient: 50, ExternalTLS: 45,
		CPUUtilization: 1.2, CPUSamples: 4, CPUSource: "container.cpu.utilization",
		Dora:         Dora{Deployments: 4, PeriodDays: 2, LevelByKey: map[string]string{"lead_time": "high", "deployment_frequency": "elite"}, HasLeadTime: true, LeadTime: 30 * time.Hour},
		PagesPerWeek: 3.5, PagesSeen: true, ObservedDays: 2,
	}
	for _, tc := range []struct {
		id     CheckID
		value  float64
		events float64
	}{
		{CheckSuccessRatio, 9975.0 / 10000, 10_000}, // (10 000 − 25) ÷ 10 000
		{CheckExceptions, 80.0 / 10_000, 10_000},    // per server request
		{CheckLatencyP95, 190, 20},                  // nearest rank: ⌈0.95·20⌉ = 19th = 190
		{CheckTLS, 0.9, 50},                         // external calls only: 45 ÷ 50
		{CheckAuthFailures, 0.03, 10_000},           // 300 ÷ 10 000
		{CheckSpansPerRequest, 4, 10_000},           // 40 000 ÷ 10 000
		{CheckBytesPerRequest, 2000, 10_000},        // 2 MB × (40 000 ÷ 4 000) ÷ 10 000 requests
		{CheckSamplingKeepRatio, 0.1, 40_000},       // 4 000 ÷ 40 000 at 11.1 spans/s
		{CheckIdleCapacity, 0.3, 0},                 // 1.2 ÷ 4
		{CheckCPUUtilization, 0.3, 0},
		{CheckDeploymentFrequency, 4, 4}, // elite
		{CheckLeadTime, 3, 4},            // high
		{CheckAlertNoise, 3.5, 2},
	} {
		m := measure(t, tc.id, e)
		if !m.HasData || m.NotApplicable || !near(m.Value, tc.value) || m.Events != tc.events {
			t.Errorf("%s: %+v, want value %v over %v events", tc.id, m, tc.value, tc.events)
		}
	}
	if m := measure(t, CheckChangeFailureRate, e); m.HasData || !strings.Contains(m.Reason, "change_failure_rate") {
		t.Errorf("change failure rate without a level: %+v", m)
	}
	if m := measure(t, CheckErrorBudget, e); m.HasData || m.NotApplicable {
		t.Errorf("budget without an SLO must be insufficient data: %+v", m)
	}
}

// TLS is scored only where it can be seen; server spans count only with tls_termination: app.
func TestTLSNeedsEvidenceThatMeansIt(t *testing.T) {
	behindLB := &Evidence{ServerSpans: 10_000, ServerSpansForTLS: 10_000}
	if m := measure(t, CheckTLS, behindLB); !m.NotApplicable || !strings.Contains(m.Reason, "load balancer") {
		t.Errorf("plain HTTP behind a load balancer: %+v", m)
	}
	app := &Evidence{TLSTerminationApp: true, ServerSpansForTLS: 200, ServerTLS: 150, ExternalClient: 100, ExternalTLS: 100}
	if m := measure(t, CheckTLS, app); m.NotApplicable || !near(m.Value, 250.0/300) || m.Events != 300 {
		t.Errorf("tls_termination app: %+v", m)
	}
}

func TestKeepRatioOnlyAboveARate(t *testing.T) {
	quiet := &Evidence{WindowSeconds: 3600, Spans: 100, Weight: 100}
	if m := measure(t, CheckSamplingKeepRatio, quiet); !m.NotApplicable {
		t.Errorf("0.03 spans/s judged on sampling: %+v", m)
	}
}

func TestSuccessRatioGivesWayToTheBudget(t *testing.T) {
	e := &Evidence{ServerSpans: 1000, Budget: BudgetEvidence{Known: true, Remaining: 0.5, Source: "slo.error_budget.remaining"}}
	if m := measure(t, CheckSuccessRatio, e); !m.NotApplicable {
		t.Errorf("success ratio beside a budget: %+v", m)
	}
	if m := measure(t, CheckErrorBudget, e); !m.HasData || m.Value != 2 {
		t.Errorf("half the budget left is a pass: %+v", m)
	}
	if m := measure(t, CheckCPUUtilization, e); m.HasData || !strings.Contains(m.Reason, "identity") {
		t.Errorf("CPU without a service metric: %+v", m)
	}
	if m := measure(t, CheckAlertNoise, e); m.HasData {
		t.Errorf("alert noise without alert state: %+v", m)
	}
	if m := measure(t, CheckLatencyP95, e); m.HasData {
		t.Errorf("latency without spans: %+v", m)
	}
	if m := measure(t, CheckSpansPerRequest, &Evidence{}); m.HasData || m.Reason == "" {
		t.Errorf("ratio without requests: %+v", m)
	}
}

func TestBudgetPolicy(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    BudgetEvidence
		want float64
	}{
		{"half left, on track", BudgetEvidence{Remaining: 0.5}, 2},
		{"1 % left, on track", BudgetEvidence{Remaining: 0.01}, 2},
		{"projected to run out", BudgetEvidence{Remaining: 0.6, ExhaustsSoon: true}, 1},
		{"ticket alert", BudgetEvidence{Remaining: 0.9, TicketActive: true}, 1},
		{"page alert", BudgetEvidence{Remaining: 0.9, PageActive: true, TicketActive: true}, 0},
		{"exhausted", BudgetEvidence{Remaining: 0}, 0},
		{"overspent", BudgetEvidence{Remaining: -0.3}, 0},
	} {
		if v, why := BudgetVerdict(tc.b); v != tc.want || why == "" {
			t.Errorf("%s: %v (%s), want %v", tc.name, v, why, tc.want)
		}
	}
}

func TestRegistryIsComplete(t *testing.T) {
	seen := map[CheckID]bool{}
	for _, d := range Registry(targets) {
		if seen[d.ID] || d.Remediation == "" || d.Formula == "" || d.Refs.AWS == "" || d.Refs.Azure == "" || d.Refs.GCP == "" || d.Measure == nil {
			t.Errorf("%s: incomplete or duplicate", d.ID)
		}
		if err := d.Norm.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
		if !strings.HasPrefix(string(d.ID), map[string]string{Reliability: "reliability.", Security: "security.", CostOptimization: "cost.",
			PerformanceEfficiency: "performance.", OperationalExcellence: "operations.", Sustainability: "sustainability."}[d.Pillar]) {
			t.Errorf("%s sits in %s", d.ID, d.Pillar)
		}
		seen[d.ID] = true
	}
	if len(seen) != 16 {
		t.Errorf("%d checks", len(seen))
	}
	if _, ok := DefByID(Registry(targets), "nope"); ok {
		t.Error("unknown id found")
	}
	if d, _ := DefByID(Registry(targets), CheckTLS); d.Key {
		t.Error("TLS must never be a key check")
	}
}

func TestPillarEvidenceRules(t *testing.T) {
	checks := []Check{
		{ID: "a", Weight: 2, Key: true, Normalise: Normaliser{Method: Verdict}, Value: 0, HasData: true}, // fail, key: high risk
		{ID: "b", Weight: 1, Normalise: Normaliser{Method: Verdict}, Value: 1, HasData: true},            // warning: medium
		{ID: "c", Weight: 1, Normalise: Normaliser{Method: Ratio}, Value: 0.95, HasData: true, Events: 99, MinEvents: 100},
		{ID: "d", Weight: 5, Normalise: Normaliser{Method: Ratio}, NotApplicable: true, Reason: "n/a"},
		{ID: "e", Weight: 1, Normalise: Normaliser{Method: Ratio}, Value: 0.5, HasData: true, Events: 100, MinEvents: 100}, // fail, not key: medium
	}
	p := ScorePillar("x", checks, th, 0.5)
	// Applicable weight 2+1+1+1 = 5; covered a, b, e = 4 → coverage 0.8. Score 100·(0 + 0.5 + 0.5)/4 = 25.
	if !near(p.Coverage, 0.8) || !near(p.Score, 25) || p.Status != Fail || p.HighRisk != 1 || p.MediumRisk != 2 {
		t.Fatalf("pillar %+v", p)
	}
	results := map[string]CheckResult{}
	for _, c := range p.Checks {
		results[c.ID] = c
	}
	if results["c"].Result != InsufficientData || !strings.Contains(results["c"].Reason, "99 events") || !strings.Contains(results["c"].Reason, "100 needed") {
		t.Errorf("below min_events: %+v", results["c"])
	}
	if results["d"].Result != NotApplicable || results["b"].Result != Warning || results["a"].Result != Fail || results["e"].Result != Fail {
		t.Errorf("results %+v", results)
	}
	// Without enough evidence nothing passes or fails.
	only := ScorePillar("y", []Check{checks[2], checks[3]}, th, 0.5)
	if only.Status != InsufficientData || only.HighRisk+only.MediumRisk != 0 {
		t.Errorf("no evidence: %+v", only)
	}
}

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// Each verdict the rollout showed wrong, on both sides of its rule.
func TestVerdictsOnTheRightStreamAndDenominator(t *testing.T) {
	busy := Evidence{WindowSeconds: 60, Spans: 65_913, Weight: 65_913, ServerSpans: 20_000}
	// The stream before the sampler: no thresholds. Without a sampler on the board, nothing to
	// score; with one, its decisions.
	if m := measure(t, CheckSamplingKeepRatio, &busy); !m.NotApplicable || !strings.Contains(m.Reason, "no sampler") {
		t.Errorf("unsampled stream without a sampler: %+v", m)
	}
	withSampler := busy
	withSampler.Sampler = &SamplerEvidence{DecidedSpans: 60_000, KeptSpans: 6_600, Seconds: 600}
	if m := measure(t, CheckSamplingKeepRatio, &withSampler); !m.HasData || !near(m.Value, 0.11) || m.Events != 60_000 {
		t.Errorf("keep ratio from the sampler: %+v", m)
	}
	withSampler.Sampler = &SamplerEvidence{}
	if m := measure(t, CheckSamplingKeepRatio, &withSampler); m.HasData || !strings.Contains(m.Reason, "decided no trace") {
		t.Errorf("a sampler without decisions: %+v", m)
	}
	// Exceptions per request; none without requests.
	e := Evidence{ServerSpans: 1000, SpansWithExceptions: 49, Weight: 4400}
	if m := measure(t, CheckExceptions, &e); !near(m.Value, 0.049) {
		t.Errorf("exceptions per request: %+v", m)
	}
	if m := measure(t, CheckExceptions, &Evidence{Weight: 100, SpansWithExceptions: 3}); m.HasData || !strings.Contains(m.Reason, "no server spans") {
		t.Errorf("exceptions without requests: %+v", m)
	}
	// No 401/403 at all is not a pass; one is measured.
	if m := measure(t, CheckAuthFailures, &Evidence{ServerSpans: 14_653}); m.HasData || !strings.Contains(m.Reason, "absence alone") {
		t.Errorf("auth without failures: %+v", m)
	}
	if m := measure(t, CheckAuthFailures, &Evidence{ServerSpans: 1000, AuthFailures: 1}); !m.HasData || !near(m.Value, 0.001) {
		t.Errorf("auth with one failure: %+v", m)
	}
	// Deployment frequency needs a day of history; a day is enough.
	table := LevelTables["dora2024"]
	deploys := []Deployment{{Service: "a", Version: "2", At: t0.Add(time.Hour)}}
	short := ComputeDora(deploys, nil, t0, t0.Add(2*time.Hour), 24*time.Hour, table, 1)
	if _, ok := short.LevelByKey["deployment_frequency"]; ok {
		t.Errorf("frequency over two hours: %+v", short.LevelByKey)
	}
	if m := measure(t, CheckDeploymentFrequency, &Evidence{Dora: short}); m.HasData || !strings.Contains(m.Reason, "at least a day") {
		t.Errorf("frequency measure over two hours: %+v", m)
	}
	day := ComputeDora(deploys, nil, t0, t0.Add(24*time.Hour), 24*time.Hour, table, 1)
	if day.LevelByKey["deployment_frequency"] != "elite" {
		t.Errorf("frequency over a day: %+v", day.LevelByKey)
	}
}

// A bad deploy rolled back: one change, failed; the rollback is rework, neither a change nor
// a failure; recovery is measured to when the service recovered, not to the page clearing.
func TestDoraRollbackIsRework(t *testing.T) {
	table := LevelTables["dora2024"]
	deploys := []Deployment{
		{Service: "checkout", Version: "1.5.0", At: t0.Add(time.Hour)},
		{Service: "checkout", Version: "1.4.0", At: t0.Add(time.Hour + 10*time.Minute), Rollback: true},
	}
	incidents := []Incident{{Service: "checkout", Start: t0.Add(time.Hour + 2*time.Minute),
		Recovered: t0.Add(time.Hour + 11*time.Minute), Resolved: t0.Add(time.Hour + 40*time.Minute)}}
	d := ComputeDora(deploys, incidents, t0, t0.Add(48*time.Hour), 24*time.Hour, table, 1)
	if d.Deployments != 1 || d.FailedDeployments != 1 || d.ChangeFailureRate != 1 || d.ReworkDeployments != 1 || d.ReworkRate != 0.5 {
		t.Errorf("dora %+v", d)
	}
	if d.RecoveryTime != 9*time.Minute {
		t.Errorf("recovery %v, want 9m (to the recovery, not the page clearing)", d.RecoveryTime)
	}
	incidents[0].Recovered = time.Time{}
	if d := ComputeDora(deploys, incidents, t0, t0.Add(48*time.Hour), 24*time.Hour, table, 1); d.RecoveryTime != 38*time.Minute {
		t.Errorf("recovery without a recovery time %v, want 38m (to the page clearing)", d.RecoveryTime)
	}
	if d := ComputeDora(nil, nil, t0, t0.Add(48*time.Hour), 24*time.Hour, table, 1); d.ReworkRate != 0 {
		t.Errorf("rework without deployments %v", d.ReworkRate)
	}
}

// A hotfix shipped while the incident it answers is open is rework (DORA 2024: an unplanned
// deployment caused by a production incident) and still a change; one after the incident
// resolved, or one of another service, is not.
func TestDoraHotfixDuringAnIncidentIsRework(t *testing.T) {
	table := LevelTables["dora2024"]
	incidents := []Incident{{Service: "checkout", Start: t0.Add(time.Hour), Resolved: t0.Add(2 * time.Hour)}}
	deploys := []Deployment{
		{Service: "checkout", Version: "1.5.0", At: t0.Add(50 * time.Minute)},
		{Service: "checkout", Version: "1.5.1", At: t0.Add(90 * time.Minute)},  // during the incident
		{Service: "checkout", Version: "1.6.0", At: t0.Add(2 * time.Hour)},     // as it resolved: not during
		{Service: "payments", Version: "3.0.0", At: t0.Add(100 * time.Minute)}, // another service's
	}
	d := ComputeDora(deploys, incidents, t0, t0.Add(48*time.Hour), 24*time.Hour, table, 1)
	if d.Deployments != 4 || d.ReworkDeployments != 1 || d.ReworkRate != 0.25 {
		t.Errorf("dora %+v", d)
	}
	open := []Incident{{Service: "checkout", Start: t0.Add(time.Hour)}}
	if d := ComputeDora(deploys, open, t0, t0.Add(48*time.Hour), 24*time.Hour, table, 1); d.ReworkDeployments != 2 {
		t.Errorf("while the incident is still open both later checkout deployments are rework: %+v", d)
	}
	at := []Incident{{Service: "checkout", Start: t0.Add(50 * time.Minute), Resolved: t0.Add(2 * time.Hour)}}
	if d := ComputeDora(deploys[:1], at, t0, t0.Add(48*time.Hour), 24*time.Hour, table, 1); d.ReworkDeployments != 0 {
		t.Errorf("the deployment that opened the incident is not its rework: %+v", d)
	}
}

// Reports of one release merge their change ID and trigger: the first that says wins.
func TestDedupeKeepsChangeIDAndTrigger(t *testing.T) {
	manual, auto := true, false
	got := DedupeDeployments([]Deployment{
		{Service: "checkout", Version: "2.0.0", At: t0, Source: SourceVersionChange},
		{Service: "checkout", Version: "2.0.0", At: t0.Add(time.Minute), Source: SourceCICD, ChangeID: "PR-7", Manual: &manual},
		{Service: "checkout", Version: "2.0.0", At: t0.Add(2 * time.Minute), Source: SourceLogEvent, ChangeID: "PR-8", Manual: &auto},
	}, 15*time.Minute)
	if len(got) != 1 || got[0].ChangeID != "PR-7" || got[0].Manual == nil || !*got[0].Manual || got[0].Source != SourceCICD {
		t.Errorf("merged %+v", got)
	}
}

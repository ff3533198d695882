package score

import (
	"math"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestNormalisationMethodsByHand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     Normaliser
		value float64
		want  float64
		ok    bool
	}{
		{"linear higher is better, midway", Normaliser{Method: Linear, Good: 0.99, Bad: 0.90}, 0.945, 0.5, true},
		{"linear above good clamps", Normaliser{Method: Linear, Good: 0.99, Bad: 0.90}, 1, 1, true},
		{"linear lower is better", Normaliser{Method: Linear, Good: 0.01, Bad: 0.10}, 0.0325, 0.75, true},
		{"loglinear one decade of two", Normaliser{Method: LogLinear, Good: 10, Bad: 1000}, 100, 0.5, true},
		{"loglinear rejects zero", Normaliser{Method: LogLinear, Good: 10, Bad: 1000}, 0, 0, false},
		{"ratio clamps", Normaliser{Method: Ratio}, 1.3, 1, true},
		{"keptn pass", Normaliser{Method: Keptn, Good: 0.9, Bad: 0.75}, 0.9, 1, true},
		{"keptn warning", Normaliser{Method: Keptn, Good: 0.9, Bad: 0.75}, 0.8, 0.5, true},
		{"keptn fail", Normaliser{Method: Keptn, Good: 0.9, Bad: 0.75}, 0.7, 0, true},
		{"keptn lower is better warning", Normaliser{Method: Keptn, Good: 300, Bad: 600}, 450, 0.5, true},
		{"error budget half left", Normaliser{Method: ErrorBudget, Objective: 0.99}, 0.995, 0.5, true},
		{"error budget overspent", Normaliser{Method: ErrorBudget, Objective: 0.99}, 0.95, 0, true},
		{"band high", Normaliser{Method: Band}, 3, 0.75, true},
		{"NaN has no score", Normaliser{Method: Ratio}, math.NaN(), 0, false},
	} {
		got, ok := tc.n.Score(tc.value)
		if ok != tc.ok || (ok && !near(got, tc.want)) {
			t.Errorf("%s: got %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	for _, bad := range []Normaliser{{Method: "cubic"}, {Method: Linear, Good: 1, Bad: 1}, {Method: LogLinear, Good: -1, Bad: 10}, {Method: ErrorBudget, Objective: 1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

var th = Thresholds{Pass: 0.9, Warning: 0.75}

func TestPillarScoreCoverageAndKeyChecks(t *testing.T) {
	checks := []Check{
		{ID: "a", Weight: 2, Normalise: Normaliser{Method: Ratio}, Value: 1, HasData: true},
		{ID: "b", Weight: 1, Normalise: Normaliser{Method: Ratio}, Value: 0.4, HasData: true},
		{ID: "c", Weight: 1, Normalise: Normaliser{Method: Ratio}}, // no data
	}
	// score = 100·(2·1 + 1·0.4)/3 = 80; coverage = 3/4; warning (0.75 ≤ 0.8 < 0.9)
	p := ScorePillar("x", checks, th, 0.5)
	if !near(p.Score, 80) || !near(p.Coverage, 0.75) || p.Status != Warning {
		t.Fatalf("pillar %+v", p)
	}
	// b's potential increase: 100·1·(1−0.4)/3 = 20, listed first.
	if p.Checks[0].ID != "b" || !near(p.Checks[0].PotentialIncrease, 20) {
		t.Errorf("potential increase %+v", p.Checks[0])
	}
	// Coverage below the minimum reports insufficient data, never a made-up score.
	if p := ScorePillar("x", checks, th, 0.8); p.Status != InsufficientData {
		t.Errorf("coverage 0.75 < 0.8 gave %v", p.Status)
	}
	// A failed key check fails the pillar even though the weighted score passes.
	checks = append(checks[:1], Check{ID: "k", Weight: 0.1, Key: true, Normalise: Normaliser{Method: Ratio}, Value: 0, HasData: true})
	if p := ScorePillar("x", checks, th, 0.5); p.Status != Fail || p.Score < 90 {
		t.Errorf("key check: %+v", p)
	}
	if p := ScorePillar("x", nil, th, 0.5); p.Status != InsufficientData || p.Coverage != 0 {
		t.Errorf("no checks: %+v", p)
	}
}

func TestHysteresisNeedsTwoEvaluations(t *testing.T) {
	h := Hysteresis{Needed: 2}
	seq := []Result{Pass, Warning, Pass, Warning, Warning, Fail, Warning}
	want := []Result{Pass, Pass, Pass, Pass, Warning, Warning, Warning}
	for i, r := range seq {
		if got := h.Observe(r); got != want[i] {
			t.Fatalf("step %d: observed %v, reported %v, want %v", i, r, got, want[i])
		}
	}
}

func TestFrameworkProjections(t *testing.T) {
	if len(Frameworks["aws"]) != 6 || len(Frameworks["azure"]) != 5 || len(Frameworks["gcp"]) != 6 {
		t.Fatalf("pillars per framework: aws %d azure %d gcp %d", len(Frameworks["aws"]), len(Frameworks["azure"]), len(Frameworks["gcp"]))
	}
	canonical := map[string][]Check{
		CostOptimization: {{ID: "volume", Weight: 1, Normalise: Normaliser{Method: Ratio}, Value: 1, HasData: true}},
		Sustainability:   {{ID: "cpu", Weight: 1, Normalise: Normaliser{Method: Ratio}, Value: 0.5, HasData: true}},
	}
	// Azure folds sustainability into cost optimization: (1 + 0.5)/2 = 75.
	p := Project(Frameworks["azure"][2], canonical, th, 0.5)
	if !near(p.Score, 75) || p.Status != Warning {
		t.Errorf("azure cost: %+v", p)
	}
	if s, ok := FrameworkScore([]PillarResult{{Score: 80, Status: Pass}, {Status: InsufficientData}, {Score: 60, Status: Fail}}); !ok || s != 70 {
		t.Errorf("framework mean %v %v", s, ok)
	}
	if ValidateFramework("oracle") == nil {
		t.Error("unknown framework accepted")
	}
}

func TestDoraOnAScriptedEventLog(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h := time.Hour
	deploys := []Deployment{
		{Service: "api", Revision: "a1", At: t0.Add(10 * h), CommitTime: t0.Add(8 * h), Source: SourceVersionChange},
		{Service: "api", Revision: "a1", At: t0.Add(10*h + 2*time.Minute), CommitTime: t0.Add(8 * h), Source: SourceCICD}, // duplicate
		{Service: "api", Revision: "a2", At: t0.Add(34 * h), CommitTime: t0.Add(30 * h), Source: SourceLogEvent},
		{Service: "api", Revision: "a1", At: t0.Add(36 * h), Source: SourceLogEvent, Rollback: true},         // rolls a2 back
		{Service: "api", Revision: "a3", At: t0.Add(58 * h), CommitTime: t0.Add(58 * h), Source: SourceCICD}, // lead 0: dropped
		{Service: "web", Revision: "w1", At: t0.Add(82 * h), CommitTime: t0.Add(76 * h), Source: SourceCICD},
	}
	incidents := []Incident{
		{Service: "web", Start: t0.Add(83 * h), Resolved: t0.Add(83*h + 30*time.Minute)}, // after w1: failure
		{Service: "api", Start: t0.Add(5 * h), Resolved: t0.Add(7 * h)},                  // before any deploy
	}
	deduped := DedupeDeployments(deploys, 15*time.Minute)
	if len(deduped) != 5 || deduped[0].Source != SourceCICD || !deduped[0].At.Equal(t0.Add(10*h)) {
		t.Fatalf("dedupe: %+v", deduped)
	}
	d := ComputeDora(deduped, incidents, t0, t0.Add(4*24*h), 24*h, LevelTables["dora2024"])
	// 4 deployments (the rollback is not one) over 4 days: 1/day. Lead times 2h, 4h, 6h → median 4h.
	// Failed: a2 (rolled back within 24h) and w1 (incident 1h later): CFR 2/4. Recovery: 2h and 30m → 75m.
	if d.Deployments != 4 || !near(d.DeploymentsPerDay, 1) || d.LeadTime != 4*h || d.FailedDeployments != 2 ||
		!near(d.ChangeFailureRate, 0.5) || d.RecoveryTime != 75*time.Minute || d.ResolvedIncidents != 2 {
		t.Fatalf("dora: %+v", d)
	}
	// dora2024: frequency elite (≥ 1/day), lead time elite (< 1d), CFR low (> 20 %), recovery high (< 1d).
	if d.LevelByKey["deployment_frequency"] != "elite" || d.LevelByKey["lead_time"] != "elite" ||
		d.LevelByKey["change_failure_rate"] != "low" || d.LevelByKey["recovery_time"] != "high" || d.Level != "low" {
		t.Errorf("levels %v overall %s", d.LevelByKey, d.Level)
	}
	if dl := ComputeDora(deduped, incidents, t0, t0.Add(4*24*h), 24*h, LevelTables["devlake2023"]); dl.LevelByKey["deployment_frequency"] != "elite" {
		t.Errorf("devlake2023 frequency %v", dl.LevelByKey)
	}
	if LevelValue("elite") != 4 || LevelValue("low") != 1 {
		t.Error("level values")
	}
	if _, err := LookupLevelTable("dora1999"); err == nil {
		t.Error("unknown level table accepted")
	}
	empty := ComputeDora(nil, nil, t0, t0.Add(24*h), 24*h, LevelTables["dora2024"])
	if empty.Level != "" || empty.ChangeFailureRate != 0 {
		t.Errorf("no deployments: %+v", empty)
	}
}

func TestMaturityLevelEdges(t *testing.T) {
	full := MaturityInputs{TelemetryArrives: true, SLOsMeasured: 2, BurnRateAlerting: true, MTTRTracked: true, BudgetExhausted: true, BudgetPolicyActive: true}
	for _, tc := range []struct {
		name   string
		mutate func(*MaturityInputs)
		want   int
	}{
		{"nothing measured", func(m *MaturityInputs) { *m = MaturityInputs{} }, 0},
		{"telemetry only", func(m *MaturityInputs) { *m = MaturityInputs{TelemetryArrives: true} }, 1},
		{"SLOs but no telemetry is still 0 (gated)", func(m *MaturityInputs) { m.TelemetryArrives = false }, 0},
		{"SLOs, alerting without MTTR", func(m *MaturityInputs) { m.MTTRTracked = false }, 2},
		{"no budget policy evidence", func(m *MaturityInputs) { m.BudgetPolicyActive = false }, 3},
		{"budget never exhausted: no evidence", func(m *MaturityInputs) { m.BudgetExhausted = false }, 3},
		{"everything", func(*MaturityInputs) {}, 4},
	} {
		in := full
		tc.mutate(&in)
		if got, criteria := Maturity(in); got != tc.want || len(criteria) != 5 {
			t.Errorf("%s: level %d, want %d", tc.name, got, tc.want)
		}
	}
}

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
	at := func(x time.Duration) []time.Time { return []time.Time{t0.Add(x)} }
	deploys := []Deployment{
		// v1: the version change, its CI/CD span (SHA only, 2 min later) and its log event: one.
		{Service: "api", Version: "v1", At: t0.Add(10 * h), Source: SourceVersionChange},
		{Service: "api", Revision: "a1", At: t0.Add(10*h + 2*time.Minute), CommitTimes: at(8 * h), Source: SourceCICD},
		{Service: "api", Version: "v1", Revision: "a1", At: t0.Add(10*h + 3*time.Minute), CommitTimes: at(6 * h), Source: SourceLogEvent},
		// v2, then a canary flipping v1/v2/v1/v2: still one deployment of v2.
		{Service: "api", Version: "v2", At: t0.Add(34 * h), CommitTimes: []time.Time{t0.Add(30 * h), t0.Add(-5000 * 24 * h), t0.Add(35 * h)}, Source: SourceLogEvent},
		{Service: "api", Version: "v1", At: t0.Add(34*h + time.Minute), Source: SourceVersionChange},
		{Service: "api", Version: "v2", At: t0.Add(34*h + 2*time.Minute), Source: SourceVersionChange},
		{Service: "api", Version: "v1", Revision: "a1", At: t0.Add(36 * h), Source: SourceLogEvent, Rollback: true},
		{Service: "api", Version: "v3", At: t0.Add(58 * h), CommitTimes: at(56 * h), Source: SourceCICD},
		{Service: "web", Version: "w1", At: t0.Add(82 * h), CommitTimes: at(76 * h), Source: SourceCICD},
	}
	incidents := []Incident{
		{Service: "web", Start: t0.Add(83 * h), Resolved: t0.Add(83*h + 30*time.Minute)}, // after w1: failure, 30m
		{Service: "api", Start: t0.Add(5 * h), Resolved: t0.Add(7 * h)},                  // before any deploy
		{Service: "api", Start: t0.Add(59 * h), Resolved: t0.Add(61 * h)},                // after v3: failure, 2h
		{Service: "api", Start: t0.Add(59*h + 10*time.Minute)},                           // a second page: not a second failure
	}
	deduped := DedupeDeployments(deploys, 15*time.Minute)
	// v1, v2, rollback, v3, w1.
	if len(deduped) != 5 || deduped[0].Source != SourceCICD || !deduped[0].At.Equal(t0.Add(10*h)) || len(deduped[0].CommitTimes) != 2 ||
		deduped[0].Revision != "a1" || deduped[1].Version != "v2" || !deduped[2].Rollback {
		t.Fatalf("dedupe: %+v", deduped)
	}
	d := ComputeDora(deduped, incidents, t0, t0.Add(4*24*h), 24*h, LevelTables["dora2024"], 3)
	// 4 deployments over 4 days: 1/day. Lead times: v1 2h and 4h; v2 4h (the year-1 and the
	// future commit rejected); v3 2h; w1 6h → median of {2,4,4,2,6} = 4h.
	// Failed: v2 (rolled back), v3 (page 1h later), w1 (page 1h later): 3 of 4. Restore per failed
	// deployment with an incident: v3 2h, w1 30m → median 75m.
	if d.Deployments != 4 || !near(d.DeploymentsPerDay, 1) || d.LeadTime != 4*h || d.RejectedCommits != 2 || d.FailedDeployments != 3 ||
		!near(d.ChangeFailureRate, 0.75) || d.RecoveryTime != 75*time.Minute || d.ResolvedIncidents != 2 {
		t.Fatalf("dora: %+v", d)
	}
	if d.LevelByKey["deployment_frequency"] != "elite" || d.LevelByKey["lead_time"] != "elite" ||
		d.LevelByKey["change_failure_rate"] != "low" || d.LevelByKey["recovery_time"] != "high" || d.Level != "low" {
		t.Errorf("levels %v overall %s", d.LevelByKey, d.Level)
	}
	if few := ComputeDora(deduped, incidents, t0, t0.Add(4*24*h), 24*h, LevelTables["dora2024"], 5); few.Level != "" || len(few.LevelByKey) != 0 {
		t.Errorf("4 deployments below a minimum of 5 got a level: %+v", few)
	}
	// Observed history shorter than the period: one day of history, 1 deployment → 1/day.
	short := ComputeDora(deduped[:1], nil, t0.Add(9*h), t0.Add(33*h), 24*h, LevelTables["dora2024"], 1)
	if !near(short.DeploymentsPerDay, 1) || short.FailedDeployments != 0 {
		t.Errorf("short history: %+v", short)
	}
	// Three hours of history: the rate is over a day at least, not 8 a day.
	if sub := ComputeDora(deduped[:1], nil, t0.Add(9*h), t0.Add(12*h), 24*h, LevelTables["dora2024"], 1); !near(sub.DeploymentsPerDay, 1) || !near(sub.PeriodDays, 0.125) {
		t.Errorf("sub-day history: %+v", sub)
	}
	if dl := ComputeDora(deduped, incidents, t0, t0.Add(4*24*h), 24*h, LevelTables["devlake2023"], 3); dl.LevelByKey["deployment_frequency"] != "elite" {
		t.Errorf("devlake2023 frequency %v", dl.LevelByKey)
	}
	if LevelValue("elite") != 4 || LevelValue("low") != 1 {
		t.Error("level values")
	}
	if _, err := LookupLevelTable("dora1999"); err == nil {
		t.Error("unknown level table accepted")
	}
	empty := ComputeDora(nil, nil, t0, t0.Add(24*h), 24*h, LevelTables["dora2024"], 1)
	if empty.Level != "" || empty.ChangeFailureRate != 0 {
		t.Errorf("no deployments: %+v", empty)
	}
}

// A healthy team reaches level 4 without ever failing; each missing rung stops the ladder.
func TestMaturityLevelEdges(t *testing.T) {
	full := MaturityInputs{TelemetryArrives: true, SLOWithData: true, AlertingCanFire: true, SLOMetForPeriod: true, BudgetPolicyFollowed: true}
	for _, tc := range []struct {
		name   string
		mutate func(*MaturityInputs)
		want   int
	}{
		{"nothing measured", func(m *MaturityInputs) { *m = MaturityInputs{} }, 0},
		{"telemetry only", func(m *MaturityInputs) { *m = MaturityInputs{TelemetryArrives: true} }, 1},
		{"SLOs but no telemetry is still 0 (gated)", func(m *MaturityInputs) { m.TelemetryArrives = false }, 0},
		{"SLO, alerting that cannot fire", func(m *MaturityInputs) { m.AlertingCanFire = false }, 2},
		{"deployed while exhausted", func(m *MaturityInputs) { m.BudgetPolicyFollowed = false }, 3},
		{"no full period met yet", func(m *MaturityInputs) { m.SLOMetForPeriod = false }, 3},
		{"healthy, never failed", func(*MaturityInputs) {}, 4},
	} {
		in := full
		tc.mutate(&in)
		if got, criteria := Maturity(in); got != tc.want || len(criteria) != 5 {
			t.Errorf("%s: level %d, want %d", tc.name, got, tc.want)
		}
	}
}

package score

import (
	"math"
	"strings"
	"testing"
	"time"
)

// Boundaries of DORA, each decided by hand.
func TestDoraBoundaries(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := time.Hour
	table := LevelTables["dora2024"]
	dep := func(svc, version string, at time.Duration, commits ...time.Time) Deployment {
		return Deployment{Service: svc, Version: version, At: t0.Add(at), CommitTimes: commits, Source: SourceLogEvent}
	}
	at := t0.Add(400 * 24 * h)
	// Lead time: a commit at the deploy instant is rejected, exactly a year before is kept,
	// a nanosecond more is rejected.
	d := ComputeDora([]Deployment{{Service: "a", Version: "v", At: at, CommitTimes: []time.Time{at, at.Add(-maxLeadTime), at.Add(-maxLeadTime - 1)}}},
		nil, t0, at, 24*h, table, 1)
	if d.RejectedCommits != 2 || !d.HasLeadTime || d.LeadTime != maxLeadTime {
		t.Errorf("lead time edges: %+v", d)
	}
	// Another service's deployment does not end this one's attribution; its own does.
	deploys := []Deployment{dep("api", "1", 10*h), dep("web", "1", 11*h), dep("api", "2", 20*h)}
	incidents := []Incident{{Service: "api", Start: t0.Add(12 * h), Resolved: t0.Add(13 * h)}}
	d = ComputeDora(deploys, incidents, t0, t0.Add(48*h), 24*h, table, 1)
	if d.FailedDeployments != 1 || d.RecoveryTime != h {
		t.Errorf("api v1 failed by its incident after web's deploy: %+v", d)
	}
	late := []Incident{{Service: "api", Start: t0.Add(21 * h)}}
	d = ComputeDora(deploys[:1], late, t0, t0.Add(48*h), 24*h, table, 1)
	if d.FailedDeployments != 1 || d.HasRecoveryTime {
		t.Errorf("an open incident fails the deployment without a recovery time: %+v", d)
	}
	d = ComputeDora(deploys, late, t0, t0.Add(48*h), 24*h, table, 1)
	if d.FailedDeployments != 1 {
		t.Errorf("the incident after api v2 fails v2, not v1: %+v", d)
	}
	// Exactly the minimum number of deployments gives a level.
	if d := ComputeDora(deploys, nil, t0, t0.Add(48*h), 24*h, table, 3); d.Level == "" {
		t.Errorf("3 deployments with a minimum of 3: no level")
	}
	// A value exactly on a bound belongs to the better level.
	five := Dora{ChangeFailureRate: 0.05, DeploymentsPerDay: 1, PeriodDays: 1}
	if _, by := table.Classify(five); by["change_failure_rate"] != "elite" || by["deployment_frequency"] != "elite" {
		t.Errorf("on the bound: %v", by)
	}
	if LevelRank("bogus") != 3 || LevelRank("elite") != 0 {
		t.Error("LevelRank")
	}
}

func TestBudgetReasonsQuoteTheBudget(t *testing.T) {
	for _, tc := range []struct {
		b    BudgetEvidence
		want string
	}{
		{BudgetEvidence{Remaining: -0.25}, "-25.0 %"},
		{BudgetEvidence{Remaining: 0.4, ExhaustsSoon: true}, "40.0 %"},
		{BudgetEvidence{Remaining: 0.5}, "50.0 %"},
	} {
		if _, why := BudgetVerdict(tc.b); !strings.Contains(why, tc.want) {
			t.Errorf("%+v: %q lacks %q", tc.b, why, tc.want)
		}
	}
}

func TestPercentileClampsTheRank(t *testing.T) {
	s := []float64{5, 1, 3}
	if v, _ := Percentile(s, 1.5); v != 5 {
		t.Errorf("q above 1: %v", v)
	}
	if v, _ := Percentile(s, 0); v != 1 {
		t.Errorf("q 0: %v", v)
	}
	if _, ok := Percentile(nil, 0.5); ok {
		t.Error("no samples")
	}
}

func TestNormaliserEdges(t *testing.T) {
	for _, bad := range []Normaliser{{Method: LogLinear, Good: 0, Bad: 10}, {Method: LogLinear, Good: 10, Bad: 0}, {Method: LogLinear, Good: 5, Bad: 5},
		{Method: ErrorBudget, Objective: 0}, {Method: Keptn, Good: 2, Bad: 2}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if (Normaliser{Method: ErrorBudget, Objective: 0.5}).Validate() != nil || (Normaliser{Method: Verdict}).Validate() != nil {
		t.Error("valid normalisers refused")
	}
	for v, want := range map[float64]float64{-1: 0, 0: 0, 1: 0.5, 2: 1, 3: 1, 1.4: 0.5} {
		if got, ok := (Normaliser{Method: Verdict}).Score(v); !ok || got != want {
			t.Errorf("verdict %v: %v", v, got)
		}
	}
}

func TestPillarArithmeticEdges(t *testing.T) {
	// Weight 2 at 0.5 and weight 1 at 1: covered 3, potential increase 100·2·0.5/3.
	p := ScorePillar("x", []Check{
		{ID: "w2", Weight: 2, Normalise: Normaliser{Method: Ratio}, Value: 0.5, HasData: true},
		{ID: "w1", Weight: 1, Normalise: Normaliser{Method: Ratio}, Value: 1, HasData: true},
		{ID: "na", Weight: 4, Normalise: Normaliser{Method: Ratio}, NotApplicable: true},
		{ID: "nodata", Weight: 3, Normalise: Normaliser{Method: Ratio}},
	}, th, 0.5)
	// Coverage 3/6 = 0.5, exactly the minimum: scored.
	if !near(p.Coverage, 0.5) || p.Status == InsufficientData || !near(p.Score, 100*2.0/3) {
		t.Fatalf("pillar %+v", p)
	}
	for _, c := range p.Checks {
		want := map[string]float64{"w2": 100 * 2 * 0.5 / 3, "w1": 0, "na": 0, "nodata": 0}[c.ID]
		if math.Abs(c.PotentialIncrease-want) > 1e-9 {
			t.Errorf("%s potential increase %v, want %v", c.ID, c.PotentialIncrease, want)
		}
	}
	h := Hysteresis{Needed: 1}
	if h.Observe(Pass) != Pass || h.Observe(Fail) != Fail {
		t.Error("hysteresis of 1 must follow at once")
	}
}

func TestRegistryEdges(t *testing.T) {
	d, _ := DefByID(Registry(targets), CheckLatencyP95)
	if d.Norm.Good != 300 || d.Norm.Bad != 600 {
		t.Errorf("latency normaliser %+v, want 300 → 600", d.Norm)
	}
	// No raw spans but a weight: bytes are not scaled (no division by zero).
	if m := measure(t, CheckBytesPerRequest, &Evidence{Weight: 10, Bytes: 100, ServerSpans: 10}); m.Value != 10 {
		t.Errorf("bytes without raw spans: %+v", m)
	}
	if m := measure(t, CheckSamplingKeepRatio, &Evidence{Spans: 10, Weight: 100}); !m.NotApplicable {
		t.Errorf("keep ratio without a window: %+v", m)
	}
	// Exactly the minimum rate applies: 36 000 represented spans over an hour is 10/s.
	if m := measure(t, CheckSamplingKeepRatio, &Evidence{WindowSeconds: 3600, Spans: 3600, Weight: 36_000, SampledSpans: 3600}); m.NotApplicable || !near(m.Value, 0.1) {
		t.Errorf("keep ratio at the minimum rate: %+v", m)
	}
}

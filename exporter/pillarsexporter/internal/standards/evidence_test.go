package standards

import (
	"strings"
	"testing"
	"time"
)

// want is a rule's expected verdict, with a fragment its evidence must contain.
type want struct {
	status   Status
	evidence string
	value    *float64
}

func v(f float64) *float64 { return &f }

func check(t *testing.T, name string, got Finding, w want) {
	t.Helper()
	if got.Status != w.status || !strings.Contains(got.Evidence, w.evidence) {
		t.Errorf("%s: %s %q, want %s containing %q", name, got.Status, got.Evidence, w.status, w.evidence)
	}
	if w.value != nil && (got.Value == nil || *got.Value != *w.value) {
		t.Errorf("%s: value %v, want %v", name, deref(got.Value), *w.value)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

var tg = Targets{DetectionTarget: 15 * time.Minute, RecoveryConfirm: time.Hour, ProductionValues: []string{"production", "prod"}}

func base() Evidence { return Evidence{Service: "checkout", Window: time.Hour} }

func TestLogChecks(t *testing.T) {
	e := base()
	check(t, "nothing", logCoverage(&e), want{InsufficientData, "no spans and no log records", nil})
	e.HasTraces = true
	check(t, "traces only", logCoverage(&e), want{Fail, "spans but no log records", nil})
	check(t, "no logs to correlate", logCorrelation(&e), want{NotApplicable, "no log records", nil})
	e.LogRecords, e.LogsTraced = 10, 9
	check(t, "logs", logCoverage(&e), want{Pass, "10 log records", nil})
	check(t, "90 %", logCorrelation(&e), want{Pass, "9 of 10 log records carry a trace ID (90.0 %)", v(0.9)})
	e.LogsTraced = 8
	check(t, "80 %", logCorrelation(&e), want{Fail, "8 of 10", v(0.8)})
	e = base()
	e.LogRecords = 3
	check(t, "logs without traces", logCoverage(&e), want{Pass, "3 log records", nil})
}

func TestRuntimeMonitoring(t *testing.T) {
	e := base()
	check(t, "nothing", runtimeMonitoring(&e), want{InsufficientData, "nothing from the service", nil})
	e.LogRecords = 1
	check(t, "logs only", runtimeMonitoring(&e), want{Fail, "no SERVER spans", nil})
	e.LogRecords, e.HasTraces = 0, true
	check(t, "client spans only", runtimeMonitoring(&e), want{Fail, "not measured", nil})
	e.RequestPoint = true
	check(t, "request metric", runtimeMonitoring(&e), want{Pass, "http.server.request.duration", nil})
	e.ServerSpans = 40
	check(t, "server spans", runtimeMonitoring(&e), want{Pass, "40 SERVER spans", nil})
}

func TestClockSkew(t *testing.T) {
	e := base()
	check(t, "no logs", clockSkew(&e), want{NotApplicable, "no log records", nil})
	e.SameClockLogs = 5
	check(t, "sdk logs", clockSkew(&e), want{NotApplicable, "5 log records have equal event and observed times", nil})
	e.ClockRecords, e.ClockAheadMax = 7, time.Second
	check(t, "1 s ahead", clockSkew(&e), want{Pass, "over 7 records", v(1)})
	e.ClockAheadMax = 1500 * time.Millisecond
	check(t, "1.5 s ahead", clockSkew(&e), want{Fail, "dated 1.5s after it was observed", v(1.5)})
}

func TestCapacityAndRestarts(t *testing.T) {
	e := base()
	check(t, "nothing", capacity(&e), want{InsufficientData, "no *_limit_utilization", nil})
	check(t, "no restart signal", toilRestarts(&e), want{InsufficientData, "no restart signal", nil})
	e.LimitUtilSeen, e.LimitUtilMax = true, 0.79
	check(t, "79 %", capacity(&e), want{Pass, "peak utilisation 79 %", v(0.79)})
	check(t, "limits but no restarts", toilRestarts(&e), want{Pass, "0 restarts", v(0)})
	e.LimitUtilMax = 0.8
	check(t, "80 %", capacity(&e), want{Fail, "peak utilisation 80 %", v(0.8)})
	e.LimitUtilMax = 0.5
	deploy := t0.Add(-30 * time.Minute)
	e.Deployments = []Deployment{{At: deploy}}
	e.Restarts = []time.Time{deploy, deploy.Add(15 * time.Minute)}
	check(t, "restarts of a rollout", capacity(&e), want{Pass, "no unexplained restart", nil})
	check(t, "rollout toil", toilRestarts(&e), want{Pass, "2 restarts in the last 1h0m0s, 0 of them", v(0)})
	e.Restarts = append(e.Restarts, deploy.Add(16*time.Minute), deploy.Add(-time.Minute))
	check(t, "unexplained", capacity(&e), want{Fail, "2 restarts in the last 1h0m0s that no deployment explains", nil})
	check(t, "unexplained toil", toilRestarts(&e), want{Fail, "4 restarts in the last 1h0m0s, 2 of them", v(2)})
	e.LimitUtilSeen = false
	check(t, "restarts without limits", capacity(&e), want{Fail, "that no deployment explains", nil})
	e.Restarts = e.Restarts[:1]
	check(t, "explained restart, no limits", capacity(&e), want{InsufficientData, "no utilisation against limits", nil})
}

func TestRedundancy(t *testing.T) {
	e := base()
	check(t, "no instance attribute", redundancy(&e, tg), want{NotApplicable, "no service.instance.id", nil})
	e.Environment = "staging"
	e.InstanceSeen, e.Instances = true, 1
	check(t, "staging", redundancy(&e, tg), want{NotApplicable, `"staging" is not production`, nil})
	e.Environment = "Production"
	check(t, "one instance", redundancy(&e, tg), want{Fail, "1 instance", v(1)})
	e.Instances = 2
	check(t, "no zones", redundancy(&e, tg), want{InsufficientData, "no cloud.availability_zone", v(2)})
	e.Zones = 1
	check(t, "one zone", redundancy(&e, tg), want{Fail, "all in one availability zone", v(2)})
	e.Zones, e.Instances = 2, 3
	check(t, "two zones", redundancy(&e, tg), want{Pass, "3 instances in 2 availability zones", v(3)})
	e.Environment = ""
	check(t, "no environment is production", redundancy(&e, tg), want{Pass, "3 instances", nil})
}

func TestInventoryAndFlows(t *testing.T) {
	e := base()
	check(t, "bare", inventory(&e), want{Fail, "missing service.version, deployment.environment.name", nil})
	e.Service = "unknown_service:java"
	e.Version, e.Environment = "1.2.0", "production"
	check(t, "unknown service", inventory(&e), want{Fail, "missing a real service.name", nil})
	e.Service = ""
	check(t, "no name", inventory(&e), want{Fail, "missing a real service.name", nil})
	e.Service = "checkout"
	check(t, "complete", inventory(&e), want{Pass, `service.name "checkout", version "1.2.0", environment "production"`, nil})

	check(t, "no clients", dataFlows(&e), want{NotApplicable, "no CLIENT spans", nil})
	e.ClientSpans, e.ClientWithPeer = 100, 95
	check(t, "95 %", dataFlows(&e), want{Pass, "95 of 100 CLIENT spans have a known peer (95.0 %)", v(0.95)})
	e.ClientWithPeer = 94
	check(t, "94 %", dataFlows(&e), want{Fail, "94 of 100", v(0.94)})
	check(t, "no external", externalMonitoring(&e), want{NotApplicable, "no calls to hosts outside", nil})
	e.ExternalCalls = 3
	check(t, "external", externalMonitoring(&e), want{Pass, "3 traced calls", v(3)})
}

func TestDeploymentChecks(t *testing.T) {
	e := base()
	check(t, "none", traceability(&e, tg), want{NotApplicable, "no deployment", nil})
	check(t, "no trigger", manualDeploys(&e), want{InsufficientData, "no deployment says how", nil})
	check(t, "no rework", reworkRate(&e), want{InsufficientData, "no deployment", nil})
	yes, no := true, false
	e.Deployments = []Deployment{{Revision: "abc", ChangeID: "PR-1", Manual: &no}, {Revision: "def", ChangeID: "PR-2"}}
	check(t, "traced", traceability(&e, tg), want{Pass, "2 of 2 deployments carry a revision; 2 carry a revision, 2 a change ID", v(1)})
	check(t, "automatic", manualDeploys(&e), want{Pass, "0 of 1 deployments", v(0)})
	e.Deployments = append(e.Deployments, Deployment{Revision: "ghi", Manual: &yes})
	check(t, "revision without a change ID", traceability(&e, tg), want{Pass, "3 of 3 deployments carry a revision; 3 carry a revision, 2 a change ID", v(1)})
	strict := tg
	strict.RequireChangeID = true
	check(t, "a change ID required", traceability(&e, strict), want{Fail, "2 of 3 deployments carry a revision and a change ID (required)", v(2.0 / 3)})
	versionOnly := e
	versionOnly.Deployments = append(append([]Deployment(nil), e.Deployments...), Deployment{ChangeID: "PR-9"})
	check(t, "a deployment seen only as a version change", traceability(&versionOnly, tg), want{Fail, "3 of 4 deployments carry a revision; 3 carry a revision, 3 a change ID", v(0.75)})
	check(t, "half manual", manualDeploys(&e), want{Fail, "1 of 2 deployments", v(0.5)})
	for range 8 {
		e.Deployments = append(e.Deployments, Deployment{Manual: &no})
	}
	check(t, "one in ten", manualDeploys(&e), want{Pass, "1 of 10", v(0.1)})
	e.ReworkKnown, e.ReworkRate, e.ReworkInputs = true, 0.15, "3 rework of 20"
	check(t, "15 %", reworkRate(&e), want{Pass, "3 rework of 20: rework rate 15.0 %", v(0.15)})
	e.ReworkRate = 0.16
	check(t, "16 %", reworkRate(&e), want{Fail, "16.0 %", v(0.16)})
}

func TestIncidentChecks(t *testing.T) {
	e := base()
	check(t, "no incident", detection(&e, tg), want{InsufficientData, "no incident", nil})
	check(t, "no resolution", recovery(&e, tg, t0), want{InsufficientData, "0 resolutions held", nil})
	check(t, "no evidence needed", incidentEvidence(&e), want{NotApplicable, "no incident", nil})
	start := t0.Add(-10 * time.Hour)
	e.Incidents = []Incident{
		{BurnStart: start.Add(-2 * time.Minute), Start: start, Resolved: start.Add(time.Hour), Exemplars: 2},
		{BurnStart: start.Add(3*time.Hour + time.Minute), Start: start.Add(3 * time.Hour), Resolved: start.Add(4 * time.Hour), Exemplars: 1}, // burn start after open: ignored
		{BurnStart: start.Add(5*time.Hour - 9*time.Minute), Start: start.Add(5*time.Hour + time.Minute), Exemplars: 1},
	}
	check(t, "fast detection", detection(&e, tg), want{Pass, "median 10m0s", v(600)})
	e.Incidents[0].BurnStart = start.Add(-30 * time.Minute)
	e.Incidents[2].BurnStart = start.Add(5*time.Hour - 29*time.Minute)
	check(t, "slow detection", detection(&e, tg), want{Fail, "median 30m0s from the burn starting to the incident opening over 2 incidents", v(1800)})
	check(t, "recoveries held", recovery(&e, tg, t0), want{Pass, "2 resolutions held for 1h0m0s, 0 paged again", nil})
	check(t, "evidence kept", incidentEvidence(&e), want{Pass, "3 of 3 incidents", v(1)})
	e.Incidents = append(e.Incidents, Incident{Start: start.Add(time.Hour + 59*time.Minute)}) // 59 min after the first resolved
	check(t, "re-paged", recovery(&e, tg, t0), want{Fail, "1 paged again within it", nil})
	check(t, "evidence missing", incidentEvidence(&e), want{Fail, "3 of 4 incidents", v(0.75)})
	recent := base()
	recent.Incidents = []Incident{{Start: t0.Add(-time.Hour), Resolved: t0.Add(-30 * time.Minute)}}
	check(t, "too recent", recovery(&recent, tg, t0), want{InsufficientData, "0 resolutions held for 1h0m0s, 0 paged again within it, 1 too recent to tell", nil})
	if f := recovery(&recent, tg, t0.Add(30*time.Minute)); f.Status != Pass || f.Evidence != "1 resolutions held for 1h0m0s, 0 paged again within it, 0 too recent to tell" {
		t.Errorf("confirmed at the deadline: %s %q", f.Status, f.Evidence)
	}
	atTarget := base()
	atTarget.Incidents = []Incident{{BurnStart: t0.Add(-15 * time.Minute), Start: t0}}
	check(t, "detection exactly at the target", detection(&atTarget, tg), want{Pass, "median 15m0s", v(900)})
}

func TestPagerLoad(t *testing.T) {
	e := base()
	e.Shifts = CountShifts("payments", nil, 48*time.Hour, false)
	check(t, "no alerting", pagerLoad(&e), want{InsufficientData, `rotation "payments"`, nil})
	e.Shifts = CountShifts("payments", nil, 48*time.Hour, true)
	check(t, "quiet", pagerLoad(&e), want{Pass, "0 pages over 4 shifts", v(0)})
	shift := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	pages := []time.Time{shift, shift.Add(time.Hour), shift.Add(11*time.Hour + 59*time.Minute), shift.Add(12 * time.Hour)}
	e.Shifts = CountShifts("payments", pages, 10*time.Hour, false)
	if e.Shifts.Shifts != 1 || e.Shifts.Pages != 4 || !e.Shifts.Known {
		t.Errorf("shifts %+v", e.Shifts)
	}
	check(t, "three in a shift", pagerLoad(&e), want{Fail, "4 pages over 1 shifts, at most 3 in one 12-hour shift", v(3)})
	e.Shifts = CountShifts("payments", pages[1:], 48*time.Hour, true)
	check(t, "two in a shift", pagerLoad(&e), want{Pass, "at most 2", v(2)})
}

func TestMeasureRunsEveryOwnCheck(t *testing.T) {
	e := base()
	seen := map[string]bool{}
	for _, f := range append(Measure(&e, tg, t0), MeasureCost("checkout", false, CostEvidence{})...) {
		if f.Service != "checkout" || seen[f.Check] {
			t.Errorf("finding %+v", f)
		}
		seen[f.Check] = true
	}
	for id := range Rules {
		if !seen[id] && id != CheckCostBudget {
			t.Errorf("%s is not measured", id)
		}
	}
}

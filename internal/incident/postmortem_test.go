package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

func sampleIncident() srestate.Incident {
	return srestate.Incident{
		ID: "0123456789abcdef", SLO: "availability", Service: "checkout", Severity: "page", Alert: "SLOErrorBudgetBurn",
		Identity: map[string]string{"service.name": "checkout", "tenant": "vip"},
		Start:    t0, Resolved: t0.Add(12*time.Minute + 30*time.Second),
		BurnAtOpen: map[string]float64{"1h": 16.5, "5m": 40}, BudgetAtOpen: 0.9, PeakBurn: 55.25, PeakAt: t0.Add(4 * time.Minute),
		BudgetConsumed: 0.125, BadEvents: 1234, ValidEvents: 5000, TriggerCutoff: t0,
		Deployments: []srestate.Deployment{
			{Service: "checkout", Version: "1.9.0", At: t0.Add(-20 * time.Hour), Source: "cicd", SHA: "abc123"},
			{Service: "checkout", Version: "2.0.0", At: t0.Add(-3 * time.Minute), Source: "version_change"},
		},
		Factors: []srestate.Factor{
			{Attribute: "http.route", Value: "/pay|now", Bad: 1200, Good: 3, Lift: 4.05, Coverage: 0.97},
			{Attribute: "http.response.status_code", Value: "500", Bad: 1234, Lift: 4.1, Coverage: 1, Symptom: true},
		},
		Exemplars: []string{"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b700f067aa0ba902b7"},
	}
}

func TestPostmortemFilledFromTheRecord(t *testing.T) {
	md := Postmortem(sampleIncident(), t0.Add(time.Hour), "http://jaeger:16686/trace/{trace_id}")
	for _, want := range []string{
		"# Postmortem: availability burned its error budget (incident 0123456789abcdef)",
		"- **Date:** 2026-11-27", "- **Status:** resolved, awaiting review", "- **SLO series:** availability {service.name=checkout, tenant=vip}",
		"## Summary", "burned at 40× the sustainable rate", "The page cleared at 2026-11-27 10:12:33, after 12m30s.",
		"Bad events concentrate on `http.route=/pay|now` (97.0 % of them, lift 4.05).",
		"## Impact", "Bad events since the page: 1234 of 5000 valid events (24.7 %).",
		"Error budget consumed since open: 12.5 % of the budget of this period so far (90.0 % remained at the start).", "Duration: 12m30s until the service recovered (no recovery seen yet); the page fired for 12m30s.",
		"## Detection", "`SLOErrorBudgetBurn` (severity page) fired at 2026-11-27 10:00:03 with burn rates 1h 16.5×, 5m 40×.",
		"## Trigger", "Hypothesis: the deployment of version `2.0.0` at 2026-11-27 09:57:03 (3m0s before the page), the last deployment before the burn began.",
		"## Timeline (UTC)",
		"- 2026-11-26 14:00:03 — deployment of checkout version `1.9.0` (cicd), commit abc123\n- 2026-11-27 09:57:03 — deployment of checkout version `2.0.0` (version_change)\n- 2026-11-27 10:00:03 — page alert `SLOErrorBudgetBurn` fires",
		"- 2026-11-27 10:04:03 — peak burn rate 55.25×", "- 2026-11-27 10:12:33 — page clears; episode resolved (12.5 % of the budget consumed)",
		"| `http.route` | `/pay\\|now` | 1200 | 3 | 4.05 | 97.0 % |", "| `http.response.status_code` | `500` | 1234 | 0 | 4.1 | 100.0 % |",
		"- [4bf92f3577b34da6a3ce929d0e0e4736](http://jaeger:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736)",
		"## Action items", "| Action item | Type | Owner | Bug |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

func TestPostmortemOfAnOpenIncidentWithoutEvidence(t *testing.T) {
	inc := srestate.Incident{ID: "x", SLO: "latency", Start: t0, Severity: "page"}
	md := Postmortem(inc, t0.Add(90*time.Second), "")
	for _, want := range []string{
		"- **Status:** open", "- **Service:** (unknown)", "- **SLO series:** latency\n", "The page is still firing after 1m30s.",
		"burn rates unknown", "No deployment of (unknown) was seen in the lookback before the burn began.",
		"No attribute value separated bad from good events.", "No bad event was seen with a trace ID.",
		"(0.0 %)", "Duration: 1m30s until the service recovered (no recovery seen yet)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	for _, unwanted := range []string{"page clears", "peak burn rate", "Bad events concentrate"} {
		if strings.Contains(md, unwanted) {
			t.Errorf("open draft without data has %q", unwanted)
		}
	}
	inc.Exemplars = []string{"abc"}
	if md := Postmortem(inc, t0, ""); !strings.Contains(md, "- `abc`\n\n## Action items") {
		t.Error("exemplar without a trace URL")
	}
}

// An incident with two episodes, a recovery and a rollback: the draft shows every episode, the
// rollback as remediation, and the deploy before the burn as the trigger.
func TestPostmortemOfEpisodesWithARollback(t *testing.T) {
	inc := sampleIncident()
	inc.Deployments = append(inc.Deployments, srestate.Deployment{Service: "checkout", Version: "1.9.0", At: t0.Add(5 * time.Minute), Source: "version_change", Rollback: true})
	inc.Recovered = t0.Add(6 * time.Minute)
	inc.Reopened = 1
	inc.PeriodStart = t0.Add(-30 * 24 * time.Hour)
	inc.Episodes = []srestate.Episode{
		{Start: t0.Add(-20 * time.Minute), Resolved: t0.Add(-15 * time.Minute), BurnAtOpen: map[string]float64{"5m": 7}},
		{Start: t0, Recovered: t0.Add(6 * time.Minute), Resolved: inc.Resolved, BurnAtOpen: inc.BurnAtOpen, BudgetConsumed: 0.125},
	}
	md := Postmortem(inc, t0.Add(time.Hour), "")
	for _, want := range []string{
		"The service recovered at 2026-11-27 10:06:03, after 6m0s.",
		"This is episode 2 of the incident",
		"of the budget of this period so far, which started 2026-10-28 10:00:03",
		"Duration: 6m0s until the service recovered; the page fired for 12m30s.",
		"Hypothesis: the deployment of version `2.0.0`",
		"- 2026-11-27 09:40:03 — page alert `SLOErrorBudgetBurn` fires; incident opened (burn 5m 7×)",
		"- 2026-11-27 09:45:03 — page clears; episode resolved",
		"- 2026-11-27 10:00:03 — page alert `SLOErrorBudgetBurn` fires again: episode 2",
		"- 2026-11-27 10:05:03 — rollback of checkout to version `1.9.0` (version_change): remediation",
		"- 2026-11-27 10:06:03 — the service recovers",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("draft lacks %q", want)
		}
	}
	// A rollback as the last change before the burn is said so.
	inc.TriggerCutoff = t0.Add(10 * time.Minute)
	if md := Postmortem(inc, t0.Add(time.Hour), ""); !strings.Contains(md, "the last change was the rollback to `1.9.0`") {
		t.Error("a rollback before the burn named as a deployment")
	}
}

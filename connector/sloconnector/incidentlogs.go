package sloconnector

import (
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-sre/otelcol-sre/internal/incident"
)

// incidentLogs turns incident events into OTLP log records, one per event, under a resource
// naming the incident's service, so Loki indexes them by service_name.
func incidentLogs(events []incident.Event, instanceID string) plog.Logs {
	ld := plog.NewLogs()
	for _, ev := range events {
		inc := ev.Incident
		rl := ld.ResourceLogs().AppendEmpty()
		res := rl.Resource().Attributes()
		res.PutStr("service.name", inc.Service)
		if instanceID != "" {
			res.PutStr("collector.instance.id", instanceID)
		}
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(scopeName)
		lr := sl.LogRecords().AppendEmpty()
		at := inc.Updated
		switch ev.Kind {
		case incident.Opened:
			at = inc.Start
		case incident.Resolved:
			at = inc.Resolved
		}
		lr.SetTimestamp(pcommon.NewTimestampFromTime(at))
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		lr.SetEventName(ev.Kind.EventName())
		if ev.Kind == incident.Resolved {
			lr.SetSeverityNumber(plog.SeverityNumberInfo)
			lr.SetSeverityText("INFO")
		} else {
			lr.SetSeverityNumber(plog.SeverityNumberError)
			lr.SetSeverityText("ERROR")
		}
		lr.Body().SetStr(incidentSummary(ev))
		if len(inc.Exemplars) > 0 {
			if b, err := hex.DecodeString(inc.Exemplars[0]); err == nil && len(b) == 16 {
				lr.SetTraceID(pcommon.TraceID(b))
			}
		}
		putIncidentAttributes(lr.Attributes(), ev)
	}
	return ld
}

func incidentSummary(ev incident.Event) string {
	inc := ev.Incident
	switch ev.Kind {
	case incident.Opened:
		if inc.Reopened > 0 {
			return fmt.Sprintf("SLO %s of %s is burning its error budget again (peak burn %.1f×); incident %s episode %d opened", inc.SLO, inc.Service, inc.PeakBurn, inc.ID, len(inc.Episodes))
		}
		return fmt.Sprintf("SLO %s of %s is burning its error budget (peak burn %.1f×); incident %s opened", inc.SLO, inc.Service, inc.PeakBurn, inc.ID)
	case incident.Resolved:
		return fmt.Sprintf("SLO %s of %s page cleared; incident %s resolved, impact %s, %.1f %% of the budget consumed", inc.SLO, inc.Service, inc.ID, inc.Duration(inc.Resolved).Round(time.Second), 100*inc.BudgetConsumed)
	}
	return fmt.Sprintf("SLO %s of %s still burning (peak burn %.1f×, %.1f %% of the budget consumed); incident %s", inc.SLO, inc.Service, inc.PeakBurn, 100*inc.BudgetConsumed, inc.ID)
}

func putIncidentAttributes(m pcommon.Map, ev incident.Event) {
	inc := ev.Incident
	m.PutStr("event.name", ev.Kind.EventName())
	m.PutStr("incident.id", inc.ID)
	m.PutStr(attrSLOName, inc.SLO)
	m.PutStr("service.name", inc.Service)
	m.PutStr("incident.severity", inc.Severity)
	m.PutStr("incident.alert", inc.Alert)
	m.PutStr("incident.start", inc.Start.UTC().Format(time.RFC3339))
	m.PutInt("incident.episode", int64(max(len(inc.Episodes), 1)))
	if !inc.Recovered.IsZero() {
		m.PutStr("incident.recovered", inc.Recovered.UTC().Format(time.RFC3339))
	}
	if !inc.Open() {
		m.PutStr("incident.resolved", inc.Resolved.UTC().Format(time.RFC3339))
		m.PutDouble("incident.duration_seconds", inc.Duration(inc.Resolved).Seconds())
	}
	if d, ok := inc.Trigger(); ok && !d.Rollback {
		m.PutStr("incident.trigger.version", d.Version)
	}
	for _, k := range slices.Sorted(maps.Keys(inc.Identity)) {
		if k != "service.name" {
			m.PutStr(k, inc.Identity[k])
		}
	}
	for _, w := range slices.Sorted(maps.Keys(inc.BurnAtOpen)) {
		m.PutDouble("incident.burn_rate_at_open."+w, finiteOr(inc.BurnAtOpen[w], 0))
	}
	m.PutDouble("incident.budget_remaining_at_open", finiteOr(inc.BudgetAtOpen, 0))
	m.PutDouble("incident.peak_burn_rate", finiteOr(inc.PeakBurn, 0))
	m.PutDouble("incident.budget_consumed", finiteOr(inc.BudgetConsumed, 0))
	m.PutDouble("incident.bad_events", finiteOr(inc.BadEvents, 0))
	m.PutDouble("incident.valid_events", finiteOr(inc.ValidEvents, 0))
	m.PutInt("incident.reopened", int64(inc.Reopened))
	deps := m.PutEmptySlice("incident.deployments")
	for _, d := range inc.Deployments {
		kind := d.Source
		if d.Rollback {
			kind += ", rollback"
		}
		deps.AppendEmpty().SetStr(fmt.Sprintf("%s@%s (%s)", d.Version, d.At.UTC().Format(time.RFC3339), kind))
	}
	factors := m.PutEmptySlice("incident.contributing_factors")
	for _, f := range inc.Factors {
		factors.AppendEmpty().SetStr(fmt.Sprintf("%s=%s lift=%.2f bad=%g good=%g", f.Attribute, f.Value, f.Lift, f.Bad, f.Good))
	}
	if len(inc.Factors) > 0 {
		m.PutStr("incident.top_factor", inc.Factors[0].Attribute+"="+inc.Factors[0].Value)
	}
	ex := m.PutEmptySlice("incident.exemplar_trace_ids")
	for _, id := range inc.Exemplars {
		ex.AppendEmpty().SetStr(id)
	}
}

func isNonFinite(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

func finiteOr(v, fallback float64) float64 {
	if isNonFinite(v) {
		return fallback
	}
	return v
}

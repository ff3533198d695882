package sloconnector

import (
	"context"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/internal/incident"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

const (
	maxVersionServices = 1000 // services whose version changes are remembered
	maxVersionsKept    = 16   // versions remembered per service
	incidentsKey       = "slo/incidents"
)

// versionTracker remembers when each (service, version) was first seen: a deployment, as
// Four Keys counts it. A service's first version is its baseline, not a deployment, and a
// canary interleaving two versions is one deployment because a version counts once.
type versionTracker struct {
	mu       sync.Mutex
	services map[string]*serviceVersions
}

type serviceVersions struct {
	seen    []string
	changes []srestate.Deployment
}

func newVersionTracker() *versionTracker {
	return &versionTracker{services: map[string]*serviceVersions{}}
}

func (v *versionTracker) observe(service, version string, at time.Time) {
	if service == "" || version == "" {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	sv := v.services[service]
	if sv == nil {
		if len(v.services) >= maxVersionServices {
			return
		}
		v.services[service] = &serviceVersions{seen: []string{version}}
		return
	}
	if slices.Contains(sv.seen, version) {
		return
	}
	if len(sv.seen) >= maxVersionsKept {
		sv.seen = sv.seen[1:]
	}
	sv.seen = append(sv.seen, version)
	if len(sv.changes) >= maxVersionsKept {
		sv.changes = sv.changes[1:]
	}
	sv.changes = append(sv.changes, srestate.Deployment{Service: service, Version: version, At: at, Source: "version_change"})
}

func (v *versionTracker) changes(service string, from, to time.Time) []srestate.Deployment {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []srestate.Deployment
	if sv := v.services[service]; sv != nil {
		for _, d := range sv.changes {
			if !d.At.Before(from) && !d.At.After(to) {
				out = append(out, d)
			}
		}
	}
	return out
}

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
		return fmt.Sprintf("SLO %s of %s is burning its error budget (peak burn %.1f×); incident %s opened", inc.SLO, inc.Service, inc.PeakBurn, inc.ID)
	case incident.Resolved:
		return fmt.Sprintf("SLO %s of %s recovered; incident %s resolved after %s, %.1f %% of the budget consumed", inc.SLO, inc.Service, inc.ID, inc.Resolved.Sub(inc.Start).Round(time.Second), 100*inc.BudgetConsumed)
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
	if !inc.Open() {
		m.PutStr("incident.resolved", inc.Resolved.UTC().Format(time.RFC3339))
		m.PutDouble("incident.duration_seconds", inc.Resolved.Sub(inc.Start).Seconds())
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
		deps.AppendEmpty().SetStr(fmt.Sprintf("%s@%s (%s)", d.Version, d.At.UTC().Format(time.RFC3339), d.Source))
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

// saveIncidents stores the tracker's records, so a restart keeps open incidents open.
func (c *sloConnector) saveIncidents(ctx context.Context) {
	if c.storage == nil {
		return
	}
	b, err := c.incidents.tracker.Marshal()
	if err == nil {
		err = c.storage.Set(ctx, incidentsKey, b)
	}
	if err != nil {
		c.logger.Warn("storing incidents failed", zap.Error(err))
	}
}

// restoreIncidents loads stored records and shows them on the board.
func (c *sloConnector) restoreIncidents(ctx context.Context) {
	b, err := c.storage.Get(ctx, incidentsKey)
	if err != nil || b == nil {
		return
	}
	if err := c.incidents.tracker.Unmarshal(b); err != nil {
		c.logger.Warn("stored incidents are unreadable; starting without them", zap.Error(err))
		return
	}
	if c.board != nil {
		for _, inc := range c.incidents.tracker.Incidents() {
			c.board.PutIncident(inc)
		}
	}
}

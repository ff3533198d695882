package pillarsexporter

import (
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

func (p *pillars) collectLogs(ld plog.Logs, now time.Time) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		vals, key, ok := p.identity(rl.Resource().Attributes())
		if !ok {
			continue
		}
		s, ok := p.lookup(vals, key, now)
		if !ok {
			continue
		}
		s.signals["logs"] = true
		p.observeResource(s, rl.Resource().Attributes(), now)
		c := s.window.at(now, p.bucketWidth())
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			// The slo connector's incident records name the service they are about; they are
			// not its logs, so they are no evidence of its log coverage or clocks.
			own := rl.ScopeLogs().At(j).Scope().Name() != slonames.Scope
			records := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				if own {
					collectLogRecord(c, records.At(k))
				}
				p.collectEvent(s, records.At(k), now)
			}
		}
	}
}

// collectEvent reads deployment, rollback and incident events (event.name, CDEvents-style).
func (p *pillars) collectEvent(s *serviceState, lr plog.LogRecord, now time.Time) {
	attrs := lr.Attributes()
	name := lr.EventName()
	if name == "" {
		name = str(attrs, "event.name")
	}
	at := lr.Timestamp().AsTime()
	if lr.Timestamp() == 0 {
		at = now
	}
	revision, version := p.labels.Bound(str(attrs, "vcs.ref.head.revision")), p.labels.Bound(str(attrs, "service.version"))
	switch name {
	case "deployment", "service.deployed", "dev.cdevents.service.deployed":
		if str(attrs, "deployment.status") == "failed" {
			return
		}
		d := score.Deployment{Revision: revision, Version: version, At: at, Source: score.SourceLogEvent,
			ChangeID: p.labels.Bound(str(attrs, p.cfg.Standards.ChangeIDAttribute)), Manual: p.manualTrigger(attrs)}
		if ct := timeAttr(attrs, "vcs.ref.head.revision.timestamp"); !ct.IsZero() {
			d.CommitTimes = []time.Time{ct}
		}
		s.addDeployment(d)
	case "service.rolledback", "dev.cdevents.service.rolledback":
		s.addDeployment(score.Deployment{Revision: revision, Version: version, At: at, Source: score.SourceLogEvent, Rollback: true})
	case "incident":
		id := p.labels.Bound(str(attrs, "incident.id"))
		switch str(attrs, "incident.state") {
		case "opened", "detected", "reported":
			if len(s.openAlerts) < maxOpenAlerts {
				s.openAlerts["incident:"+id] = at
			}
		case "resolved":
			if start, ok := s.openAlerts["incident:"+id]; ok {
				delete(s.openAlerts, "incident:"+id)
				s.addIncident(score.Incident{Start: start, Resolved: at})
			}
		}
	}
}

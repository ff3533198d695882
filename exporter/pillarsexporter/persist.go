package pillarsexporter

import (
	"bytes"
	"context"
	"encoding/gob"
	"maps"
	"slices"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
	"github.com/otelcol-sre/otelcol-sre/internal/storageclient"
)

// The DORA event history survives restarts through the storage extension: deployments,
// incidents, open alerts, the last version seen and the budget history, per service. Counts
// of spans are not kept: they describe the traffic since start, and the scorecard says so.
const stateKey = "pillars/state/v1"

type storedService struct {
	Labels      []string
	Version     string
	Deployments []score.Deployment
	Incidents   []score.Incident
	OpenAlerts  map[string]time.Time
	PageAlerts  []time.Time
	Exhausted   [][2]time.Time
	AlertSeen   bool
	FirstSeen   time.Time
	// Usage is the FinOps history (per UTC day) and Restarts the restart signals.
	Usage        standards.UsageDays
	Restarts     []time.Time
	ResourceSeen time.Time
}

func (p *pillars) openStorage(ctx context.Context, host component.Host) error {
	if p.cfg.Storage == nil {
		return nil
	}
	client, err := storageclient.Open(ctx, host, *p.cfg.Storage, component.KindExporter, p.id)
	if err != nil {
		return err
	}
	p.storage = client
	raw, err := client.Get(ctx, stateKey)
	if err != nil || raw == nil {
		return err
	}
	var stored map[string]storedService
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&stored); err != nil {
		p.set.Logger.Warn("stored pillars state is unreadable; starting afresh", zap.Error(err))
		return nil
	}
	for key, st := range stored {
		s, ok := p.service(st.Labels, key, p.now())
		if !ok {
			break // more stored services than max_services now allows
		}
		s.version, s.deployments, s.incidents, s.pageAlerts = st.Version, st.Deployments, st.Incidents, st.PageAlerts
		s.alertSeen = st.AlertSeen
		s.std.usage, s.std.restarts, s.std.resourceSeen = st.Usage, st.Restarts, st.ResourceSeen
		if !st.FirstSeen.IsZero() && st.FirstSeen.Before(s.firstSeen) {
			s.firstSeen = st.FirstSeen // observed history continues across the restart
		}
		if st.OpenAlerts != nil {
			s.openAlerts = st.OpenAlerts
		}
		for _, r := range st.Exhausted {
			s.exhausted = append(s.exhausted, timeRange{from: r[0], to: r[1]})
		}
	}
	// A history stored before identities were unified may hold one service twice: join them.
	for _, key := range slices.Sorted(maps.Keys(p.services)) {
		if s, ok := p.services[key]; ok {
			p.lookup(s.labels, key, p.now())
		}
	}
	p.set.Logger.Info("restored pillars event history", zap.Int("services", len(stored)))
	return nil
}

// storedState copies the event history; the caller holds p.mu.
func (p *pillars) storedState() map[string]storedService {
	if p.storage == nil {
		return nil
	}
	out := make(map[string]storedService, len(p.services))
	for key, s := range p.services {
		st := storedService{Labels: s.labels, Version: s.version, Deployments: append([]score.Deployment(nil), s.deployments...),
			Incidents: append([]score.Incident(nil), s.incidents...), OpenAlerts: maps.Clone(s.openAlerts),
			PageAlerts: append([]time.Time(nil), s.pageAlerts...), AlertSeen: s.alertSeen, FirstSeen: s.firstSeen,
			Usage: s.std.usage, Restarts: append([]time.Time(nil), s.std.restarts...), ResourceSeen: s.std.resourceSeen}
		for _, r := range s.exhausted {
			st.Exhausted = append(st.Exhausted, [2]time.Time{r.from, r.to})
		}
		out[key] = st
	}
	return out
}

// saveState writes the event history at shutdown.
func (p *pillars) saveState(ctx context.Context) {
	p.mu.Lock()
	stored := p.storedState()
	p.mu.Unlock()
	p.writeState(ctx, stored)
}

// writeState encodes and writes a copy of the event history without the ingest lock.
func (p *pillars) writeState(ctx context.Context, stored map[string]storedService) {
	if p.storage == nil || stored == nil {
		return
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(stored); err != nil {
		p.set.Logger.Warn("encoding pillars state failed", zap.Error(err))
		return
	}
	if err := p.storage.Set(ctx, stateKey, buf.Bytes()); err != nil {
		p.set.Logger.Warn("writing pillars state failed", zap.Error(err))
	}
}

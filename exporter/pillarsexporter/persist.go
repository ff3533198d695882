package pillarsexporter

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
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
	SLOSeen     bool
	AlertSeen   bool
}

func (p *pillars) openStorage(ctx context.Context, host component.Host) error {
	if p.cfg.Storage == nil {
		return nil
	}
	ext, ok := host.GetExtensions()[*p.cfg.Storage]
	if !ok {
		return fmt.Errorf("storage: extension %q is not configured in service.extensions", p.cfg.Storage)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("storage: extension %q is not a storage extension", p.cfg.Storage)
	}
	client, err := se.GetClient(ctx, component.KindExporter, p.id, "")
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
		s.sloSeen, s.alertSeen = st.SLOSeen, st.AlertSeen
		if st.OpenAlerts != nil {
			s.openAlerts = st.OpenAlerts
		}
		for _, r := range st.Exhausted {
			s.exhausted = append(s.exhausted, timeRange{from: r[0], to: r[1]})
		}
	}
	p.set.Logger.Info("restored pillars event history", zap.Int("services", len(stored)))
	return nil
}

// saveState writes the event history. The caller holds p.mu.
func (p *pillars) saveState(ctx context.Context) {
	if p.storage == nil {
		return
	}
	out := make(map[string]storedService, len(p.services))
	for key, s := range p.services {
		st := storedService{Labels: s.labels, Version: s.version, Deployments: s.deployments, Incidents: s.incidents,
			OpenAlerts: s.openAlerts, PageAlerts: s.pageAlerts, SLOSeen: s.sloSeen, AlertSeen: s.alertSeen}
		for _, r := range s.exhausted {
			st.Exhausted = append(st.Exhausted, [2]time.Time{r.from, r.to})
		}
		out[key] = st
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(out); err != nil {
		p.set.Logger.Warn("encoding pillars state failed", zap.Error(err))
		return
	}
	if err := p.storage.Set(ctx, stateKey, buf.Bytes()); err != nil {
		p.set.Logger.Warn("writing pillars state failed", zap.Error(err))
	}
}

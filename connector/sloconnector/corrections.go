package sloconnector

import (
	"time"

	"go.uber.org/zap"
)

// applyCorrections takes back, from the restored windows, the events of every one-off window
// that started before now and that no run of this SLO has seen before: a window added after
// the fact. A window still ahead is marked seen, so that a later restart does not take its
// edges back a second time (its events are excluded as they arrive). The caller holds c.mu.
func (c *sloConnector) applyCorrections(now time.Time) {
	for _, rt := range c.slos {
		for _, scope := range rt.maintenance.scopes {
			for _, iv := range scope.schedule.OneOffs() {
				id := correctionID(iv, scope.services)
				if rt.corrected[id] {
					continue
				}
				rt.corrected[id] = true
				if !iv.Start.Before(now) {
					continue
				}
				to := iv.End
				if !to.Before(now) {
					to = now.Add(time.Nanosecond) // up to the spans ending now; later ones are excluded as they arrive
				}
				for _, s := range rt.series {
					if !scope.covers(s.service()) {
						continue
					}
					if taken := s.state.TakeBack(&rt.spec, now, iv.Start, to, iv.Reason); taken.Valid() > 0 {
						c.logger.Info("maintenance window added after the fact: its stored events are taken back",
							zap.String("slo", rt.cfg.Name), zap.String("service", s.service()), zap.String("reason", iv.Reason),
							zap.Time("from", iv.Start), zap.Time("to", to), zap.Float64("good", taken.Good), zap.Float64("bad", taken.Bad))
					}
				}
			}
		}
	}
}

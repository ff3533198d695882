package sloconnector

import (
	"context"

	"go.uber.org/zap"
)

const incidentsKey = "slo/incidents"

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

package sloconnector

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
)

// Two records per SLO: small cumulative counters, written before every emission, and the full
// windows, written every checkpoint_interval. After a crash, counters continue from the last
// emitted value and windows from the last checkpoint.
const stateVersion = 1

type storedCounters struct {
	Version int
	Hash    string
	Series  []storedSeries
}

type storedWindows struct {
	Version int
	Hash    string
	SavedAt int64
	Series  map[string]window.Snapshot
	// Corrected are the one-off maintenance windows these windows already account for.
	Corrected []string
}

type storedSeries struct {
	Key      string
	Attrs    [][2]string
	Start    int64
	Total    window.Counts
	Excluded map[string]float64
}

// storedHistory is one SLO's console history, written with its windows.
type storedHistory struct {
	Version int
	Hash    string
	Series  map[string]*seriesHistory // by srestate.SeriesKey
}

func countersKey(name string) string { return "slo/" + name + "/counters" }
func historyKey(name string) string  { return "slo/" + name + "/history" }
func windowsKey(name string) string  { return "slo/" + name + "/windows" }

// encodeCounters serialises every SLO's counters. The caller holds c.mu.
func (c *sloConnector) encodeCounters() map[string][]byte {
	out := make(map[string][]byte, len(c.slos))
	for _, rt := range c.slos {
		rec := storedCounters{Version: stateVersion, Hash: rt.hash}
		for key, s := range rt.series {
			rec.Series = append(rec.Series, storedSeries{Key: key, Attrs: s.attrs, Start: int64(s.start), Total: s.state.Total, Excluded: s.excluded})
		}
		out[countersKey(rt.cfg.Name)] = encode(rec)
	}
	return out
}

// checkpoint writes counters and, when windows is set, the full windows of every SLO.
func (c *sloConnector) checkpoint(ctx context.Context, windows bool) error {
	c.mu.Lock()
	records := c.encodeCounters()
	if windows {
		now := c.now().UnixNano()
		for _, rt := range c.slos {
			rec := storedWindows{Version: stateVersion, Hash: rt.hash, SavedAt: now, Series: make(map[string]window.Snapshot, len(rt.series)),
				Corrected: slices.Sorted(maps.Keys(rt.corrected))}
			for key, s := range rt.series {
				rec.Series[key] = s.state.Snapshot()
			}
			records[windowsKey(rt.cfg.Name)] = encode(rec)
		}
	}
	c.mu.Unlock()
	if windows && c.history != nil {
		maps.Copy(records, c.history.encode())
	}
	return c.writeState(ctx, records)
}

func (c *sloConnector) writeState(ctx context.Context, records map[string][]byte) error {
	ops := make([]*storage.Operation, 0, len(records))
	for k, v := range records {
		ops = append(ops, storage.SetOperation(k, v))
	}
	err := c.storage.Batch(ctx, ops...)
	result := "success"
	if err != nil {
		result = "error"
		c.logger.Warn("writing SLO state failed", zap.Error(err))
	}
	c.telemetry.ConnectorSloCheckpoints.Add(ctx, 1, metric.WithAttributes(attribute.String("result", result)))
	return err
}

func encode(v any) []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		panic(fmt.Sprintf("gob encoding of plain structs cannot fail: %v", err)) // programming error
	}
	return buf.Bytes()
}

// restore loads each SLO's stored state. An SLO whose definition changed starts afresh, alone.
func (c *sloConnector) restore(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rt := range c.slos {
		log := c.logger.With(zap.String("slo", rt.cfg.Name))
		var counters storedCounters
		var windows storedWindows
		okC, errC := c.load(ctx, countersKey(rt.cfg.Name), &counters)
		okW, errW := c.load(ctx, windowsKey(rt.cfg.Name), &windows)
		switch {
		case errC != nil || errW != nil:
			log.Warn("stored SLO state is unreadable; starting afresh", zap.NamedError("counters", errC), zap.NamedError("windows", errW))
			continue
		case !okC:
			continue
		case counters.Version != stateVersion || counters.Hash != rt.hash:
			log.Info("SLO definition changed since its state was stored; resetting this SLO", zap.String("stored_hash", counters.Hash), zap.String("hash", rt.hash))
			continue
		}
		restored := 0
		if okW && windows.Hash == rt.hash {
			for _, id := range windows.Corrected {
				rt.corrected[id] = true
			}
		}
		for _, ss := range counters.Series {
			s := &series{attrs: ss.Attrs, start: pcommon.Timestamp(ss.Start)}
			if snap, ok := windows.Series[ss.Key]; okW && ok && windows.Hash == rt.hash {
				if st, err := window.RestoreSeries(rt.spec, snap); err == nil {
					s.state = st
				}
			}
			if s.state == nil {
				s.state = window.NewSeries(rt.spec)
			}
			s.state.Total = ss.Total // the counters record is never older than the windows
			s.emitted = ss.Total
			for _, reason := range rt.maintenance.reasons { // a reason no longer configured is not carried on
				if v, ok := ss.Excluded[reason]; ok {
					s.exclude(reason, v)
				}
			}
			rt.series[ss.Key] = s
			restored++
		}
		age := time.Duration(0)
		if okW {
			age = c.now().Sub(time.Unix(0, windows.SavedAt))
		}
		if c.history != nil {
			var stored storedHistory
			if ok, err := c.load(ctx, historyKey(rt.cfg.Name), &stored); err != nil {
				log.Warn("stored SLO history is unreadable; the charts start afresh", zap.Error(err))
			} else if ok && stored.Version == stateVersion && stored.Hash == rt.hash {
				c.history.restore(stored.Series)
			}
		}
		log.Info("restored SLO state", zap.Int("series", restored), zap.Duration("windows_age", age))
	}
}

func (c *sloConnector) load(ctx context.Context, key string, into any) (bool, error) {
	b, err := c.storage.Get(ctx, key)
	if err != nil || b == nil {
		return false, err
	}
	return true, gob.NewDecoder(bytes.NewReader(b)).Decode(into)
}

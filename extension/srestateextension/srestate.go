package srestateextension

import (
	"context"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/otelcol-sre/otelcol-sre/extension/srestateextension/internal/metadata"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// stateExtension holds one Board for the collector's lifetime.
type stateExtension struct {
	cfg       *Config
	set       component.TelemetrySettings
	server    *http.Server // the console, when console.endpoint is set
	board     *srestate.Board
	telemetry *metadata.TelemetryBuilder
	done      chan struct{}
	wg        sync.WaitGroup
}

var _ srestate.Provider = (*stateExtension)(nil)

func newExtension(set component.TelemetrySettings, cfg *Config) (*stateExtension, error) {
	tb, err := metadata.NewTelemetryBuilder(set)
	if err != nil {
		return nil, err
	}
	return &stateExtension{
		cfg:       cfg,
		set:       set,
		telemetry: tb,
		board: srestate.NewBoard(srestate.Limits{
			MaxSeries: cfg.MaxSeries, MaxIncidents: cfg.MaxIncidents,
			MaxServices: cfg.MaxServices, MaxDeployments: cfg.MaxDeploymentsPerService,
		}),
	}, nil
}

// SREState returns the shared board.
func (e *stateExtension) SREState() *srestate.Board { return e.board }

func (e *stateExtension) Start(ctx context.Context, host component.Host) error {
	if err := e.startConsole(ctx, host); err != nil {
		return err
	}
	e.done = make(chan struct{})
	e.wg.Add(1)
	go e.record()
	return nil
}

func (e *stateExtension) record() {
	defer e.wg.Done()
	t := time.NewTicker(e.cfg.TelemetryInterval)
	defer t.Stop()
	var refused int64
	for {
		select {
		case <-e.done:
			return
		case <-t.C:
			ctx := context.Background()
			series, open := e.board.Counts()
			e.telemetry.SreStateSeries.Record(ctx, int64(series))
			e.telemetry.SreStateOpenIncidents.Record(ctx, int64(open))
			dropped, _ := e.board.Dropped()
			e.telemetry.SreStateRefusedSeries.Add(ctx, dropped-refused)
			refused = dropped
		}
	}
}

func (e *stateExtension) Shutdown(ctx context.Context) error {
	var err error
	if e.server != nil {
		err = e.server.Shutdown(ctx)
		e.server = nil
		e.board.SetConsoleAddr("")
	}
	if e.done != nil {
		close(e.done)
		e.wg.Wait()
		e.done = nil
	}
	e.wg.Wait()
	e.telemetry.Shutdown()
	return err
}

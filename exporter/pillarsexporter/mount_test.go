package pillarsexporter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

type boardExt struct {
	component.StartFunc
	component.ShutdownFunc
	board *srestate.Board
}

func (e boardExt) SREState() *srestate.Board { return e.board }

// With a board the scorecard is on the console, with or without pillars' own endpoint, and
// leaves it at shutdown; with neither, Start names both settings.
func TestScorecardMountsOnTheBoard(t *testing.T) {
	for _, own := range []bool{false, true} {
		board := srestate.NewBoard(srestate.Limits{})
		host := hostWith{Host: componenttest.NewNopHost(), ext: map[component.ID]component.Component{component.MustNewID("sre_state"): boardExt{board: board}}}
		cfg := createDefaultConfig().(*Config)
		if own {
			cfg.HTTP.NetAddr.Endpoint = "127.0.0.1:0"
		}
		p := newPillars(cfg, componenttest.NewNopTelemetrySettings(), time.Now)
		if err := p.Start(context.Background(), host); err != nil {
			t.Fatal(err)
		}
		for _, path := range mountedPaths {
			h, ok := board.Mounted(path)
			if !ok {
				t.Fatalf("own endpoint %v: %s not mounted", own, path)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != http.StatusOK || len(body) == 0 {
				t.Errorf("own endpoint %v: %s answered %d", own, path, rec.Code)
			}
		}
		if err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, ok := board.Mounted("/scorecard"); ok {
			t.Errorf("own endpoint %v: still mounted after shutdown", own)
		}
	}
	p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), time.Now)
	err := p.Start(context.Background(), componenttest.NewNopHost())
	if err == nil || !strings.Contains(err.Error(), "endpoint") || !strings.Contains(err.Error(), "console.endpoint") {
		t.Errorf("no endpoint and no sre_state: %v", err)
	}
}

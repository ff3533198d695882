package sloconnector

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// historyConnector starts a connector publishing to board, with emits driven by the test and
// the clock at *clock.
func historyConnector(t *testing.T, board *srestate.Board, clock *time.Time, store *memStorage, maxSeries int, slos ...SLO) *sloConnector {
	t.Helper()
	cfg := baseConfig(slos...)
	cfg.EmitInterval = time.Hour
	cfg.History.MaxSeries = maxSeries
	id := component.MustNewID("sre_state")
	cfg.State = &id
	c := newTestConnector(t, cfg)
	c.now = func() time.Time { return *clock }
	if err := c.Start(context.Background(), stateHost{Host: componenttest.NewNopHost(), board: board}); err != nil {
		t.Fatal(err)
	}
	if store != nil {
		c.storage = store
		c.restore(context.Background())
	}
	t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	return c
}

func serverSpans(service string, good, bad int, end time.Time) ptrace.Traces {
	var spans []testSpan
	for i := range good + bad {
		s := testSpan{service: service, kind: ptrace.SpanKindServer, endAgo: testNow.Sub(end)}
		if i < bad {
			s.status = ptrace.StatusCodeError
		}
		spans = append(spans, s)
	}
	return makeTraces(spans)
}

func detailOf(t *testing.T, board *srestate.Board, slo, service string, since time.Time) srestate.SLODetail {
	t.Helper()
	for _, s := range board.Series() {
		if s.SLO != slo || s.Service != service {
			continue
		}
		src, ok := board.Source(s.Source)
		if !ok {
			t.Fatalf("no source %q on the board", s.Source)
		}
		d, ok := src.SLODetail(s.Key(), since)
		if !ok {
			t.Fatalf("source knows no series %s", s.Key())
		}
		return d
	}
	t.Fatalf("no series %s/%s on the board: %+v", slo, service, board.Series())
	return srestate.SLODetail{}
}

// Every emit adds the events it saw to the minute's point; the budget and burn rates are the
// emit's; a restart restores the points from storage.
func TestHistoryRecordsEachEmitAndSurvivesARestart(t *testing.T) {
	clock := testNow.Truncate(time.Hour)
	store := &memStorage{kv: map[string][]byte{}}
	board := srestate.NewBoard(srestate.Limits{})
	slo := SLO{Name: "availability", Service: "checkout", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}
	c := historyConnector(t, board, &clock, store, 10, slo)
	for minute, bad := range []int{0, 5, 1} {
		clock = testNow.Truncate(time.Hour).Add(time.Duration(minute)*time.Minute + 10*time.Second)
		for range 2 { // two emits in one minute land in one point
			if err := c.ConsumeTraces(context.Background(), serverSpans("checkout", 50, bad, clock)); err != nil {
				t.Fatal(err)
			}
			c.emit(context.Background())
			clock = clock.Add(20 * time.Second)
		}
	}
	check := func(d srestate.SLODetail) {
		t.Helper()
		if d.Step != time.Minute || len(d.Points) != 3 {
			t.Fatalf("step %v, %d points: %+v", d.Step, len(d.Points), d.Points)
		}
		for i, want := range []float64{0, 10, 2} {
			p := d.Points[i]
			if p.Bad != want || p.Good != 100 {
				t.Errorf("point %d: good %v bad %v, want 100 and %v", i, p.Good, p.Bad, want)
			}
		}
		last := d.Points[2]
		// 12 bad of 312 against a 1 % budget.
		if want := 1 - (12.0/312)/0.01; math.Abs(last.BudgetRemaining-want) > 1e-6 {
			t.Errorf("budget %v, want %v", last.BudgetRemaining, want)
		}
		if len(last.BurnRates) != len(d.Windows) || d.Windows[len(d.Windows)-1] != "period" {
			t.Errorf("burn rates %v for windows %v", last.BurnRates, d.Windows)
		}
	}
	check(detailOf(t, board, "availability", "checkout", testNow.Add(-time.Hour)))

	if err := c.checkpoint(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	_ = c.Shutdown(context.Background())
	board2 := srestate.NewBoard(srestate.Limits{})
	c2 := historyConnector(t, board2, &clock, store, 10, slo)
	c2.emit(context.Background()) // publishes the restored series; no new events
	d := detailOf(t, board2, "availability", "checkout", testNow.Add(-time.Hour))
	if len(d.Points) == 4 { // the emit after the restart is a point of its own minute
		d.Points = d.Points[:3]
	}
	check(d)
}

// The definition reads as the config does: durations in their units, unset fields left out.
func TestHistoryDefinitionAndRulesAreTheConfigs(t *testing.T) {
	clock := testNow
	board := srestate.NewBoard(srestate.Limits{})
	slo := SLO{Name: "latency", Service: "checkout", Objective: 99.5, SLI: SLI{Latency: &Latency{Threshold: 300 * time.Millisecond}}}
	c := historyConnector(t, board, &clock, nil, 10, slo)
	if err := c.ConsumeTraces(context.Background(), serverSpans("checkout", 10, 0, clock)); err != nil {
		t.Fatal(err)
	}
	c.emit(context.Background())
	d := detailOf(t, board, "latency", "checkout", testNow.Add(-time.Hour))
	for _, want := range []string{"objective: 99.5", "threshold: 300ms", "rolling: 30d", "name: latency"} {
		if !strings.Contains(d.Definition, want) {
			t.Errorf("definition lacks %q:\n%s", want, d.Definition)
		}
	}
	for _, unwanted := range []string{"calendar:", "runbook_url:", "000000000"} {
		if strings.Contains(d.Definition, unwanted) {
			t.Errorf("definition has %q (an unset field or nanoseconds):\n%s", unwanted, d.Definition)
		}
	}
	if !strings.Contains(d.Rules, "slo:sli_error:ratio_rate5m") || !strings.Contains(d.Rules, `sloth_slo: latency`) {
		t.Errorf("rules are not the SLO's:\n%s", d.Rules)
	}
}

// Past history.max_series a new series is refused history (and says so), and the series that
// have history keep it.
func TestHistoryIsBoundedBySeries(t *testing.T) {
	clock := testNow
	board := srestate.NewBoard(srestate.Limits{})
	c := historyConnector(t, board, &clock, nil, 1, SLO{Name: "availability", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
	for _, svc := range []string{"a", "b"} {
		if err := c.ConsumeTraces(context.Background(), serverSpans(svc, 10, 1, clock)); err != nil {
			t.Fatal(err)
		}
		c.emit(context.Background())
	}
	if d := detailOf(t, board, "availability", "a", testNow.Add(-time.Hour)); len(d.Points) != 1 || d.NoHistory != "" {
		t.Errorf("first series: %d points, %q", len(d.Points), d.NoHistory)
	}
	if d := detailOf(t, board, "availability", "b", testNow.Add(-time.Hour)); len(d.Points) != 0 || !strings.Contains(d.NoHistory, "max_series") {
		t.Errorf("second series: %d points, %q", len(d.Points), d.NoHistory)
	}
}

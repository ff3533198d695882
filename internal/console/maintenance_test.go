package console

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// A window in range is a grey band on every chart, ending now while it is open; one ahead is
// listed as planned, not drawn; corrections are a table; the list marks the series.
func TestDetailShowsMaintenanceAndCorrections(t *testing.T) {
	b := srestate.NewBoard(srestate.Limits{})
	s := series("availability", "checkout", 1, false)
	s.InMaintenance = true
	b.PublishSeries("slo", []srestate.SeriesState{s})
	open := srestate.MaintenanceWindow{Start: now.Add(-20 * time.Minute), End: now.Add(40 * time.Minute), Reason: "db-upgrade"}
	past := srestate.MaintenanceWindow{Start: now.Add(-50 * time.Minute), End: now.Add(-45 * time.Minute), Reason: "dns"}
	old := srestate.MaintenanceWindow{Start: now.Add(-5 * time.Hour), End: now.Add(-4 * time.Hour), Reason: "old"}
	ahead := srestate.MaintenanceWindow{Start: now.Add(48 * time.Hour), End: now.Add(50 * time.Hour), Reason: "weekly-patching"}
	src := &source{detail: srestate.SLODetail{Windows: []string{"5m", "1h"}, Step: time.Minute,
		Points:      []srestate.HistoryPoint{{At: now.Add(-time.Hour), Good: 1, BudgetRemaining: 1, SLI: 1, BurnRates: []float64{0, 0}}, {At: now, Good: 1, BudgetRemaining: 1, SLI: 1, BurnRates: []float64{0, 0}}},
		Maintenance: []srestate.MaintenanceWindow{old, past, open, ahead},
		Corrections: []srestate.Correction{{From: now.Add(-3 * time.Hour), To: now.Add(-2 * time.Hour), Applied: now.Add(-time.Minute), Reason: "payment-provider", Good: 12, Bad: 3400}}}}
	b.SetSource("slo", src)
	h := newConsole(b)
	id := srestate.ConsoleID(s.Key())
	var d Detail
	get(t, h, "/slos/"+id+".json?range=1h", &d)
	var bands []Annotation
	for _, a := range d.Annotations {
		if a.Kind == "maintenance" {
			bands = append(bands, a)
		}
	}
	if len(bands) != 2 || !bands[0].At.Equal(past.Start) || !bands[1].At.Equal(open.Start) || bands[1].End == nil || !bands[1].End.Equal(now) {
		t.Errorf("bands %+v: want the past and the open window (the open one ending now), not the one before the range", bands)
	}
	if len(d.Upcoming) != 1 || d.Upcoming[0].Reason != "weekly-patching" || len(d.Corrections) != 1 || d.Corrections[0].Bad != 3400 {
		t.Errorf("upcoming %+v, corrections %+v", d.Upcoming, d.Corrections)
	}
	if !d.InMaintenance {
		t.Error("the row does not say the series is in maintenance")
	}
	code, body := get(t, h, "/slos/"+id+"?range=1h", nil)
	if code != http.StatusOK {
		t.Fatalf("detail page %d", code)
	}
	for _, want := range []string{`id="tile-maintenance"`, `id="upcoming"`, "weekly-patching", `id="corrections"`, "payment-provider", "3400", `fill="#888"`} {
		if !strings.Contains(body, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	if n := strings.Count(body, `class="mark maintenance"`); n != 8 {
		t.Errorf("%d maintenance marks, want 2 windows on each of 4 charts", n)
	}
	_, list := get(t, h, "/slos", nil)
	if !strings.Contains(list, `(maintenance)`) {
		t.Error("the list does not mark the series in maintenance")
	}
}

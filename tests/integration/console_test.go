//go:build integration

package integration

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

type consoleRow struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	SLO       string `json:"slo"`
	Service   string `json:"service"`
	Group     map[string]string
	Objective float64  `json:"objective"`
	Kind      string   `json:"sli_kind"`
	SLI       *float64 `json:"sli"`
	Budget    *float64 `json:"budget_remaining"`
	Alert     string   `json:"alert"`
	Good      float64  `json:"period_good_events"`
	Bad       float64  `json:"period_bad_events"`
	Incident  *struct {
		ID string `json:"id"`
	} `json:"open_incident"`
}

type consoleDetail struct {
	consoleRow
	Range       string     `json:"range"`
	HistoryFrom *time.Time `json:"history_from"`
	History     []struct {
		At        time.Time          `json:"at"`
		Good      float64            `json:"good_events"`
		Bad       float64            `json:"bad_events"`
		Budget    *float64           `json:"budget_remaining"`
		BurnRates map[string]float64 `json:"burn_rates"`
	} `json:"history"`
	Alerts []struct {
		Severity string `json:"severity"`
		State    string `json:"state"`
	} `json:"alerts"`
	Annotations []struct {
		Kind  string `json:"kind"`
		Label string `json:"label"`
		URL   string `json:"url"`
	} `json:"annotations"`
	Exemplars []struct {
		TraceID string `json:"trace_id"`
	} `json:"exemplars"`
	Definition string `json:"definition"`
	Rules      string `json:"prometheus_rules"`
}

func (d consoleDetail) historyEvents() (good, bad float64) {
	for _, p := range d.History {
		good, bad = good+p.Good, bad+p.Bad
	}
	return good, bad
}

// The console through the embedded default config, as a team sees it: one row per series with
// exact counts, the detail page's history summing to the same counts, the bad deploy and its
// incident on the charts, and the history kept across a restart.
func TestConsoleThroughTheDefaultConfig(t *testing.T) {
	bins := harness.Bins(t)
	r := &rollout{t: t, env: harness.CollectorEnv(t)}
	r.col = harness.StartCollector(t, bins.Collector, "otelcol-sre-console", r.env)
	console := "http://" + r.env[harness.EnvPillars]
	provider := func(version string) *sdktrace.TracerProvider {
		return harness.TracerProvider(t, r.col.OTLPGRPC(), attribute.String("service.name", "checkout"),
			attribute.String("service.version", version), attribute.String("deployment.environment.name", "prod"))
	}
	v14, v15 := provider("1.4.0"), provider("1.5.0")
	bad := 0
	failing := func(pay int) bool {
		if pay%2 == 0 {
			bad++
			return true
		}
		return false
	}
	never := func(int) bool { return false }

	list := func(query string) []consoleRow {
		var body struct {
			Series []consoleRow `json:"series"`
		}
		if err := getJSON(console+"/slos.json"+query, &body); err != nil {
			t.Fatal(err)
		}
		return body.Series
	}
	availability := func() (consoleRow, error) {
		rows := list("?slo=availability&service=checkout")
		if len(rows) != 1 {
			return consoleRow{}, fmt.Errorf("%d availability rows for checkout: %+v", len(rows), rows)
		}
		return rows[0], nil
	}
	detail := func(id, query string) consoleDetail {
		var d consoleDetail
		if err := getJSON(console+"/slos/"+id+".json"+query, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	// exact: the row counts every request sent, the history sums to the row, and the row's
	// budget is the one /metrics exports.
	exact := func(what string) consoleRow {
		var row consoleRow
		harness.Eventually(t, 30*time.Second, what, func() error {
			var err error
			if row, err = availability(); err != nil {
				return err
			}
			if row.Good != float64(r.sent-bad) || row.Bad != float64(bad) {
				return fmt.Errorf("row counts %v good %v bad, sent %d of which %d bad", row.Good, row.Bad, r.sent, bad)
			}
			if good, badH := detail(row.ID, "?range=1h").historyEvents(); good != row.Good || badH != row.Bad {
				return fmt.Errorf("history sums to %v good %v bad, the row %v and %v", good, badH, row.Good, row.Bad)
			}
			want, ok := sloValue(scrapeOrFail(t, r.col.MetricsURL()), "slo_error_budget_remaining", map[string]string{"slo_name": "availability", "service_name": "checkout"})
			if !ok || row.Budget == nil || *row.Budget != want {
				return fmt.Errorf("row budget %v, slo_error_budget_remaining %v (%v)", row.Budget, want, ok)
			}
			return nil
		})
		return row
	}

	// Warm-up: clean traffic on three routes.
	r.paced(v14, 12*time.Second, never, nil)
	row := exact("the warm-up's counts on the list and in the history")
	if row.Alert != "none" || row.Incident != nil || row.Objective != 0.999 || row.Kind != "ratio" || row.Budget == nil || *row.Budget != 1 {
		t.Errorf("after a clean warm-up: %+v", row)
	}
	if latency := list("?slo=latency"); len(latency) != 3 || latency[0].Kind != "latency" || latency[0].Group["http.route"] == "" {
		t.Errorf("latency rows %+v: one per http.route", latency)
	}

	// v1.5.0 fails half of /pay until the page fires.
	paged := false
	r.paced(v15, 20*time.Second, failing, func() { paged = paged || r.page() })
	if !paged {
		t.Fatal("no page within 20 s of the failing deployment")
	}
	var incidentID string
	harness.Eventually(t, 20*time.Second, "worst budget first, the paging rows, availability's incident", func() error {
		rows := list("")
		for i := 1; i < len(rows); i++ {
			if rows[i].Budget != nil && (rows[i-1].Budget == nil || *rows[i-1].Budget > *rows[i].Budget) {
				return fmt.Errorf("row %d's budget is below row %d's: %+v", i, i-1, rows)
			}
		}
		paging := list("?alert=page")
		found := false
		for _, p := range paging {
			if p.Alert != "page" {
				return fmt.Errorf("alert=page lists %+v", p)
			}
			if p.SLO == "availability" && p.Incident != nil {
				found, incidentID = true, p.Incident.ID
			}
		}
		if !found {
			return fmt.Errorf("no paging availability row with an incident in %+v", paging)
		}
		return nil
	})
	row = exact("the failing deployment's counts")

	// Rollback; the page clears in the short window, the incident stays on the charts.
	r.paced(v14, 4*rolloutEmit, never, nil)
	row = exact("the rollback's counts")
	d := detail(row.ID, "?range=1h")
	annotations := fmt.Sprint(d.Annotations)
	for _, want := range []string{"deployment of 1.5.0", "rollback to 1.4.0", "/incidents/" + incidentID} {
		if !strings.Contains(annotations, want) {
			t.Errorf("annotations %s lack %q", annotations, want)
		}
	}
	if d.Range != "1h" || len(d.History) < 2 || len(d.Alerts) != 4 || len(d.Exemplars) == 0 {
		t.Errorf("detail: range %s, %d points, %d alert tiers, %d exemplars", d.Range, len(d.History), len(d.Alerts), len(d.Exemplars))
	}
	minBudget := 1.0
	for _, p := range d.History {
		if p.Budget != nil {
			minBudget = min(minBudget, *p.Budget)
		}
	}
	if minBudget >= 1 || !strings.Contains(d.Definition, "objective: 99.9") || !strings.Contains(d.Rules, "slo:sli_error:ratio_rate5m") {
		t.Errorf("lowest budget %v; definition %q; rules %.200q", minBudget, d.Definition, d.Rules)
	}

	checkPageInChromium(t, console+"/slos", "console-slos", `id="slo-list"`, "availability", "checkout", "worst budget first", `data-id="`+row.ID+`"`)
	checkPageInChromium(t, console+"/slos/"+row.ID+"?range=1h", "console-slo", `id="chart-budget"`, `id="chart-burn"`,
		`class="mark deployment"`, `class="mark incident"`, `data-name="budget remaining"`, "deployment of 1.5.0", `id="alerts"`,
		`href="/incidents/`+incidentID+`"`, "objective: 99.9", "slo:sli_error:ratio_rate5m")
	checkPageInChromium(t, console+"/scorecard", "console-scorecard", `<nav>`, `href="/slos"`, "checkout")
	for _, path := range []string{"/incidents?format=json", "/scorecard.json", "/metrics"} {
		resp, err := http.Get(console + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %v %v", path, err, resp)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}

	// Restart: the history and its counts come back.
	before := d
	if err := r.col.Stop(syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	r.col = harness.StartCollector(t, bins.Collector, "otelcol-sre-console", r.env)
	v14 = provider("1.4.0")
	r.paced(v14, 2*rolloutEmit, never, nil)
	row = exact("the counts after the restart")
	after := detail(row.ID, "?range=1h")
	if after.HistoryFrom == nil || before.HistoryFrom == nil || !after.HistoryFrom.Equal(*before.HistoryFrom) {
		t.Errorf("history from %v before the restart, %v after", before.HistoryFrom, after.HistoryFrom)
	}
}

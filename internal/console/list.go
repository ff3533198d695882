package console

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// Row is one SLO series as /slos lists it. Absent values (an SLI without valid events, a burn
// rate of an empty window, an exhaustion beyond the period) are null, never NaN.
type Row struct {
	ID      string            `json:"id"`
	URL     string            `json:"url"`
	SLO     string            `json:"slo"`
	Service string            `json:"service"`
	Group   map[string]string `json:"group,omitempty"` // the group_by values
	// Objective is a ratio (0.999); Window the period as configured; Kind ratio, latency or
	// timeslice.
	Objective               float64  `json:"objective"`
	Window                  string   `json:"window"`
	Kind                    string   `json:"sli_kind"`
	LatencyThresholdSeconds *float64 `json:"latency_threshold_seconds,omitempty"`
	// SLI is good ÷ valid over the period; BudgetRemaining the share of its error budget left.
	SLI             *float64 `json:"sli"`
	BudgetRemaining *float64 `json:"budget_remaining"` // null only if the publisher sent no finite value
	// ShortBurn and LongBurn are the burn rates of the shortest and the longest alert window.
	ShortBurn         *Burn    `json:"short_window_burn,omitempty"`
	LongBurn          *Burn    `json:"long_window_burn,omitempty"`
	ExhaustionSeconds *float64 `json:"exhaustion_seconds"`
	Alert             string   `json:"alert"` // page, ticket or none
	// InMaintenance: a maintenance window covers the series; its events are excluded and its
	// alerts held.
	InMaintenance bool         `json:"in_maintenance"`
	Incident      *IncidentRef `json:"open_incident"`
	GoodEvents    float64      `json:"period_good_events"`
	BadEvents     float64      `json:"period_bad_events"`
	Updated       time.Time    `json:"updated"`
	Sharded       bool         `json:"sharded"`
	Source        string       `json:"source"`
}

// Burn is one window's burn rate; Rate is null when the window had no valid events.
type Burn struct {
	Window string   `json:"window"`
	Rate   *float64 `json:"rate"`
}

// IncidentRef links an incident.
type IncidentRef struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Status string `json:"status"`
}

// Filters are the list's query parameters; they survive a reload because they are the URL.
type Filters struct {
	Service string `json:"service,omitempty"`
	SLO     string `json:"slo,omitempty"`
	Alert   string `json:"alert,omitempty"`
}

// List is /slos.json.
type List struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Sharded is true when a series comes from a sharded connector: this replica's view.
	Sharded bool    `json:"sharded"`
	Filters Filters `json:"filters"`
	Page    Page    `json:"page"`
	Series  []Row   `json:"series"`
	// Alerts counts every series by alert state, before the filters.
	Alerts map[string]int `json:"alerts"`
}

// Page says which rows a response holds: worst budget first, at most page_size.
type Page struct {
	Offset  int    `json:"offset"`
	Limit   int    `json:"limit"`
	Total   int    `json:"total"`
	Omitted int    `json:"omitted"`
	Next    string `json:"next,omitempty"`
	Prev    string `json:"prev,omitempty"`
}

func rowOf(s srestate.SeriesState, incidents map[string]srestate.Incident) Row {
	r := Row{ID: s.ID, URL: "/slos/" + s.ID, SLO: s.SLO, Service: s.Service, Objective: s.Objective, Window: s.Window,
		Kind: s.Kind, Alert: alertState(s), GoodEvents: s.GoodPeriod,
		BadEvents: s.BadPeriod, Updated: s.Updated, Sharded: s.Sharded, Source: s.Source, InMaintenance: s.InMaintenance}
	for _, kv := range s.Identity {
		if kv[0] != "service.name" {
			if r.Group == nil {
				r.Group = map[string]string{}
			}
			r.Group[kv[0]] = kv[1]
		}
	}
	if finite(s.BudgetRemaining) {
		r.BudgetRemaining = ptr(s.BudgetRemaining)
	}
	if s.LatencyThreshold > 0 {
		r.LatencyThresholdSeconds = ptr(s.LatencyThreshold.Seconds())
	}
	if valid := s.GoodPeriod + s.BadPeriod; valid > 0 {
		if v := s.GoodPeriod / valid; finite(v) {
			r.SLI = &v
		}
	}
	if s.ExhaustsWithinPeriod {
		r.ExhaustionSeconds = ptr(s.ExhaustionSeconds)
	}
	if short, long, ok := alertWindows(s.Tiers); ok {
		r.ShortBurn, r.LongBurn = burnOf(s, short), burnOf(s, long)
	}
	if inc, ok := incidents[canonicalKey(s.SLO, s.Identity)]; ok {
		r.Incident = &IncidentRef{ID: inc.ID, URL: "/incidents/" + inc.ID, Status: "open"}
	}
	return r
}

func alertState(s srestate.SeriesState) string {
	switch {
	case s.Page:
		return "page"
	case s.Ticket:
		return "ticket"
	}
	return "none"
}

func burnOf(s srestate.SeriesState, window string) *Burn {
	b := &Burn{Window: window}
	if v, ok := s.BurnRates[window]; ok && finite(v) {
		b.Rate = &v
	}
	return b
}

// alertWindows are the shortest short window and the longest long window of the tiers.
func alertWindows(tiers []srestate.TierState) (short, long string, ok bool) {
	var shortD, longD time.Duration
	for _, t := range tiers {
		if d := windowDuration(t.Short); short == "" || d < shortD {
			short, shortD = t.Short, d
		}
		if d := windowDuration(t.Long); long == "" || d > longD {
			long, longD = t.Long, d
		}
	}
	return short, long, short != ""
}

// windowDuration reads a window name (5m, 1h, 3d) for ordering; an unreadable one sorts last.
func windowDuration(name string) time.Duration {
	if days, ok := strings.CutSuffix(name, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil {
			return time.Duration(n) * 24 * time.Hour
		}
	}
	if d, err := time.ParseDuration(name); err == nil {
		return d
	}
	return math.MaxInt64
}

// openIncidents indexes the open incidents by series key.
func openIncidents(b *srestate.Board) map[string]srestate.Incident {
	out := map[string]srestate.Incident{}
	for _, inc := range b.Incidents() {
		if inc.Open() {
			out[incidentKey(inc)] = inc
		}
	}
	return out
}

// incidentKey is the key of the series an incident belongs to.
func incidentKey(inc srestate.Incident) string {
	ids := make([][2]string, 0, len(inc.Identity))
	for k, v := range inc.Identity {
		ids = append(ids, [2]string{k, v})
	}
	return canonicalKey(inc.SLO, ids)
}

// canonicalKey orders identity by attribute name: a series lists service.name first and
// then its group_by values in config order, an incident keeps a map.
func canonicalKey(slo string, identity [][2]string) string {
	ids := slices.Clone(identity)
	slices.SortFunc(ids, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return srestate.SeriesKey(slo, ids)
}

// buildList filters, sorts (worst budget first) and pages the board's series.
func buildList(b *srestate.Board, q url.Values, pageSize int, now time.Time) List {
	f := Filters{Service: q.Get("service"), SLO: q.Get("slo"), Alert: q.Get("alert")}
	incidents := openIncidents(b)
	l := List{GeneratedAt: now.UTC(), Filters: f, Alerts: map[string]int{"page": 0, "ticket": 0, "none": 0}, Series: []Row{}}
	var rows []Row
	for _, s := range b.Series() {
		l.Sharded = l.Sharded || s.Sharded
		state := alertState(s)
		l.Alerts[state]++
		if (f.Service != "" && s.Service != f.Service) || (f.SLO != "" && s.SLO != f.SLO) || (f.Alert != "" && state != f.Alert) {
			continue
		}
		rows = append(rows, rowOf(s, incidents))
	}
	slices.SortStableFunc(rows, func(x, y Row) int {
		if c := cmpBudget(x.BudgetRemaining, y.BudgetRemaining); c != 0 {
			return c
		}
		return strings.Compare(x.SLO+"\x00"+x.Service, y.SLO+"\x00"+y.Service)
	})
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = min(max(offset, 0), len(rows))
	end := min(offset+pageSize, len(rows))
	l.Series = append(l.Series, rows[offset:end]...)
	l.Page = Page{Offset: offset, Limit: pageSize, Total: len(rows), Omitted: len(rows) - (end - offset)}
	link := func(at int) string {
		u := filterURL(f)
		if strings.Contains(u, "?") {
			return u + "&offset=" + strconv.Itoa(at)
		}
		return u + "?offset=" + strconv.Itoa(at)
	}
	if end < len(rows) {
		l.Page.Next = link(end)
	}
	if offset > 0 {
		l.Page.Prev = link(max(0, offset-pageSize))
	}
	return l
}

// cmpBudget orders the lowest budget first and an unknown one last.
func cmpBudget(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmpFloat(*a, *b)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ptr(v float64) *float64 { return &v }

// filterURL is the list's URL for f, from the first row.
func filterURL(f Filters) string {
	v := url.Values{}
	for k, val := range map[string]string{"service": f.Service, "slo": f.SLO, "alert": f.Alert} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return "/slos"
	}
	return "/slos?" + v.Encode()
}

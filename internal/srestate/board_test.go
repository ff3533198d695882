package srestate

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func TestSeriesPerSourceAndBound(t *testing.T) {
	b := NewBoard(Limits{MaxSeries: 3})
	b.PublishSeries("slo/a", []SeriesState{
		{SLO: "availability", Service: "checkout", Identity: [][2]string{{"service.name", "checkout"}}, Page: true, BurnRates: map[string]float64{"5m": 20}},
		{SLO: "availability", Service: "cart", Identity: [][2]string{{"service.name", "cart"}}, Ticket: true},
	})
	b.PublishSeries("slo/b", []SeriesState{{SLO: "latency", Service: "search"}, {SLO: "latency", Service: "search2", Identity: [][2]string{{"x", "y"}}}})
	if n := len(b.Series()); n != 3 {
		t.Fatalf("%d series on a board bounded at 3", n)
	}
	if s, _ := b.Dropped(); s != 1 {
		t.Errorf("dropped %d, want 1", s)
	}
	if got := fmt.Sprint(b.Burning(true, false)); got != "map[checkout:true]" {
		t.Errorf("paging services %s", got)
	}
	if got := fmt.Sprint(b.Burning(true, true)); got != "map[cart:true checkout:true]" {
		t.Errorf("paging or ticketing services %s", got)
	}
	// A publish replaces what the source published before, and only that.
	b.PublishSeries("slo/a", []SeriesState{{SLO: "availability", Service: "checkout", Identity: [][2]string{{"service.name", "checkout"}}}})
	var keys []string
	for _, s := range b.Series() {
		keys = append(keys, s.Source+":"+s.Service)
	}
	if strings.Join(keys, ",") != "slo/a:checkout,slo/b:search" {
		t.Errorf("series %v", keys)
	}
	if len(b.Burning(true, true)) != 0 {
		t.Error("burning after the page cleared")
	}
	b.PublishSeries("slo/c", []SeriesState{{SLO: "latency", Service: "ticketed", Ticket: true}})
	if got := fmt.Sprint(b.Burning(false, true)); got != "map[ticketed:true]" {
		t.Errorf("ticketing services %s", got)
	}
	if len(b.Burning(false, false)) != 0 {
		t.Error("burning with no severity asked for")
	}
	// Readers get copies.
	b.PublishSeries("slo/a", []SeriesState{{SLO: "x", BurnRates: map[string]float64{"5m": 1}}})
	for _, s := range b.Series() {
		if s.SLO == "x" {
			s.BurnRates["5m"] = 99
		}
	}
	for _, s := range b.Series() {
		if s.SLO == "x" && s.BurnRates["5m"] != 1 {
			t.Error("a reader changed the board")
		}
	}
}

func TestSeriesKeyKeepsIdentitiesApart(t *testing.T) {
	a := SeriesKey("s", [][2]string{{"a", "b=c"}})
	b := SeriesKey("s", [][2]string{{"a=b", "c"}})
	c := SeriesKey("s", [][2]string{{"a", "b"}, {"c", ""}})
	if a == c || b == c || SeriesKey("s", nil) == SeriesKey("s ", nil) {
		t.Errorf("keys collide: %q %q %q", a, b, c)
	}
	if (SeriesState{SLO: "s", Identity: [][2]string{{"a", "b"}}}).Key() != SeriesKey("s", [][2]string{{"a", "b"}}) {
		t.Error("Key differs from SeriesKey")
	}
}

func TestIncidentsBoundedResolvedFirst(t *testing.T) {
	b := NewBoard(Limits{MaxIncidents: 3})
	put := func(id string, start time.Duration, resolved bool) {
		inc := Incident{ID: id, Start: t0.Add(start), Identity: map[string]string{"k": "v"}, Exemplars: []string{"e"}}
		if resolved {
			inc.Resolved = inc.Start.Add(time.Minute)
		}
		b.PutIncident(inc)
	}
	put("old-open", 0, false)
	put("old-resolved", time.Minute, true)
	put("new-resolved", 2*time.Minute, true)
	put("new-open", 3*time.Minute, false) // evicts the oldest resolved one
	if got := ids(b.Incidents()); got != "new-open,new-resolved,old-open" {
		t.Fatalf("incidents %s", got)
	}
	put("new-open", 3*time.Minute, true) // an update replaces, evicting nothing
	put("newest", 4*time.Minute, false)  // evicts the oldest resolved: new-resolved
	put("newest2", 5*time.Minute, false) // evicts new-open (resolved) ahead of the older open one
	if got := ids(b.Incidents()); got != "newest2,newest,old-open" {
		t.Fatalf("incidents %s", got)
	}
	put("newest3", 6*time.Minute, false) // all open: the oldest goes
	if got := ids(b.Incidents()); got != "newest3,newest2,newest" {
		t.Fatalf("incidents %s", got)
	}
	if _, evicted := b.Dropped(); evicted != 4 {
		t.Errorf("evicted %d", evicted)
	}
	inc, ok := b.Incident("newest")
	if !ok || inc.Start != t0.Add(4*time.Minute) {
		t.Fatalf("Incident: %+v %v", inc, ok)
	}
	inc.Identity["k"], inc.Exemplars[0] = "changed", "changed"
	if again, _ := b.Incident("newest"); again.Identity["k"] != "v" || again.Exemplars[0] != "e" {
		t.Error("a reader changed the board")
	}
	if _, ok := b.Incident("missing"); ok {
		t.Error("found a missing incident")
	}
}

func ids(incs []Incident) string {
	var out []string
	for _, i := range incs {
		out = append(out, i.ID)
	}
	return strings.Join(out, ",")
}

func TestDeploymentsBoundedAndWindowed(t *testing.T) {
	b := NewBoard(Limits{MaxServices: 2, MaxDeployments: 2})
	b.SetDeployments(map[string][]Deployment{
		"a": {{Version: "3", At: t0.Add(3 * time.Hour)}, {Version: "1", At: t0.Add(time.Hour)}, {Version: "2", At: t0.Add(2 * time.Hour)}},
		"b": {{Version: "1", At: t0}},
		"c": {{Version: "1", At: t0}},
	})
	got := b.Deployments("a", t0, t0.Add(24*time.Hour))
	if len(got) != 2 || got[0].Version != "2" || got[1].Version != "3" {
		t.Errorf("a keeps its newest two, oldest first: %+v", got)
	}
	if got := b.Deployments("a", t0.Add(150*time.Minute), t0.Add(3*time.Hour)); len(got) != 1 || got[0].Version != "3" {
		t.Errorf("window: %+v", got)
	}
	if len(b.Deployments("b", t0, t0)) != 1 || len(b.Deployments("c", t0, t0)) != 0 {
		t.Error("services past MaxServices kept, or the first ones lost")
	}
	b.SetDeployments(nil)
	if len(b.Deployments("a", t0, t0.Add(24*time.Hour))) != 0 {
		t.Error("SetDeployments does not replace")
	}
}

type provider struct{ b *Board }

func (p provider) SREState() *Board { return p.b }

func TestFind(t *testing.T) {
	board := NewBoard(Limits{})
	exts := map[string]any{"sre_state": provider{board}, "other": struct{}{}}
	if got, err := Find(exts, "sre_state"); err != nil || got != board {
		t.Errorf("Find: %v %v", got, err)
	}
	if _, err := Find(exts, "missing"); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("missing: %v", err)
	}
	if _, err := Find(exts, "other"); err == nil || !strings.Contains(err.Error(), "not an sre_state extension") {
		t.Errorf("other: %v", err)
	}
	// Without a name, the one sre_state extension is found; none or several is an error.
	if got, err := Lookup(exts, nil); err != nil || got != board {
		t.Errorf("Lookup: %v %v", got, err)
	}
	name := "other"
	if _, err := Lookup(exts, &name); err == nil {
		t.Error("Lookup by a name that is not sre_state")
	}
	if _, err := Lookup(map[string]any{"x": struct{}{}}, nil); err == nil || !strings.Contains(err.Error(), "no sre_state extension") {
		t.Errorf("none: %v", err)
	}
	two := map[string]any{"a": provider{board}, "b": provider{NewBoard(Limits{})}}
	if _, err := Lookup(two, nil); err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("several: %v", err)
	}
}

func TestIncidentDuration(t *testing.T) {
	inc := Incident{Start: t0}
	if !inc.Open() || inc.Duration(t0.Add(time.Minute)) != time.Minute {
		t.Error("open duration")
	}
	inc.Resolved = t0.Add(2 * time.Minute)
	if inc.Open() || inc.Duration(t0.Add(time.Hour)) != 2*time.Minute {
		t.Error("resolved duration")
	}
	if (Incident{}).Clone().Identity != nil {
		t.Error("nil map cloned into an empty one")
	}
}

func TestLimitsDefaultAndEvictionOrder(t *testing.T) {
	if b := NewBoard(Limits{}); b.limits != DefaultLimits {
		t.Errorf("zero limits: %+v", b.limits)
	}
	if b := NewBoard(Limits{MaxSeries: -1, MaxIncidents: -1, MaxServices: -1, MaxDeployments: -1}); b.limits != DefaultLimits {
		t.Errorf("negative limits: %+v", b.limits)
	}
	if b := NewBoard(Limits{MaxSeries: 1, MaxIncidents: 2, MaxServices: 3, MaxDeployments: 4}); b.limits != (Limits{1, 2, 3, 4}) {
		t.Errorf("limits %+v", b.limits)
	}
	open := Incident{Start: t0}
	resolved := Incident{Start: t0.Add(time.Hour), Resolved: t0.Add(2 * time.Hour)}
	older := Incident{Start: t0.Add(-time.Hour), Resolved: t0}
	for _, c := range []struct {
		a, b Incident
		want bool
	}{{resolved, open, true}, {open, resolved, false}, {older, resolved, true}, {resolved, older, false}, {open, open, false}} {
		if got := evictsFirst(c.a, c.b); got != c.want {
			t.Errorf("evictsFirst(%v open %v, %v open %v) = %v", c.a.Start, c.a.Open(), c.b.Start, c.b.Open(), got)
		}
	}
}

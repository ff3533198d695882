package srestate

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A board filled to its default bounds with realistic records: the figure in the sre_state
// README comes from this test's log (go test -run Memory -v ./internal/srestate/).
func TestBoardMemoryAtItsBounds(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b := NewBoard(DefaultLimits)
	burn := map[string]float64{"5m": 1, "30m": 1, "1h": 1, "2h": 1, "6h": 1, "1d": 1, "3d": 1, "period": 1}
	states := make([]SeriesState, DefaultLimits.MaxSeries)
	for i := range states {
		svc := fmt.Sprintf("service-%05d", i)
		states[i] = SeriesState{SLO: "availability", Service: svc, Identity: [][2]string{{"service.name", svc}, {"http.route", "/api/v1/orders/{id}"}},
			BurnRates: burn, BudgetRemaining: 0.5, Updated: t0}
	}
	b.PublishSeries("slo", states)
	states = nil
	for i := range DefaultLimits.MaxIncidents {
		inc := Incident{ID: fmt.Sprintf("%016x", i), SLO: "availability", Service: "checkout", Severity: "page", Alert: "SLOErrorBudgetBurn",
			Identity: map[string]string{"service.name": "checkout"}, Start: t0, BurnAtOpen: burn}
		for j := range 10 {
			inc.Factors = append(inc.Factors, Factor{Attribute: "http.route", Value: fmt.Sprintf("/api/v1/route-%d", j), Bad: 1, Lift: 2})
			inc.Exemplars = append(inc.Exemplars, strings.Repeat(fmt.Sprint(j), 32))
		}
		for j := range 3 {
			inc.Deployments = append(inc.Deployments, Deployment{Service: "checkout", Version: fmt.Sprintf("1.%d.0", j), SHA: strings.Repeat("a", 40), At: t0, Source: "cicd"})
		}
		b.PutIncident(inc)
	}
	deps := map[string][]Deployment{}
	for i := range DefaultLimits.MaxServices {
		svc := fmt.Sprintf("service-%05d", i)
		for j := range DefaultLimits.MaxDeployments {
			deps[svc] = append(deps[svc], Deployment{Service: svc, Version: fmt.Sprintf("1.%d.0", j), SHA: strings.Repeat("a", 40), At: t0.Add(time.Duration(j) * time.Minute), Source: "cicd"})
		}
	}
	b.SetDeployments(deps)
	deps = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	total := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	t.Logf("board at the default bounds (%d series, %d incidents, %d×%d deployments): %.1f MiB", DefaultLimits.MaxSeries,
		DefaultLimits.MaxIncidents, DefaultLimits.MaxServices, DefaultLimits.MaxDeployments, total)
	if total > 48 {
		t.Errorf("%.1f MiB at the default bounds", total)
	}
	runtime.KeepAlive(b)
}

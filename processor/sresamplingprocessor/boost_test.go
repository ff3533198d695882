package sresamplingprocessor

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// serviceTraces builds n one-span root traces of a service, tagging span ids with class.
func serviceTraces(rng *rand.Rand, td ptrace.Traces, n int, service string, class byte) {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID(randomTraceID(rng))
		s.SetSpanID(pcommon.SpanID{class, byte(i), byte(i >> 8), byte(i >> 16)})
		s.SetKind(ptrace.SpanKindServer)
	}
}

// A burn/recover cycle: the burning service's ordinary traces are all kept from the tick that
// sees its page until cooldown after the page clears, a quiet service keeps its ratio
// throughout, and the adjusted counts of both stay unbiased across every switch.
func TestBudgetAwareBoostsABurningServiceAndStaysUnbiased(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	cfg := testConfig()
	cfg.BudgetAware = configoptional.Some(BudgetAwareConfig{RatioWhenBurning: 1, Cooldown: 10 * time.Minute, Severities: []string{"page"}})
	p, sink := newTestProcessor(t, cfg, clock)
	board := srestate.NewBoard(srestate.Limits{})
	p.board = board
	rng := rand.New(rand.NewPCG(61, 62))
	const n = 20_000
	phase := func(shopClass, otherClass byte) {
		td := ptrace.NewTraces()
		serviceTraces(rng, td, n, "shop", shopClass)
		serviceTraces(rng, td, n, "other", otherClass)
		consume(t, p, td)
		decideAll(t, p, clock)
	}
	page := func(on bool) {
		board.PublishSeries("slo", []srestate.SeriesState{{SLO: "availability", Service: "shop", Identity: [][2]string{{"service.name", "shop"}}, Page: on}})
	}

	phase(1, 2) // calm
	page(true)
	phase(3, 4) // burning: the tick before the decisions sees the page
	page(false)
	phase(5, 6) // recovered, within the cooldown
	clock.Add(cfg.budgetAware().Cooldown)
	phase(7, 8) // after the cooldown

	count, est, ts := spansByClass(sink)
	for _, class := range []byte{3, 5} {
		if count[class] != n || est[class] != n {
			t.Errorf("class %d: a boosted service must keep all %d ordinary traces: kept %d, estimated %v (%v)", class, n, count[class], est[class], ts[class])
		}
	}
	sigma := math.Sqrt(n * (1 - cfg.Ratio) / cfg.Ratio)
	for _, class := range []byte{1, 2, 4, 6, 7, 8} {
		if want := n * cfg.Ratio; math.Abs(float64(count[class])-want) > 4*math.Sqrt(want) {
			t.Errorf("class %d: kept %d at ratio %v, want about %v", class, count[class], cfg.Ratio, want)
		}
		if math.Abs(est[class]-n) > 3*sigma {
			t.Errorf("class %d: estimated %v of %d, beyond 3σ (%v)", class, est[class], n, 3*sigma)
		}
	}
	var shop float64
	for _, class := range []byte{1, 3, 5, 7} {
		shop += est[class]
	}
	total := 4.0 * n
	if math.Abs(shop-total) > 3*math.Sqrt(2)*sigma {
		t.Errorf("shop across the cycle: estimated %v of %v", shop, total)
	}
	t.Logf("shop across the cycle: estimated %.0f of %.0f (3σ %.0f); kept while boosted %d and %d of %d", shop, total, 3*math.Sqrt(2)*sigma, count[3], count[5], n)
	if p.boost.Active("shop") || p.boost.Active("other") {
		t.Errorf("boosted after the cooldown: %v", p.boost.Boosted())
	}
}

// Without a page nothing is boosted, and a ticket boosts only when its severity is listed.
func TestBudgetAwareTickets(t *testing.T) {
	for _, tickets := range []bool{false, true} {
		clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
		cfg := testConfig()
		severities := []string{"page"}
		if tickets {
			severities = append(severities, "ticket")
		}
		cfg.BudgetAware = configoptional.Some(BudgetAwareConfig{RatioWhenBurning: 0.5, Cooldown: time.Minute, Severities: severities})
		p, sink := newTestProcessor(t, cfg, clock)
		p.board = srestate.NewBoard(srestate.Limits{})
		p.board.PublishSeries("slo", []srestate.SeriesState{{SLO: "latency", Service: "shop", Ticket: true}})
		rng := rand.New(rand.NewPCG(71, 72))
		td := ptrace.NewTraces()
		serviceTraces(rng, td, 20_000, "shop", 1)
		consume(t, p, td)
		decideAll(t, p, clock)
		count, _, _ := spansByClass(sink)
		want := 2000.0
		if tickets {
			want = 10_000
		}
		if math.Abs(float64(count[1])-want) > 4*math.Sqrt(want) {
			t.Errorf("tickets=%v: kept %d, want about %v", tickets, count[1], want)
		}
	}
}

func TestBudgetAwareConfig(t *testing.T) {
	cfg := testConfig()
	cfg.BudgetAware = configoptional.Some(BudgetAwareConfig{RatioWhenBurning: 1.5, Cooldown: 25 * time.Hour, Severities: []string{"page", "warning"}})
	err := cfg.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"budget_aware.ratio_when_burning: 1.5", "budget_aware.cooldown: 25h0m0s", `budget_aware.severities[1]: "warning"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	cfg.BudgetAware = configoptional.Some(BudgetAwareConfig{RatioWhenBurning: 1})
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "budget_aware.severities: at least one") {
		t.Errorf("no severity: %v", err)
	}

	// The section's presence turns it on with the defaults; enabled: false turns it off.
	for _, c := range []struct {
		yaml string
		want *BudgetAwareConfig
	}{
		{`{}`, nil},
		{`{budget_aware: }`, &BudgetAwareConfig{RatioWhenBurning: 1, Cooldown: 10 * time.Minute, Severities: []string{"page"}}},
		{`{budget_aware: {ratio_when_burning: 0.5}}`, &BudgetAwareConfig{RatioWhenBurning: 0.5, Cooldown: 10 * time.Minute, Severities: []string{"page"}}},
		{`{budget_aware: {cooldown: 1m, severities: [page, ticket]}}`, &BudgetAwareConfig{RatioWhenBurning: 1, Cooldown: time.Minute, Severities: []string{"page", "ticket"}}},
		{`{budget_aware: {enabled: false, ratio_when_burning: 0.5}}`, nil},
	} {
		var raw map[string]any
		if err := yaml.Unmarshal([]byte(c.yaml), &raw); err != nil {
			t.Fatal(err)
		}
		cfg := createDefaultConfig().(*Config)
		if err := confmap.NewFromStringMap(raw).Unmarshal(cfg); err != nil {
			t.Fatalf("%s: %v", c.yaml, err)
		}
		got := cfg.budgetAware()
		if (got == nil) != (c.want == nil) || (got != nil && (got.RatioWhenBurning != c.want.RatioWhenBurning || got.Cooldown != c.want.Cooldown ||
			strings.Join(got.Severities, ",") != strings.Join(c.want.Severities, ","))) {
			t.Errorf("%s: %+v, want %+v", c.yaml, got, c.want)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", c.yaml, err)
		}
	}
}

// budget_aware finds the one sre_state extension without a state setting, and fails to start
// without one.
func TestBudgetAwareFindsTheExtensionAtStart(t *testing.T) {
	cfg := testConfig()
	cfg.BudgetAware = configoptional.Some(BudgetAwareConfig{RatioWhenBurning: 1, Severities: []string{"page"}})
	p, _ := newTestProcessor(t, cfg, &fakeClock{now: time.Unix(1_700_000_000, 0)})
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err == nil || !strings.Contains(err.Error(), "budget_aware: state: no sre_state extension") {
		t.Errorf("start without the extension: %v", err)
	}
	board := srestate.NewBoard(srestate.Limits{})
	p, _ = newTestProcessor(t, cfg, &fakeClock{now: time.Unix(1_700_000_000, 0)})
	host := boardHost{Host: componenttest.NewNopHost(), board: board}
	if err := p.Start(context.Background(), host); err != nil || p.board != board {
		t.Fatalf("start: %v", err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

type boardExt struct {
	component.StartFunc
	component.ShutdownFunc
	board *srestate.Board
}

func (e boardExt) SREState() *srestate.Board { return e.board }

type boardHost struct {
	component.Host
	board *srestate.Board
}

func (h boardHost) GetExtensions() map[component.ID]component.Component {
	return map[component.ID]component.Component{component.MustNewIDWithName("sre_state", "x"): boardExt{board: h.board}}
}

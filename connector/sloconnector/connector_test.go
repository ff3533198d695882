package sloconnector

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 30, 0, time.UTC)

func newTestConnector(t *testing.T, cfg *Config) *sloConnector {
	t.Helper()
	for i := range cfg.SLOs {
		cfg.SLOs[i].applyDefaults()
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := newConnector(componenttest.NewNopTelemetrySettings(), cfg, new(consumertest.MetricsSink), func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// baseConfig is a loaded config: every SLO has the defaults Unmarshal fills.
func baseConfig(slos ...SLO) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.SLOs = slos
	for i := range cfg.SLOs {
		cfg.SLOs[i].applyDefaults()
	}
	return cfg
}

type testSpan struct {
	service  string
	kind     ptrace.SpanKind
	status   ptrace.StatusCode
	code     int64
	route    string
	duration time.Duration
	endAgo   time.Duration
	th       string
}

func makeTraces(spans []testSpan) ptrace.Traces {
	td := ptrace.NewTraces()
	byService := map[string]ptrace.SpanSlice{}
	for i, s := range spans {
		ss, ok := byService[s.service]
		if !ok {
			rs := td.ResourceSpans().AppendEmpty()
			rs.Resource().Attributes().PutStr("service.name", s.service)
			ss = rs.ScopeSpans().AppendEmpty().Spans()
			byService[s.service] = ss
		}
		span := ss.AppendEmpty()
		span.SetName("op")
		span.SetTraceID(pcommon.TraceID{byte(i), byte(i >> 8), byte(i >> 16), 1})
		span.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), 2})
		span.SetKind(s.kind)
		span.Status().SetCode(s.status)
		end := testNow.Add(-s.endAgo)
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(end.Add(-s.duration)))
		if s.code != 0 {
			span.Attributes().PutInt("http.response.status_code", s.code)
		}
		if s.route != "" {
			span.Attributes().PutStr("http.route", s.route)
		}
		if s.th != "" {
			span.TraceState().FromRaw("ot=th:" + s.th)
		}
	}
	return td
}

// points flattens metrics into "name{k=v,...}" → value.
func points(md pmetric.Metrics) map[string]float64 {
	out := map[string]float64{}
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				var dps pmetric.NumberDataPointSlice
				if m.Type() == pmetric.MetricTypeSum {
					dps = m.Sum().DataPoints()
				} else {
					dps = m.Gauge().DataPoints()
				}
				for d := 0; d < dps.Len(); d++ {
					dp := dps.At(d)
					var labels []string
					for k, v := range dp.Attributes().All() {
						labels = append(labels, k+"="+v.AsString())
					}
					sort.Strings(labels)
					out[m.Name()+"{"+strings.Join(labels, ",")+"}"] = dp.DoubleValue()
				}
			}
		}
	}
	return out
}

// sortedKey sorts the labels of a "name{a=b,c=d}" key as points does.
func sortedKey(key string) string {
	name, rest, _ := strings.Cut(key, "{")
	labels := strings.Split(strings.TrimSuffix(rest, "}"), ",")
	sort.Strings(labels)
	return name + "{" + strings.Join(labels, ",") + "}"
}

// A random span mix against an independent recount: every count and ratio must match exactly.
func TestCountsMatchAnIndependentRecount(t *testing.T) {
	avail := SLO{Name: "avail", Service: "checkout", Objective: 99.9,
		SLI: SLI{Bad: `status.code == STATUS_CODE_ERROR or Int(attributes["http.response.status_code"]) >= 500`}}
	latency := SLO{Name: "lat", Service: "checkout", Objective: 99, GroupBy: []string{"http.route"}, Labels: map[string]string{"team": "payments"},
		SLI: SLI{Latency: &Latency{Threshold: 300 * time.Millisecond, ErrorsAreBad: true}}}
	c := newTestConnector(t, baseConfig(avail, latency))

	rng := rand.New(rand.NewPCG(3, 4))
	var spans []testSpan
	for i := 0; i < 5000; i++ {
		s := testSpan{service: []string{"checkout", "search"}[rng.IntN(2)], kind: ptrace.SpanKind(1 + rng.IntN(5)),
			route: []string{"/cart", "/pay", ""}[rng.IntN(3)], duration: 300*time.Millisecond + time.Duration(rng.IntN(3)-1)*time.Nanosecond,
			endAgo: time.Duration(rng.IntN(8*60)) * time.Second}
		if rng.IntN(10) == 0 {
			s.status = ptrace.StatusCodeError
		}
		s.code = []int64{0, 200, 404, 500, 503}[rng.IntN(5)]
		spans = append(spans, s)
	}
	for start := 0; start < len(spans); start += 700 {
		if err := c.ConsumeTraces(context.Background(), makeTraces(spans[start:min(start+700, len(spans))])); err != nil {
			t.Fatal(err)
		}
	}
	got := points(c.buildMetrics(testNow))

	type tally struct{ good, bad, winGood, winBad float64 }
	availT, latT := tally{}, map[string]*tally{}
	for _, s := range spans {
		if s.service != "checkout" || !entryKind(s.kind) { // every test span is a root
			continue
		}
		inWindow := s.endAgo <= 5*time.Minute // max_lateness
		bad := s.status == ptrace.StatusCodeError || s.code >= 500
		add := func(t *tally, bad bool) {
			if bad {
				t.bad++
				if inWindow {
					t.winBad++
				}
			} else {
				t.good++
				if inWindow {
					t.winGood++
				}
			}
		}
		add(&availT, bad)
		if latT[s.route] == nil {
			latT[s.route] = &tally{}
		}
		add(latT[s.route], s.duration > 300*time.Millisecond || s.status == ptrace.StatusCodeError)
	}
	expect := func(key string, want float64) {
		t.Helper()
		key = sortedKey(key)
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	base := "service.name=checkout,slo.name=avail"
	expect("slo.events{"+base+",slo.outcome=good}", availT.good)
	expect("slo.events{"+base+",slo.outcome=bad}", availT.bad)
	expect("slo.window.events{"+base+",slo.outcome=bad,slo.window=period}", availT.winBad)
	expect("slo.window.events{"+base+",slo.outcome=good,slo.window=1h}", availT.winGood)
	expect("slo.sli{"+base+",slo.window=period}", availT.winGood/(availT.winGood+availT.winBad))
	expect("slo.objective{"+base+"}", 0.999)
	for route, tl := range latT {
		attrs := "service.name=checkout,slo.name=lat,team=payments"
		if route != "" {
			attrs = "http.route=" + route + "," + attrs
		}
		expect("slo.events{"+attrs+",slo.outcome=bad}", tl.bad)
		expect("slo.window.events{"+attrs+",slo.outcome=good,slo.window=3d}", tl.winGood)
		burn := (1 - tl.winGood/(tl.winGood+tl.winBad)) / (1 - 0.99)
		if v := got[sortedKey("slo.burn_rate{"+attrs+",slo.window=period}")]; math.Abs(v-burn) > 1e-12 {
			t.Errorf("route %q burn %v, want %v", route, v, burn)
		}
	}
	for k, v := range got {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s is %v", k, v)
		}
	}
}

func TestZeroTrafficEmitsNoSLIAndAFullBudget(t *testing.T) {
	c := newTestConnector(t, baseConfig(SLO{Name: "quiet", Service: "idle", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}))
	got := points(c.buildMetrics(testNow))
	for k, v := range got {
		if strings.HasPrefix(k, "slo.sli{") || strings.HasPrefix(k, "slo.burn_rate{") || strings.HasPrefix(k, "slo.error_budget.exhaustion{") {
			t.Errorf("zero traffic emitted %s = %v", k, v)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s is %v", k, v)
		}
	}
	if got["slo.error_budget.remaining{service.name=idle,slo.name=quiet}"] != 1 {
		t.Errorf("remaining budget at zero traffic: %v", got)
	}
	if v, ok := got["slo.alert.active{service.name=idle,slo.alert.severity=page,slo.name=quiet}"]; !ok || v != 0 {
		t.Errorf("page alert state %v %v", v, ok)
	}
}

func TestAdjustedCountWeights(t *testing.T) {
	c := newTestConnector(t, baseConfig(SLO{Name: "w", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}}))
	spans := []testSpan{
		{service: "a", kind: ptrace.SpanKindServer, th: "e666"},                              // p≈0.1
		{service: "a", kind: ptrace.SpanKindServer, th: "8", status: ptrace.StatusCodeError}, // p=0.5
		{service: "a", kind: ptrace.SpanKindServer},                                          // no th: 1
		{service: "a", kind: ptrace.SpanKindServer, th: "not-hex"},                           // malformed: 1
		{service: "a", kind: ptrace.SpanKindServer, th: "0", status: ptrace.StatusCodeError}, // p=1
	}
	if err := c.ConsumeTraces(context.Background(), makeTraces(spans)); err != nil {
		t.Fatal(err)
	}
	got := points(c.buildMetrics(testNow))
	wantGood := 1/(1-float64(0xe666)/65536) + 2
	if v := got["slo.events{service.name=a,slo.name=w,slo.outcome=good}"]; math.Abs(v-wantGood) > 1e-9 {
		t.Errorf("good = %v, want %v", v, wantGood)
	}
	if v := got["slo.events{service.name=a,slo.name=w,slo.outcome=bad}"]; v != 3 {
		t.Errorf("bad = %v, want 3", v)
	}
}

func TestCardinalityOverflowKeepsTotalsExact(t *testing.T) {
	cfg := baseConfig(SLO{Name: "routes", Service: "api", Objective: 99, GroupBy: []string{"http.route"}, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
	cfg.CardinalityLimit = 1000
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	c := newTestConnector(t, cfg)
	var spans []testSpan
	for i := 0; i < 100_000; i++ {
		s := testSpan{service: "api", kind: ptrace.SpanKindServer, route: fmt.Sprintf("/r/%d", i)}
		if i%7 == 0 {
			s.status = ptrace.StatusCodeError
		}
		spans = append(spans, s)
	}
	if err := c.ConsumeTraces(context.Background(), makeTraces(spans)); err != nil {
		t.Fatal(err)
	}
	if n := len(c.slos[0].series); n != 1001 {
		t.Fatalf("%d series, want limit+1 = 1001", n)
	}
	spans = nil
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perSeries := c.slos[0].series[overflowKey].state.MemoryBytes()
	if grown := int(after.HeapAlloc) - int(before.HeapAlloc); grown > 1001*perSeries+16<<20 {
		t.Errorf("heap grew %d MiB for 1001 series of %d B", grown>>20, perSeries)
	}
	var good, bad float64
	overflow := false
	for k, v := range points(c.buildMetrics(testNow)) {
		if strings.HasPrefix(k, "slo.events{") {
			if strings.Contains(k, "slo.outcome=good") {
				good += v
			} else {
				bad += v
			}
			overflow = overflow || strings.Contains(k, "slo.overflow=true")
		}
	}
	if good+bad != 100_000 || bad != 14286 || !overflow {
		t.Errorf("good %v bad %v overflow series %v", good, bad, overflow)
	}
}

// Sharded replicas emit the additive counts and the objective (a constant, the same on every
// replica), nothing derived from one replica's share.
func TestShardedEmitsOnlyAdditiveSeriesWithInstanceID(t *testing.T) {
	cfg := baseConfig(SLO{Name: "s", Service: "api", Objective: 99, SLI: SLI{Bad: "status.code == STATUS_CODE_ERROR"}})
	cfg.Topology = topologySharded
	c := newTestConnector(t, cfg)
	c.instanceID = "replica-1"
	objective := false
	for k, v := range points(c.buildMetrics(testNow)) {
		if strings.HasPrefix(k, "slo.objective{") {
			objective = v == 0.99
		} else if !strings.HasPrefix(k, "slo.events{") && !strings.HasPrefix(k, "slo.window.events{") {
			t.Errorf("sharded mode emitted %s", k)
		}
		if !strings.Contains(k, "collector.instance.id=replica-1") {
			t.Errorf("%s lacks the instance id", k)
		}
	}
	if !objective {
		t.Error("sharded mode lacks slo.objective 0.99")
	}
}

func TestIsRootSpanCondition(t *testing.T) {
	c := newTestConnector(t, baseConfig(SLO{Name: "roots", Objective: 99,
		SLI: SLI{Valid: "kind == SPAN_KIND_SERVER or IsRootSpan()", Bad: "status.code == STATUS_CODE_ERROR"}}))
	td := makeTraces([]testSpan{{service: "a", kind: ptrace.SpanKindInternal}, {service: "a", kind: ptrace.SpanKindClient}})
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).SetParentSpanID(pcommon.SpanID{1})
	if err := c.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	if v := points(c.buildMetrics(testNow))["slo.events{service.name=a,slo.name=roots,slo.outcome=good}"]; v != 1 {
		t.Errorf("root INTERNAL span counted %v times, want 1 (the child CLIENT span is not valid)", v)
	}
}

// entryKind is the default valid condition for a root span, written independently of the code.
func entryKind(k ptrace.SpanKind) bool {
	return k == ptrace.SpanKindServer || k == ptrace.SpanKindConsumer || k == ptrace.SpanKindInternal || k == ptrace.SpanKindUnspecified
}

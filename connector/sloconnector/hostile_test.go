package sloconnector

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/metadatatest"
	"github.com/otelcol-sre/otelcol-sre/internal/label"
)

// Every label value of every emitted point, with the point's metric name.
func labelValues(md pmetric.Metrics, visit func(metric, key, value string)) {
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		for k, v := range rms.At(i).Resource().Attributes().All() {
			visit("resource", k, v.AsString())
		}
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for m := 0; m < ms.Len(); m++ {
				metric := ms.At(m)
				var dps pmetric.NumberDataPointSlice
				if metric.Type() == pmetric.MetricTypeSum {
					dps = metric.Sum().DataPoints()
				} else {
					dps = metric.Gauge().DataPoints()
				}
				for d := 0; d < dps.Len(); d++ {
					for k, v := range dps.At(d).Attributes().All() {
						visit(metric.Name(), k, v.AsString())
					}
				}
			}
		}
	}
}

// A 1 MiB service.name and two 1 MiB routes that differ only in their last byte: every label is
// cut to max_label_length, the two routes stay two series, the counts stay exact and the cuts
// are counted.
func TestLongLabelValuesAreBoundedAndStayDistinct(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { _ = tel.Shutdown(context.Background()) }()
	cfg := baseConfig(SLO{Name: "lat", Objective: 99, GroupBy: []string{"http.route"},
		SLI: SLI{Latency: &Latency{Threshold: 300 * time.Millisecond}}})
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := newConnector(metadatatest.NewSettings(tel).TelemetrySettings, cfg, new(consumertest.MetricsSink), func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	service := strings.Repeat("s", 1<<20)
	prefix := strings.Repeat("/r", 1<<19)
	spans := []testSpan{
		{service: service, kind: ptrace.SpanKindServer, route: prefix + "a", duration: time.Millisecond},
		{service: service, kind: ptrace.SpanKindServer, route: prefix + "a", duration: time.Second},
		{service: service, kind: ptrace.SpanKindServer, route: prefix + "b", duration: time.Millisecond},
	}
	if err := c.ConsumeTraces(context.Background(), makeTraces(spans)); err != nil {
		t.Fatal(err)
	}
	md := c.buildMetrics(testNow)
	routes := map[string]bool{}
	labelValues(md, func(metric, key, value string) {
		if len(value) > label.DefaultMaxLength || !utf8.ValidString(value) {
			t.Fatalf("%s: label %s is %d bytes", metric, key, len(value))
		}
		if key == "http.route" {
			routes[value] = true
		}
	})
	if len(routes) != 2 {
		t.Fatalf("routes emitted: %d, want 2 distinct", len(routes))
	}
	got := points(md)
	var good, bad float64
	for key, v := range got {
		if strings.HasPrefix(key, "slo.events{") {
			if strings.Contains(key, "slo.outcome=good") {
				good += v
			} else {
				bad += v
			}
		}
	}
	if good != 2 || bad != 1 {
		t.Errorf("slo.events good %v bad %v, want 2 and 1", good, bad)
	}
	// One cut per service.name of a resource and one per route read for a key and its first
	// series: 1 service + 3 route keys + 2 new series' labels.
	metadatatest.AssertEqualConnectorSloLabelValuesTruncated(t, tel, []metricdata.DataPoint[int64]{{Value: 6}},
		metricdatatest.IgnoreTimestamp())
}

func TestInvalidUTF8LabelsAreRepaired(t *testing.T) {
	c := newTestConnector(t, baseConfig(SLO{Name: "avail", Objective: 99.9, GroupBy: []string{"http.route"},
		SLI: SLI{Bad: `status.code == STATUS_CODE_ERROR`}}))
	if err := c.ConsumeTraces(context.Background(), makeTraces([]testSpan{
		{service: "chk\xffout", kind: ptrace.SpanKindServer, route: "/p\xfe"},
	})); err != nil {
		t.Fatal(err)
	}
	seen := 0
	labelValues(c.buildMetrics(testNow), func(metric, key, value string) {
		if !utf8.ValidString(value) {
			t.Fatalf("%s: %s=%q is not UTF-8", metric, key, value)
		}
		if key == "service.name" && value == "chk\uFFFDout" {
			seen++
		}
	})
	if seen == 0 {
		t.Error("the repaired service name is not emitted")
	}
}

// A span that ends before it starts has no duration: never a good latency event, and counted.
func TestSpanEndingBeforeItStartsIsInvalid(t *testing.T) {
	tel := componenttest.NewTelemetry()
	defer func() { _ = tel.Shutdown(context.Background()) }()
	cfg := baseConfig(SLO{Name: "lat", Service: "checkout", Objective: 99,
		SLI: SLI{Latency: &Latency{Threshold: 300 * time.Millisecond, ErrorsAreBad: true}}})
	c, err := newConnector(metadatatest.NewSettings(tel).TelemetrySettings, cfg, new(consumertest.MetricsSink), func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	td := makeTraces([]testSpan{
		{service: "checkout", kind: ptrace.SpanKindServer, duration: -time.Second},
		{service: "checkout", kind: ptrace.SpanKindServer, duration: -time.Second, status: ptrace.StatusCodeError},
		{service: "checkout", kind: ptrace.SpanKindServer, duration: time.Millisecond},
	})
	// A start in the far future: as unsigned nanoseconds it is after any end.
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetStartTimestamp(pcommon.Timestamp(1 << 63))
	if err := c.ConsumeTraces(context.Background(), td); err != nil {
		t.Fatal(err)
	}
	got := points(c.buildMetrics(testNow))
	base := "service.name=checkout,slo.name=lat"
	if g, b := got[sortedKey("slo.events{"+base+",slo.outcome=good}")], got[sortedKey("slo.events{"+base+",slo.outcome=bad}")]; g != 1 || b != 0 {
		t.Errorf("good %v bad %v, want 1 and 0", g, b)
	}
	metadatatest.AssertEqualConnectorSloInvalidSpans(t, tel, []metricdata.DataPoint[int64]{{Value: 2, Attributes: attribute.NewSet(attribute.String("slo", "lat"))}},
		metricdatatest.IgnoreTimestamp())

	rows, err := cfg.DryRun(context.Background(), td)
	if err != nil || len(rows) != 1 || rows[0].Invalid != 2 || rows[0].Good != 1 {
		t.Fatalf("dry run %+v, %v", rows, err)
	}
	if w := rows[0].Warnings(); len(w) == 0 || !strings.Contains(strings.Join(w, ";"), "end before they start") {
		t.Errorf("dry run warnings %v", w)
	}
}

func TestMaxLabelLengthIsValidated(t *testing.T) {
	cfg := baseConfig(SLO{Name: "a", Objective: 99, SLI: SLI{Bad: `status.code == STATUS_CODE_ERROR`}})
	cfg.MaxLabelLength = 8
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "max_label_length: 8 must be at least 32") {
		t.Errorf("got %v", err)
	}
}

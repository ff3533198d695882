package sloconnector

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-sre/otelcol-sre/internal/fuzzpdata"
)

// Any traces a sender can build are consumed without a panic, and every emitted value is
// finite: an SLO metric of NaN or Inf would poison every rule and dashboard downstream.
func FuzzConsumeTraces(f *testing.F) {
	for _, seed := range []string{"", "\x00", "checkout\x01\x02\x03", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := baseConfig(
			SLO{Name: "availability", Objective: 99.9, SLI: SLI{Bad: `status.code == STATUS_CODE_ERROR or Int(attributes["http.response.status_code"]) >= 500`}},
			SLO{Name: "latency", Objective: 99, SLI: SLI{Latency: &Latency{Threshold: 300 * time.Millisecond, ErrorsAreBad: true}}, GroupBy: []string{"http.route"}},
		)
		for i := range cfg.SLOs {
			cfg.SLOs[i].applyDefaults()
		}
		sink := new(consumertest.MetricsSink)
		c, err := newConnector(componenttest.NewNopTelemetrySettings(), cfg, sink, func() time.Time { return testNow })
		if err != nil {
			t.Fatal(err)
		}
		if err := c.ConsumeTraces(context.Background(), fuzzpdata.Traces(data)); err != nil {
			t.Fatalf("consume: %v", err)
		}
		c.emit(context.Background())
		for _, md := range sink.AllMetrics() {
			assertFinite(t, md)
		}
	})
}

func assertFinite(t *testing.T, md pmetric.Metrics) {
	t.Helper()
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		sms := rms.At(i).ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				var dps pmetric.NumberDataPointSlice
				switch m.Type() {
				case pmetric.MetricTypeGauge:
					dps = m.Gauge().DataPoints()
				case pmetric.MetricTypeSum:
					dps = m.Sum().DataPoints()
				default:
					continue
				}
				for p := 0; p < dps.Len(); p++ {
					if v := dps.At(p).DoubleValue(); math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("%s emitted %v", m.Name(), v)
					}
				}
			}
		}
	}
}

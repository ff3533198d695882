package pillarsexporter

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelcol-sre/otelcol-sre/internal/fuzzpdata"
)

// Any traces, metrics and logs a sender can build are consumed without a panic, and the
// scorecard evaluated over them still encodes as JSON and renders as HTML.
func FuzzConsume(f *testing.F) {
	for _, seed := range []string{"", "\x00", "checkout\x01\x02\x03", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4"} {
		f.Add([]byte(seed))
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := newPillars(createDefaultConfig().(*Config), componenttest.NewNopTelemetrySettings(), func() time.Time { return now })
		ctx := context.Background()
		if err := p.consumeTraces(ctx, fuzzpdata.Traces(data)); err != nil {
			t.Fatal(err)
		}
		if err := p.consumeMetrics(ctx, fuzzpdata.Metrics(data)); err != nil {
			t.Fatal(err)
		}
		if err := p.consumeLogs(ctx, fuzzpdata.Logs(data)); err != nil {
			t.Fatal(err)
		}
		p.evaluate()
		b, err := json.Marshal(p.latest.Load())
		if err != nil {
			t.Fatalf("scorecard does not encode: %v", err)
		}
		var parsed any
		if err := json.Unmarshal(b, &parsed); err != nil {
			t.Fatalf("scorecard JSON does not parse: %v", err)
		}
		rec := httptest.NewRecorder()
		p.metricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
		}
		for _, line := range strings.Split(rec.Body.String(), "\n") {
			if strings.HasSuffix(line, " NaN") || strings.HasSuffix(line, "Inf") {
				t.Fatalf("/metrics renders a non-finite value: %s", line)
			}
		}
		var page bytes.Buffer
		if err := scorecardPage.Execute(&page, p.latest.Load()); err != nil {
			t.Fatalf("scorecard page: %v", err)
		}
	})
}

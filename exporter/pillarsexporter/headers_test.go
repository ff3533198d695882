package pillarsexporter

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/otelcol-sre/otelcol-sre/internal/console"
)

func TestEveryResponseForbidsSniffingAndScripts(t *testing.T) {
	h := console.SecureHeaders(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"services":[{"name":"<script>alert(1)</script>"}]}`))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/scorecard.json", nil))
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	if got := rec.Header().Get("Content-Security-Policy"); got != console.CSP {
		t.Errorf("Content-Security-Policy %q", got)
	}
}

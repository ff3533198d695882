package pillarsexporter

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

// pageCSP allows the scorecard page its one inline style sheet and nothing else: no scripts,
// frames, forms or remote loads, so a service name crafted as markup cannot run anywhere.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// secureHeaders stops browsers from sniffing the JSON or metrics as HTML and applies pageCSP.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", pageCSP)
		next.ServeHTTP(w, r)
	})
}

// promLabel names an identity attribute as the prometheus exporter names it, so a scorecard
// series joins the slo connector's on the same label.
func promLabel(attr string) string {
	l, _ := slonames.LabelName(attr)
	return l
}

// routes serves the scorecard, its metrics and the incidents.
func (p *pillars) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incidents", p.serveIncidents)
	mux.HandleFunc("GET /incidents.json", p.serveIncidents)
	mux.HandleFunc("GET /incidents/{id}", p.serveIncident)
	mux.Handle("/metrics", p.metricsHandler())
	mux.HandleFunc("/scorecard.json", p.serveJSON)
	mux.HandleFunc("/scorecard", p.serveHTML)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "/scorecard", http.StatusFound)
	})
	return mux
}

func (p *pillars) serveJSON(w http.ResponseWriter, r *http.Request) {
	p.writeJSON(w, p.view(p.latest.Load(), r.URL.Query(), r.URL.Path))
}

func (p *pillars) serveHTML(w http.ResponseWriter, r *http.Request) {
	card := p.view(p.latest.Load(), r.URL.Query(), r.URL.Path)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := scorecardPage.Execute(w, card); err != nil {
		p.set.Logger.Warn("rendering the scorecard failed", zap.Error(err))
	}
}

package pillarsexporter

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/otelcol-sre/otelcol-sre/internal/console"
	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

// promLabel names an identity attribute as the prometheus exporter names it, so a scorecard
// series joins the slo connector's on the same label.
func promLabel(attr string) string {
	l, _ := slonames.LabelName(attr)
	return l
}

var mountedPaths = []string{"/scorecard", "/scorecard.json", "/metrics", "/standards", "/standards.json", "/dependencies.json"}

// mounted are the pages pillars serves, on its own endpoint or on the sre_state console.
func (p *pillars) mounted() map[string]http.Handler {
	return map[string]http.Handler{
		"/scorecard.json": http.HandlerFunc(p.serveJSON),
		"/scorecard":      http.HandlerFunc(p.serveHTML),
		"/metrics":        p.metricsHandler(),
		// One handler for /standards and everything under it: the console mounts by path.
		"/standards":         http.HandlerFunc(p.serveStandards),
		"/standards.json":    http.HandlerFunc(p.serveStandards),
		"/dependencies.json": http.HandlerFunc(p.serveGraph),
	}
}

// routes serves the scorecard, its metrics and the incidents on pillars' own endpoint.
func (p *pillars) routes() http.Handler {
	mux := http.NewServeMux()
	p.console().RouteIncidents(mux)
	for path, h := range p.mounted() {
		mux.Handle(path, h)
	}
	mux.Handle("/standards/", p.mounted()["/standards"])
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "/scorecard", http.StatusFound)
	})
	return console.SecureHeaders(mux)
}

func (p *pillars) console() *console.Console {
	return console.New(p.board, console.Options{PageSize: p.cfg.PageSize, TraceURL: p.cfg.TraceURL, Now: p.now,
		Warn: func(msg string, err error) { p.set.Logger.Warn(msg, zap.Error(err)) }})
}

func (p *pillars) serveJSON(w http.ResponseWriter, r *http.Request) {
	p.console().WriteJSON(w, p.view(p.latest.Load(), r.URL.Query(), r.URL.Path))
}

func (p *pillars) serveHTML(w http.ResponseWriter, r *http.Request) {
	card := p.view(p.latest.Load(), r.URL.Query(), r.URL.Path)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := scorecardPage.Execute(w, card); err != nil {
		p.set.Logger.Warn("rendering the scorecard failed", zap.Error(err))
	}
}

package console

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// CSP allows the pages their inline style sheets and inline SVG and nothing else: no scripts,
// frames, forms or remote loads, so a service name crafted as markup cannot run anywhere.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Options configure the console's pages.
type Options struct {
	// PageSize is the most SLO series one list response holds (default 100).
	PageSize int
	// TraceURL links incident exemplars in postmortem drafts: "{trace_id}" is replaced.
	TraceURL string
	Now      func() time.Time
	// Warn reports a response that could not be rendered.
	Warn func(msg string, err error)
}

// Console serves the SRE pages from a board (nil: no sre_state; the pages say so).
type Console struct {
	board *srestate.Board
	opts  Options
}

// New returns the console over board.
func New(board *srestate.Board, opts Options) *Console {
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Warn == nil {
		opts.Warn = func(string, error) {}
	}
	return &Console{board: board, opts: opts}
}

// Handler is the whole console: /slos, /incidents, and what components mounted on the board
// (/scorecard, /scorecard.json, /metrics), behind SecureHeaders.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /slos", c.ServeList)
	mux.HandleFunc("GET /slos.json", c.ServeList)
	mux.HandleFunc("GET /slos/{id}", c.ServeDetail)
	c.RouteIncidents(mux)
	for _, path := range []string{"/scorecard", "/scorecard.json", "/metrics", "/standards", "/standards.json", "/standards/", "/dependencies.json"} {
		mux.HandleFunc(path, c.serveMounted)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "/slos", http.StatusFound)
	})
	return SecureHeaders(mux)
}

// RouteIncidents adds the incident pages to mux (pillars' own server uses it too).
func (c *Console) RouteIncidents(mux *http.ServeMux) {
	mux.HandleFunc("GET /incidents", c.ServeIncidents)
	mux.HandleFunc("GET /incidents.json", c.ServeIncidents)
	mux.HandleFunc("GET /incidents/{id}", c.ServeIncident)
}

// SecureHeaders stops browsers from sniffing JSON or metrics as HTML and applies CSP.
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", CSP)
		next.ServeHTTP(w, r)
	})
}

func (c *Console) serveMounted(w http.ResponseWriter, r *http.Request) {
	if c.board != nil {
		path := r.URL.Path
		if strings.HasPrefix(path, "/standards/") {
			path = "/standards" // one handler serves every framework's pages
		}
		if h, ok := c.board.Mounted(path); ok {
			h.ServeHTTP(w, r)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	c.render(w, notMountedPage, map[string]any{"Path": r.URL.Path})
}

func (c *Console) ServeList(w http.ResponseWriter, r *http.Request) {
	if c.board == nil {
		http.Error(w, "no sre_state board", http.StatusNotFound)
		return
	}
	list := buildList(c.board, r.URL.Query(), c.opts.PageSize, c.opts.Now())
	if strings.HasSuffix(r.URL.Path, ".json") || WantsJSON(r) {
		c.WriteJSON(w, list)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.render(w, listPage, list)
}

func (c *Console) ServeDetail(w http.ResponseWriter, r *http.Request) {
	id, asJSON := strings.CutSuffix(r.PathValue("id"), ".json")
	var s srestate.SeriesState
	found := false
	if c.board != nil {
		s, found = c.board.SeriesByID(id)
	}
	if !found {
		http.Error(w, "no SLO series with this id on this replica", http.StatusNotFound)
		return
	}
	d := buildDetail(c.board, s, r.URL.Query(), c.opts.Now())
	if asJSON || WantsJSON(r) {
		c.WriteJSON(w, d)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.render(w, detailPage, map[string]any{"D": d, "Charts": d.charts()})
}

// WantsJSON reads the format a client asked for: ?format=json, or an Accept header that
// names JSON and not HTML.
func WantsJSON(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "json"
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// WriteJSON encodes v whole before it writes: a value that cannot be encoded is a 500 and a
// warning, never a 200 with an empty or cut body.
func (c *Console) WriteJSON(w http.ResponseWriter, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		c.opts.Warn("encoding a JSON response failed", err)
		http.Error(w, "the response could not be encoded; see the collector log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

// render executes a page into a buffer first, so a failure is a 500, not half a page.
func (c *Console) render(w http.ResponseWriter, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		c.opts.Warn("rendering a console page failed", err)
		http.Error(w, "the page could not be rendered; see the collector log", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(buf.Bytes())
}

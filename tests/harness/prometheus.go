package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Prometheus is a real Prometheus server (Debian's package) on a loopback port.
type Prometheus struct {
	*Process
	URL string
}

// PrometheusOptions configure StartPrometheus.
type PrometheusOptions struct {
	ScrapeTargets  []string // host:port of /metrics endpoints, one job each
	ScrapeInterval time.Duration
	RuleFiles      []string
	EvalInterval   time.Duration
	Exemplars      bool // --enable-feature=exemplar-storage
}

// StartPrometheus starts prometheus with remote-write receiving enabled and waits until ready.
func StartPrometheus(t testing.TB, bin string, opts PrometheusOptions) *Prometheus {
	t.Helper()
	if opts.ScrapeInterval == 0 {
		opts.ScrapeInterval = time.Second
	}
	if opts.EvalInterval == 0 {
		opts.EvalInterval = opts.ScrapeInterval
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", promDuration(opts.ScrapeInterval), promDuration(opts.EvalInterval))
	if len(opts.RuleFiles) > 0 {
		cfg.WriteString("rule_files:\n")
		for _, f := range opts.RuleFiles {
			fmt.Fprintf(&cfg, "  - %q\n", f)
		}
	}
	cfg.WriteString("scrape_configs:\n")
	for i, target := range opts.ScrapeTargets {
		fmt.Fprintf(&cfg, "  - job_name: target%d\n    static_configs: [{targets: [%q]}]\n", i, target)
	}
	cfgPath := WriteConfig(t, "prometheus.yml", cfg.String(), nil)
	addr := Addr(t)
	args := []string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + t.TempDir(),
		"--web.listen-address=" + addr,
		"--web.enable-remote-write-receiver",
	}
	if opts.Exemplars {
		args = append(args, "--enable-feature=exemplar-storage")
	}
	p := Start(t, "prometheus", bin, args, nil)
	prom := &Prometheus{Process: p, URL: "http://" + addr}
	p.WaitHTTP200(t, prom.URL+"/-/ready", 60*time.Second)
	return prom
}

func promDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
	return strconv.Itoa(int(d/time.Millisecond)) + "ms"
}

// Sample is one element of an instant-vector query result.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Query runs an instant PromQL query through /api/v1/query.
func (p *Prometheus) Query(expr string) ([]Sample, error) {
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	}
	if err := p.api("/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	out := make([]Sample, 0, len(data.Result))
	for _, r := range data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %q: value %v: %w", expr, r.Value[1], err)
		}
		out = append(out, Sample{Labels: r.Metric, Value: v})
	}
	return out, nil
}

// api GETs a Prometheus HTTP API path and decodes the "data" of a successful answer into data.
func (p *Prometheus) api(path string, q url.Values, data any) error {
	resp, err := http.Get(p.URL + path + "?" + q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return err
	}
	if body.Status != "success" {
		return fmt.Errorf("%s: %s", path, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

// ExemplarTraceIDs returns the trace_id labels of the exemplars stored for expr over the last hour.
func (p *Prometheus) ExemplarTraceIDs(expr string) ([]string, error) {
	now := time.Now()
	var data []struct {
		Exemplars []struct {
			Labels map[string]string `json:"labels"`
		} `json:"exemplars"`
	}
	q := url.Values{"query": {expr}, "start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)}, "end": {strconv.FormatInt(now.Add(time.Minute).Unix(), 10)}}
	if err := p.api("/api/v1/query_exemplars", q, &data); err != nil {
		return nil, fmt.Errorf("exemplars %q: %w", expr, err)
	}
	var ids []string
	for _, series := range data {
		for _, e := range series.Exemplars {
			ids = append(ids, e.Labels["trace_id"])
		}
	}
	return ids, nil
}

// Alerts returns the active alerts from /api/v1/alerts as label maps with their state.
func (p *Prometheus) Alerts() ([]map[string]string, error) {
	resp, err := http.Get(p.URL + "/api/v1/alerts")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := make([]map[string]string, 0, len(body.Data.Alerts))
	for _, a := range body.Data.Alerts {
		a.Labels["__state__"] = a.State
		out = append(out, a.Labels)
	}
	return out, nil
}

// Scrape fetches a Prometheus text endpoint and parses it into metric families.
func Scrape(u string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(resp.Body)
}

// PromtoolCheckRules runs `promtool check rules` on files.
func PromtoolCheckRules(promtool string, files ...string) (string, error) {
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return "", err
		}
	}
	return RunOutput(promtool, append([]string{"check", "rules"}, files...)...)
}

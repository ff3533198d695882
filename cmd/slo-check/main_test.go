package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

const checkConfig = `
connectors:
  slo:
    slos:
      - name: availability
        objective: 99.9
        sli:
          bad: 'status.code == STATUS_CODE_ERROR or Int(attributes["http.response.status_code"]) >= 500'
      - name: legacy-attribute
        objective: 99
        sli:
          bad: 'attributes["http.status_code"] >= 500'
      - name: checkout-latency
        service: checkout
        objective: 99
        sli:
          latency: {threshold: 250ms}
`

// sample writes n server spans per service plus one client span each: every 5th span of
// checkout fails with a 503, every 10th takes 300ms; search never fails.
func sample(t *testing.T, lines bool) string {
	t.Helper()
	var docs []ptrace.Traces
	for _, svc := range []string{"checkout", "search"} {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for i := 0; i < 40; i++ {
			s := spans.AppendEmpty()
			s.SetKind(ptrace.SpanKindServer)
			s.SetStartTimestamp(1_000_000_000)
			s.SetEndTimestamp(1_000_000_000 + 100_000_000)
			if svc == "checkout" && i%5 == 0 {
				s.Attributes().PutInt("http.response.status_code", 503)
			}
			if svc == "checkout" && i%10 == 1 {
				s.SetEndTimestamp(1_000_000_000 + 300_000_000)
			}
		}
		spans.AppendEmpty().SetKind(ptrace.SpanKindClient)
		docs = append(docs, td)
	}
	var m ptrace.JSONMarshaler
	var out bytes.Buffer
	if lines {
		for _, td := range docs {
			b, err := m.MarshalTraces(td)
			if err != nil {
				t.Fatal(err)
			}
			out.Write(b)
			out.WriteByte('\n')
		}
	} else {
		docs[1].ResourceSpans().MoveAndAppendTo(docs[0].ResourceSpans())
		b, err := m.MarshalTraces(docs[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&out, b, "", "  "); err != nil { // as a person would save it
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "spans.json")
	if err := os.WriteFile(p, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDryRunCountsPerSLOAndService(t *testing.T) {
	cfg := writeFile(t, checkConfig)
	for _, lines := range []bool{false, true} {
		var out bytes.Buffer
		err := run([]string{"--config", cfg, "--spans", sample(t, lines)}, &out)
		if err != nil {
			t.Fatalf("lines=%v: %v\n%s", lines, err, out.String())
		}
		got := out.String()
		rows := map[string]string{
			// SLO, service, spans, valid, good, bad, excluded, OTTL errors
			"availability checkout":     "41 40 32 8 0 0",
			"availability search":       "41 40 40 0 0 0",
			"legacy-attribute checkout": "41 40 40 0 0 0",
			"checkout-latency checkout": "41 40 36 4 0 0",
		}
		for prefix, counts := range rows {
			re := regexp.MustCompile(`(?m)^` + strings.ReplaceAll(prefix, " ", `\s+`) + `\s+` + strings.ReplaceAll(counts, " ", `\s+`) + `\s*$`)
			if !re.MatchString(got) {
				t.Errorf("lines=%v: no row %q %q in\n%s", lines, prefix, counts, got)
			}
		}
		for _, want := range []string{
			"82 spans in",
			`legacy-attribute (service "checkout"): no bad event among 40 valid events`,
			`availability (service "search"): no bad event among 40 valid events`,
		} {
			if !strings.Contains(got, want) {
				t.Errorf("lines=%v: output lacks %q:\n%s", lines, want, got)
			}
		}
		if strings.Contains(got, `availability (service "checkout")`) {
			t.Errorf("a healthy row was warned about:\n%s", got)
		}
	}
}

func TestStrictFailsOnWarnings(t *testing.T) {
	cfg := writeFile(t, checkConfig)
	var out bytes.Buffer
	if err := run([]string{"--config", cfg, "--spans", sample(t, false), "--strict"}, &out); err != errWarnings {
		t.Fatalf("got %v, want %v", err, errWarnings)
	}
}

func TestBadInput(t *testing.T) {
	cfg := writeFile(t, checkConfig)
	notJSON := writeFile(t, "{\"resourceSpans\": []}\nnot json\n")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no flags":     {nil, "--config and --spans are required"},
		"missing file": {[]string{"--config", cfg, "--spans", "/nonexistent.json"}, "no such file"},
		"bad line":     {[]string{"--config", cfg, "--spans", notJSON}, "line 2 is not OTLP JSON traces"},
		"bad config":   {[]string{"--config", writeFile(t, "connectors: {slo: {slos: [{name: a, objective: 0.99, sli: {bad: 'true'}}]}}"), "--spans", notJSON}, "did you mean 99?"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(tc.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

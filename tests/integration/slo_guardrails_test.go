//go:build integration

package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/otelcol-sre/otelcol-sre/tests/harness"
)

// Each natural mistake that used to pass validation (or fail badly) is refused by
// `otelcol-sre validate` with the SLO's name, the field, the bad value and the fix.
func TestValidateRefusesSilentlyWrongSLOs(t *testing.T) {
	bins := harness.Bins(t)
	cases := []struct {
		name, top, slo string
		want           []string
	}{
		{"bare latency threshold", "", "        objective: 99\n        sli: {latency: {threshold: 200}}",
			[]string{"checkout-latency", "sli.latency.threshold", "200 has no unit", `"200ms"`}},
		{"unknown unit", "", "        objective: 99\n        sli: {latency: {threshold: 200msec}}",
			[]string{"checkout-latency", "sli.latency.threshold", `"200msec" is not a duration`, "ms, s"}},
		{"ratio objective", "", "        objective: 0.995\n        sli: {bad: 'status.code == STATUS_CODE_ERROR'}",
			[]string{"checkout-latency", "objective", "0.995", "did you mean 99.5?"}},
		{"enum compared with a string", "", "        objective: 99\n        sli: {bad: 'status.code == \"ERROR\"'}",
			[]string{"checkout-latency", "sli.bad", `"ERROR"`, "STATUS_CODE_ERROR"}},
		{"enum compared with a number", "", "        objective: 99\n        sli: {valid: 'kind == 2', bad: 'status.code == STATUS_CODE_ERROR'}",
			[]string{"checkout-latency", "sli.valid", "kind with 2", "kind == SPAN_KIND_SERVER"}},
		{"rules_file in a missing directory", "    rules_file: /nonexistent-otelcol-sre/rules.yaml\n", "        objective: 99\n        sli: {bad: 'status.code == STATUS_CODE_ERROR'}",
			[]string{"rules_file", "/nonexistent-otelcol-sre/rules.yaml", "does not exist", "create it"}},
		{"unknown key", "", "        objective: 99\n        sli: {latency: {treshold: 200ms}}",
			[]string{"checkout-latency", "sli.latency", `unknown key "treshold"`, `did you mean "threshold"?`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := writeFile(path, strings.Replace(strings.Replace(guardrailConfig, "%s", tc.top, 1), "%s", tc.slo, 1)); err != nil {
				t.Fatal(err)
			}
			out, ok := harness.Validate(bins.Collector, path)
			if ok {
				t.Fatalf("validate accepted the mistake:\n%s", out)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("validate output lacks %q:\n%s", want, out)
				}
			}
			if n := strings.Count(out, "decoding failed"); n > 1 {
				t.Errorf("%d nested 'decoding failed' lines:\n%s", n, out)
			}
		})
	}
}

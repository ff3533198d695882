package ottlcond

import (
	"strings"
	"testing"
)

func TestEnumComparisonLint(t *testing.T) {
	rejected := map[string]string{
		`status.code == "ERROR"`:                     "STATUS_CODE_ERROR",
		`span.status.code != "error"`:                "STATUS_CODE_ERROR",
		`status.code == 2`:                           "STATUS_CODE_ERROR",
		`status.code >= 1`:                           "STATUS_CODE_OK",
		`kind == "SERVER"`:                           "SPAN_KIND_SERVER",
		`kind == "consumer"`:                         "SPAN_KIND_CONSUMER",
		`span.kind == 3`:                             "SPAN_KIND_CLIENT",
		`"ERROR" == status.code`:                     "STATUS_CODE_ERROR",
		`2 == kind`:                                  "SPAN_KIND_SERVER",
		`name == "x" and (status.code == "unset")`:   "STATUS_CODE_UNSET",
		`kind == SPAN_KIND_SERVER or kind=="SERVER"`: "SPAN_KIND_SERVER",
		`kind == 0`:                                  "'kind == SPAN_KIND_UNSPECIFIED'",
		`kind != 5`:                                  "'kind != SPAN_KIND_CONSUMER'",
		`kind == 6`:                                  "'kind == SPAN_KIND_SERVER'", // out of range: the usual symbol
		`status.code == -1`:                          "'status.code == STATUS_CODE_ERROR'",
		`status.code == "banana"`:                    "'status.code == STATUS_CODE_ERROR'",
		`status.code < "x\"y"`:                       "'status.code < STATUS_CODE_ERROR'",
	}
	for cond, symbol := range rejected {
		err := LintEnums("sli.bad", cond)
		if err == nil || !strings.Contains(err.Error(), symbol) || !strings.Contains(err.Error(), "sli.bad") {
			t.Errorf("%s: %v, want an error naming sli.bad and %s", cond, err, symbol)
		}
	}
	for _, cond := range []string{
		`status.code == STATUS_CODE_ERROR`,
		`kind == SPAN_KIND_SERVER`,
		`attributes["kind"] == "web"`,
		`attributes["status.code"] == 500`,
		`resource.attributes["span.kind"] == "x"`,
		`attributes["x"] == "kind == 2"`,
		`status.message == "ERROR"`,
		`attributes["my.kind"] == 2`,
		`Int(attributes["http.response.status_code"]) >= 500`,
	} {
		if err := LintEnums("sli.bad", cond); err != nil {
			t.Errorf("%s: rejected: %v", cond, err)
		}
	}
}

func TestCompile(t *testing.T) {
	parser, err := NewParser()
	if err != nil {
		t.Fatal(err)
	}
	if c, err := Compile(parser, "sli.bad", `status.code == STATUS_CODE_ERROR and IsRootSpan()`); err != nil || c == nil {
		t.Fatalf("a valid condition with the span-only IsRootSpan(): %v", err)
	}
	for cond, want := range map[string]string{
		`attributes[`:          `rules[1].when: "attributes[" does not parse`,
		`status.code == "ERR"`: `rules[1].when: "status.code == \"ERR\"" compares status.code with "ERR"`,
	} {
		if _, err := Compile(parser, "rules[1].when", cond); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %v, want %q", cond, err, want)
		}
	}
}

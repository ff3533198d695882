package ottlcond

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// OTTL compares status.code and kind as integers: `status.code == "ERROR"` parses, evaluates
// without an error and never matches, so an SLO built on it silently counts nothing bad and a
// sampling rule on it never keeps a trace. These
// comparisons are rejected at load time with the enum symbol that was meant.

type enumPath struct {
	symbols []string // indexed by the enum's integer value
	usual   string   // the symbol an SLO most often means
}

var (
	statusCodeEnum = enumPath{[]string{"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}, "STATUS_CODE_ERROR"}
	kindEnum       = enumPath{[]string{"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
		"SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"}, "SPAN_KIND_SERVER"}
)

const (
	enumPathRE = `(?:span\.)?(?:status\.code|kind)`
	literalRE  = `"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?`
	compareRE  = `==|!=|<=|>=|<|>`
)

// A path must not be part of a longer name or a key (attributes["kind"], my.kind) on either side.
var (
	pathThenLiteral = regexp.MustCompile(`(?:^|[^\w."\]])(` + enumPathRE + `)\s*(` + compareRE + `)\s*(` + literalRE + `)`)
	literalThenPath = regexp.MustCompile(`(` + literalRE + `)\s*(` + compareRE + `)\s*(` + enumPathRE + `)(?:$|[^\w.\[(])`)
)

// LintEnums returns an error naming the enum symbols when cond compares status.code or kind
// with a string or number literal; path names the condition's config field.
func LintEnums(path, cond string) error {
	if m := pathThenLiteral.FindStringSubmatchIndex(cond); m != nil {
		return enumError(path, cond, cond[m[2]:m[3]], cond[m[4]:m[5]], cond[m[6]:m[7]])
	}
	if m := literalThenPath.FindStringSubmatchIndex(cond); m != nil {
		return enumError(path, cond, cond[m[6]:m[7]], cond[m[4]:m[5]], cond[m[2]:m[3]])
	}
	return nil
}

func enumError(at, cond, path, op, lit string) error {
	enum := kindEnum
	if strings.HasSuffix(path, "status.code") {
		enum = statusCodeEnum
	}
	want := suggestSymbol(enum, lit)
	return fmt.Errorf("%s: %q compares %s with %s, which never matches: %s is an enum; use one of %s, e.g. '%s %s %s'",
		at, cond, path, lit, path, strings.Join(enum.symbols, ", "), path, op, want)
}

// suggestSymbol maps "ERROR", "error", "Server" or 2 to the symbol that was most likely meant.
func suggestSymbol(enum enumPath, lit string) string {
	if n, err := strconv.Atoi(lit); err == nil && n >= 0 && n < len(enum.symbols) {
		return enum.symbols[n]
	}
	word := strings.ToUpper(strings.Trim(lit, `"`))
	for _, s := range enum.symbols {
		if s == word || strings.HasSuffix(s, "_"+word) {
			return s
		}
	}
	return enum.usual
}

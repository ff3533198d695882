// Package ottlcond compiles the span conditions every component takes in OTTL (SLIs, sampling
// rules, keep_when) the same way: one function set (contrib's standard converters plus the
// span-only IsRootSpan()), the same enum lint, and errors that name the config path.
package ottlcond

import (
	"fmt"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/zap"
)

// NewParser returns a span-context OTTL parser for conditions checked at config load time.
func NewParser() (ottl.Parser[*ottlspan.TransformContext], error) {
	funcs := ottlfuncs.StandardConverters[*ottlspan.TransformContext]()
	isRoot := ottlfuncs.NewIsRootSpanFactory()
	funcs[isRoot.Name()] = isRoot
	return ottlspan.NewParser(funcs, component.TelemetrySettings{Logger: zap.NewNop(), MeterProvider: noop.NewMeterProvider()})
}

// Condition is a compiled span condition.
type Condition = ottl.Condition[*ottlspan.TransformContext]

// Compile lints and parses one condition; path names it in errors ("sli.good", "rules[2].when").
func Compile(parser ottl.Parser[*ottlspan.TransformContext], path, cond string) (*Condition, error) {
	if err := LintEnums(path, cond); err != nil {
		return nil, err
	}
	c, err := parser.ParseCondition(cond)
	if err != nil {
		return nil, fmt.Errorf("%s: %q does not parse: %w", path, cond, err)
	}
	return c, nil
}

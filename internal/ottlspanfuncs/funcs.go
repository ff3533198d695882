// Package ottlspanfuncs is the OTTL function set the project's span conditions are parsed with:
// contrib's standard converters plus the span-only IsRootSpan().
package ottlspanfuncs

import (
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

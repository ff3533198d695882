// Package adjusted reads a span's OTEP 235 adjusted count (1 ÷ its sampling probability) from
// its W3C tracestate: the weight that makes counts of sampled spans estimate the spans sent.
package adjusted

import (
	"math"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"

	"github.com/otelcol-sre/otelcol-sre/internal/memo"
)

// Weight is one tracestate's reading.
type Weight struct {
	// Count is the adjusted count; 1 when the span carries no usable threshold.
	Count float64
	// Sampled is true when an `ot=th` threshold set Count.
	Sampled bool
}

// Parse reads a tracestate. An empty or malformed one, one without `th`, or a threshold whose
// count would not be a positive finite number weighs 1, unsampled.
func Parse(tracestate string) Weight {
	if tracestate == "" {
		return Weight{Count: 1}
	}
	ts, err := sampling.NewW3CTraceState(tracestate)
	if err != nil {
		return Weight{Count: 1}
	}
	ac := ts.OTelValue().AdjustedCount()
	if !(ac > 0) || math.IsInf(ac, 0) {
		return Weight{Count: 1}
	}
	return Weight{Count: ac, Sampled: true}
}

// maxRemembered bounds a Reader's memo: distinct tracestates beyond it are parsed again.
const maxRemembered = 4096

// Reader remembers the readings of recent tracestates. Not safe for concurrent use.
type Reader struct{ memo *memo.Map[string, Weight] }

// NewReader returns an empty reader.
func NewReader() *Reader { return &Reader{memo: memo.New[string, Weight](maxRemembered)} }

// Read returns the tracestate's weight.
func (r *Reader) Read(tracestate string) Weight {
	if tracestate == "" {
		return Weight{Count: 1}
	}
	return r.memo.Get(tracestate, Parse)
}

// Package fuzzpdata turns fuzz bytes into OTLP data for the components' fuzz targets. Bytes
// that decode as an OTLP protobuf request are used as they are, so real payloads make good
// seeds; any other bytes drive a builder that reaches the odd corners a sender controls: empty
// and invalid UTF-8 strings, zero ids, unknown enum values, end before start, NaN and ±Inf
// values, attributes of the wrong type, nested maps and hostile tracestate.
package fuzzpdata

import (
	"encoding/binary"
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelcol-sre/otelcol-sre/internal/slonames"
)

// reader hands out the fuzz bytes and zeros once they run out, so every input builds something.
type reader struct{ b []byte }

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uint64() uint64 {
	var buf [8]byte
	for i := range buf {
		buf[i] = r.byte()
	}
	return binary.LittleEndian.Uint64(buf[:])
}

func (r *reader) string() string {
	n := int(r.byte() % 24)
	out := make([]byte, n)
	for i := range out {
		out[i] = r.byte()
	}
	return string(out)
}

var words = []string{"service.name", "http.route", "http.response.status_code", "rpc.grpc.status_code", "error.type",
	"service.version", "deployment.environment.name", "event.name", "vcs.ref.head.revision", "slo.name", "state", "k8s.pod.name"}

func (r *reader) key() string {
	if c := r.byte(); c < 200 {
		return words[int(c)%len(words)]
	}
	return r.string()
}

// float draws non-finite values, and the finite ones that break arithmetic rather than
// input checks: huge (a sum overflows), subnormal (a product underflows) and negative.
func (r *reader) float() float64 {
	switch r.byte() % 12 {
	case 0:
		return math.NaN()
	case 1:
		return math.Inf(1)
	case 2:
		return math.Inf(-1)
	case 3:
		return -1
	case 4:
		return math.MaxFloat64
	case 5:
		return -1.7e308
	case 6:
		return math.SmallestNonzeroFloat64
	case 7:
		return -5e-324
	}
	return math.Float64frombits(r.uint64())
}

func (r *reader) value(v pcommon.Value, depth int) {
	switch r.byte() % 7 {
	case 0:
		v.SetStr(r.string())
	case 1:
		v.SetInt(int64(r.uint64()))
	case 2:
		v.SetDouble(r.float())
	case 3:
		v.SetBool(r.byte()%2 == 0)
	case 4:
		m := v.SetEmptyMap()
		if depth < 4 {
			r.attrs(m, depth+1)
		}
	case 5:
		s := v.SetEmptySlice()
		for i := 0; i < int(r.byte()%3) && depth < 4; i++ {
			r.value(s.AppendEmpty(), depth+1)
		}
	default:
		v.SetEmptyBytes().FromRaw([]byte(r.string()))
	}
}

func (r *reader) attrs(m pcommon.Map, depth int) {
	for i := 0; i < int(r.byte()%5); i++ {
		r.value(m.PutEmpty(r.key()), depth)
	}
}

func (r *reader) timestamp() pcommon.Timestamp {
	switch r.byte() % 4 {
	case 0:
		return 0
	case 1:
		return pcommon.Timestamp(r.uint64())
	}
	// near 2026-06-01, within ±2^31 ns steps
	return pcommon.Timestamp(1_780_000_000_000_000_000 + int64(int32(r.uint64())))
}

// Traces builds traces from data.
func Traces(data []byte) ptrace.Traces {
	req := ptraceotlp.NewExportRequest()
	if len(data) > 0 && req.UnmarshalProto(data) == nil && req.Traces().SpanCount() > 0 {
		return req.Traces()
	}
	r := &reader{b: data}
	td := ptrace.NewTraces()
	for i := 0; i < 1+int(r.byte()%3); i++ {
		rs := td.ResourceSpans().AppendEmpty()
		if r.byte()%4 != 0 {
			rs.Resource().Attributes().PutStr("service.name", r.string())
		}
		r.attrs(rs.Resource().Attributes(), 0)
		spans := rs.ScopeSpans().AppendEmpty().Spans()
		for j := 0; j < 1+int(r.byte()%8); j++ {
			s := spans.AppendEmpty()
			var tid [16]byte
			binary.LittleEndian.PutUint64(tid[8:], r.uint64())
			tid[0] = r.byte()
			s.SetTraceID(tid)
			var sid [8]byte
			binary.LittleEndian.PutUint64(sid[:], r.uint64())
			s.SetSpanID(sid)
			if r.byte()%2 == 0 {
				s.SetParentSpanID(pcommon.SpanID{r.byte(), 1})
			}
			s.SetName(r.string())
			s.SetKind(ptrace.SpanKind(r.byte() % 7))
			s.Status().SetCode(ptrace.StatusCode(r.byte() % 4))
			s.SetStartTimestamp(r.timestamp())
			s.SetEndTimestamp(r.timestamp())
			s.TraceState().FromRaw(tracestates[int(r.byte())%len(tracestates)] + r.string())
			r.attrs(s.Attributes(), 0)
			if r.byte()%4 == 0 {
				ev := s.Events().AppendEmpty()
				ev.SetName("exception")
				r.attrs(ev.Attributes(), 0)
			}
		}
	}
	return td
}

var tracestates = []string{"", "ot=th:8", "ot=th:0;rv:ffffffffffffff", "ot=th:zz", "ot=rv:00000000000001", "ot=th:c,ot=th:4", "ot=", "=,=,="}

// Metrics builds gauges and sums (with NaN and ±Inf among the values) from data.
func Metrics(data []byte) pmetric.Metrics {
	req := pmetricotlp.NewExportRequest()
	if len(data) > 0 && req.UnmarshalProto(data) == nil && req.Metrics().DataPointCount() > 0 {
		return req.Metrics()
	}
	r := &reader{b: data}
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", r.string())
	r.attrs(rm.Resource().Attributes(), 0)
	sm := rm.ScopeMetrics().AppendEmpty()
	if r.byte()%2 == 0 { // the slo connector's own scope, whose slo.* points pillars takes
		sm.Scope().SetName(slonames.Scope)
	}
	ms := sm.Metrics()
	names := []string{"slo.window.events", "slo.error_budget.remaining", "slo.alert.active", "system.cpu.utilization", "slo.events",
		"process.cpu.utilization", "slo.objective", "slo.period.compliance", "slo.error_budget.exhaustion"}
	for i := 0; i < 1+int(r.byte()%6); i++ {
		m := ms.AppendEmpty()
		m.SetName(names[int(r.byte())%len(names)])
		var dps pmetric.NumberDataPointSlice
		if r.byte()%2 == 0 {
			dps = m.SetEmptyGauge().DataPoints()
		} else {
			dps = m.SetEmptySum().DataPoints()
		}
		for j := 0; j < 1+int(r.byte()%4); j++ {
			dp := dps.AppendEmpty()
			if r.byte()%3 == 0 {
				dp.SetIntValue(int64(r.uint64()))
			} else {
				dp.SetDoubleValue(r.float())
			}
			dp.SetTimestamp(r.timestamp())
			r.attrs(dp.Attributes(), 0)
			dp.Attributes().PutStr(slonames.Window, []string{"1h", "period", "5m"}[int(r.byte())%3])
			dp.Attributes().PutStr(slonames.Outcome, []string{"good", "bad"}[int(r.byte())%2])
		}
	}
	return md
}

// Logs builds log records (deployment events among them) from data.
func Logs(data []byte) plog.Logs {
	req := plogotlp.NewExportRequest()
	if len(data) > 0 && req.UnmarshalProto(data) == nil && req.Logs().LogRecordCount() > 0 {
		return req.Logs()
	}
	r := &reader{b: data}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", r.string())
	r.attrs(rl.Resource().Attributes(), 0)
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := 0; i < 1+int(r.byte()%4); i++ {
		lr := lrs.AppendEmpty()
		if r.byte()%2 == 0 {
			lr.Attributes().PutStr("event.name", "deployment")
		}
		lr.Body().SetStr(r.string())
		lr.SetTimestamp(r.timestamp())
		r.attrs(lr.Attributes(), 0)
	}
	return ld
}

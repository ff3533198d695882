// Package loadgen drives an OTLP endpoint with pre-built trace batches, at a fixed rate or as
// fast as the server accepts them, and serves as the OTLP sink behind it. The gateway benchmark
// (tests/bench) and the overload test use it, so neither depends on an SDK's client-side queue,
// which drops spans silently when it fills.
package loadgen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// WorkloadOptions shape the traces. Every trace has a SERVER root and ChildSpans CLIENT
// children. By default its children travel in one batch and its root in the next, as an SDK
// flushing children before the parent ends would send them; with WholeTraces the root travels
// with its children, as a gateway tier or an SDK flushing whole requests sends them.
type WorkloadOptions struct {
	WholeTraces    bool
	TracesPerBatch int     // default 25
	ChildSpans     int     // default 3
	ErrorRatio     float64 // share of traces with one error child; default 0.01
	SlowRatio      float64 // share of traces whose root takes SlowDuration; default 0.01
	SlowDuration   time.Duration
	Templates      int // distinct attribute sets cycled through; default 64
	Seed           uint64
}

// Describe says what the workload sends, for a benchmark's header.
func (w *Workload) Describe() string {
	o := w.opts
	where := "roots one batch after their children"
	if o.WholeTraces {
		where = "whole traces, roots with their children"
	}
	return fmt.Sprintf("%d spans per batch (%d traces: SERVER root + %d CLIENT children, %s), %.0f %% error traces, %.0f %% slow roots",
		w.SpansPerBatch(), o.TracesPerBatch, o.ChildSpans, where, o.ErrorRatio*100, o.SlowRatio*100)
}

// Workload holds the marshalled templates and where in them the trace ids sit.
type Workload struct {
	opts      WorkloadOptions
	prefix    uint64
	templates []template
}

type template struct {
	payload    []byte
	childSlots [][]int // per trace slot: offsets of the trace id in its children
	rootSlots  [][]int // per trace slot: offset of the trace id in its root (previous seq)
	errorSlots []int
	errorSpans int // error spans in the batch (children only)
}

// SpansPerBatch is the number of spans every payload carries.
func (w *Workload) SpansPerBatch() int { return w.opts.TracesPerBatch * (w.opts.ChildSpans + 1) }

// ErrorSpans is the number of error spans in payload seq.
func (w *Workload) ErrorSpans(seq uint64) int {
	return w.templates[seq%uint64(len(w.templates))].errorSpans
}

// NewWorkload builds and marshals the templates once.
func NewWorkload(opts WorkloadOptions) (*Workload, error) {
	if opts.TracesPerBatch <= 0 {
		opts.TracesPerBatch = 25
	}
	if opts.ChildSpans <= 0 {
		opts.ChildSpans = 3
	}
	if opts.ErrorRatio == 0 {
		opts.ErrorRatio = 0.01
	}
	if opts.SlowRatio == 0 {
		opts.SlowRatio = 0.01
	}
	if opts.SlowDuration == 0 {
		opts.SlowDuration = 1500 * time.Millisecond
	}
	if opts.Templates <= 0 {
		opts.Templates = 64
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	w := &Workload{opts: opts, prefix: rng.Uint64()}
	for i := 0; i < opts.Templates; i++ {
		t, err := buildTemplate(opts, rng)
		if err != nil {
			return nil, err
		}
		w.templates = append(w.templates, t)
	}
	return w, nil
}

var routes = []string{"/checkout", "/cart", "/items/{id}", "/search", "/login", "/orders/{id}", "/healthz", "/pay"}

func buildTemplate(opts WorkloadOptions, rng *rand.Rand) (template, error) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "loadgen-"+routes[rng.IntN(3)][1:])
	rs.Resource().Attributes().PutStr("service.instance.id", fmt.Sprintf("pod-%08x", rng.Uint32()))
	rs.Resource().Attributes().PutStr("deployment.environment.name", "bench")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	now := time.Now()
	var childIDs, rootIDs [][16]byte
	var errorSlots []int
	errorSpans := 0
	for slot := 0; slot < opts.TracesPerBatch; slot++ {
		childID, rootID := randomID(rng), randomID(rng)
		if opts.WholeTraces {
			rootID = childID
		}
		childIDs, rootIDs = append(childIDs, childID), append(rootIDs, rootID)
		rootSpanID := pcommon.SpanID(randomSpanID(rng))
		isError := rng.Float64() < opts.ErrorRatio
		if isError {
			errorSlots = append(errorSlots, slot)
		}
		route := routes[rng.IntN(len(routes))]
		for c := 0; c < opts.ChildSpans; c++ {
			s := spans.AppendEmpty()
			s.SetTraceID(childID)
			s.SetSpanID(randomSpanID(rng))
			s.SetParentSpanID(rootSpanID)
			s.SetName("SELECT orders")
			s.SetKind(ptrace.SpanKindClient)
			start := now.Add(time.Duration(c) * time.Millisecond)
			s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
			s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Duration(1+rng.IntN(20)) * time.Millisecond)))
			s.Attributes().PutStr("db.system.name", "postgresql")
			s.Attributes().PutStr("db.query.text", fmt.Sprintf("SELECT * FROM orders WHERE user_id = %d", rng.IntN(1e6)))
			if opts.WholeTraces { // six attributes on every span
				s.Attributes().PutStr("db.namespace", "orders")
				s.Attributes().PutStr("db.operation.name", "SELECT")
				s.Attributes().PutStr("server.address", "orders-db.internal")
				s.Attributes().PutInt("server.port", 5432)
			}
			if isError && c == 0 {
				s.Status().SetCode(ptrace.StatusCodeError)
				s.Status().SetMessage("connection reset")
				errorSpans++
			}
		}
		// The root belongs to the trace whose children went in the previous batch.
		root := spans.AppendEmpty()
		root.SetTraceID(rootID)
		root.SetSpanID(rootSpanID)
		root.SetName("GET " + route)
		root.SetKind(ptrace.SpanKindServer)
		d := time.Duration(5+rng.IntN(200)) * time.Millisecond
		if rng.Float64() < opts.SlowRatio {
			d = opts.SlowDuration
		}
		root.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
		root.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(d)))
		root.Attributes().PutStr("http.request.method", "GET")
		root.Attributes().PutStr("http.route", route)
		root.Attributes().PutInt("http.response.status_code", 200)
		root.Attributes().PutStr("user.id", fmt.Sprintf("u-%016x", rng.Uint64()))
		root.Attributes().PutStr("session.id", fmt.Sprintf("%032x", rng.Uint64()))
		if opts.WholeTraces {
			root.Attributes().PutStr("url.scheme", "https")
		}
	}
	payload, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return template{}, err
	}
	t := template{payload: payload, errorSlots: errorSlots, errorSpans: errorSpans}
	for slot := range childIDs {
		t.childSlots = append(t.childSlots, offsets(payload, childIDs[slot][:]))
		if opts.WholeTraces {
			if len(t.childSlots[slot]) != opts.ChildSpans+1 {
				return template{}, fmt.Errorf("trace id of slot %d found %d times in the payload", slot, len(t.childSlots[slot]))
			}
			continue
		}
		t.rootSlots = append(t.rootSlots, offsets(payload, rootIDs[slot][:]))
		if len(t.childSlots[slot]) != opts.ChildSpans || len(t.rootSlots[slot]) != 1 {
			return template{}, fmt.Errorf("trace id of slot %d found %d+%d times in the payload", slot, len(t.childSlots[slot]), len(t.rootSlots[slot]))
		}
	}
	return t, nil
}

// Payload returns batch seq with fresh trace ids written into buf (reused when large enough),
// and the trace ids of its error traces appended to errIDs.
func (w *Workload) Payload(seq uint64, buf []byte, errIDs [][16]byte) ([]byte, [][16]byte) {
	t := &w.templates[seq%uint64(len(w.templates))]
	buf = append(buf[:0], t.payload...)
	for slot := range t.childSlots {
		id := w.TraceID(seq, slot)
		for _, off := range t.childSlots[slot] {
			copy(buf[off:], id[:])
		}
		if w.opts.WholeTraces {
			continue
		}
		prev := w.TraceID(seq-1, slot)
		copy(buf[t.rootSlots[slot][0]:], prev[:])
	}
	for _, slot := range t.errorSlots {
		errIDs = append(errIDs, w.TraceID(seq, slot))
	}
	return buf, errIDs
}

// TraceID is the id of the trace in slot of batch seq: a per-run prefix and a mixed counter,
// so the low 56 bits (OTEP 235 randomness) are uniform.
func (w *Workload) TraceID(seq uint64, slot int) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], w.prefix)
	binary.BigEndian.PutUint64(id[8:], splitmix(seq*uint64(w.opts.TracesPerBatch)+uint64(slot)))
	return id
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func offsets(haystack, needle []byte) []int {
	var out []int
	for i := 0; ; {
		j := bytes.Index(haystack[i:], needle)
		if j < 0 {
			return out
		}
		out = append(out, i+j)
		i += j + len(needle)
	}
}

func randomID(rng *rand.Rand) [16]byte {
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], rng.Uint64())
	binary.BigEndian.PutUint64(id[8:], rng.Uint64()|1)
	return id
}

func randomSpanID(rng *rand.Rand) [8]byte {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], rng.Uint64()|1)
	return id
}

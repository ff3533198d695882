package sresamplingprocessor

import (
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spreadWorkload is a realistic ingest mix: every batch carries one span of each of 100
// traces, each trace spread over 10 batches (10 chunks of one span), random ids, per-request
// attributes that do not repeat, and optionally giant spans of one trace.
type spreadWorkload struct {
	perBatch int // spans of each active trace per batch
	rng      *rand.Rand
	seq      int
	active   [10][]pcommon.TraceID // traces by how many of their spans have been sent
	class    map[pcommon.TraceID]byte
	giant    pcommon.TraceID
}

// Trace classes of the workload: 1 % error traces (their span at age 5 has status ERROR), 5 %
// slow ones (their span at age 3 lasts 700 ms against the 500 ms threshold).
const (
	classOrdinary byte = iota
	classError
	classSlow
)

func newSpreadWorkload(seed uint64, perBatch int) *spreadWorkload {
	w := &spreadWorkload{perBatch: perBatch, rng: rand.New(rand.NewPCG(seed, seed+1)), class: map[pcommon.TraceID]byte{}}
	w.giant = randomTraceID(w.rng)
	return w
}

func (w *spreadWorkload) next(giantSpans int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("service.instance.id", "pod-"+strconv.Itoa(w.seq%7))
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	w.seq++
	for _, id := range w.active[9] { // finished
		delete(w.class, id)
	}
	for age := 9; age > 0; age-- {
		w.active[age] = w.active[age-1]
	}
	w.active[0] = nil
	for i := 0; i < 10; i++ {
		id := randomTraceID(w.rng)
		w.active[0] = append(w.active[0], id)
		switch r := w.rng.IntN(100); {
		case r == 0:
			w.class[id] = classError
		case r <= 5:
			w.class[id] = classSlow
		}
	}
	for age, ids := range w.active {
		for _, id := range ids {
			for k := 0; k < w.perBatch; k++ {
				s := w.span(spans, id, age == 0 && k == 0)
				switch {
				case k == 0 && age == 5 && w.class[id] == classError:
					s.Status().SetCode(ptrace.StatusCodeError)
				case k == 0 && age == 3 && w.class[id] == classSlow:
					s.SetStartTimestamp(s.EndTimestamp() - pcommon.Timestamp(700*time.Millisecond))
				}
			}
		}
	}
	for i := 0; i < giantSpans; i++ {
		w.span(spans, w.giant, false)
	}
	return td
}

func (w *spreadWorkload) span(spans ptrace.SpanSlice, id pcommon.TraceID, root bool) ptrace.Span {
	s := spans.AppendEmpty()
	s.SetTraceID(id)
	var sid pcommon.SpanID
	binary.LittleEndian.PutUint64(sid[:], w.rng.Uint64())
	s.SetSpanID(sid)
	if !root {
		s.SetParentSpanID(pcommon.SpanID{1})
	}
	s.SetName("GET /api/items/{id}")
	now := time.Now()
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-20 * time.Millisecond)))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
	a := s.Attributes()
	a.PutStr("http.route", "/api/items/{id}")
	a.PutInt("http.response.status_code", 200)
	a.PutStr("url.full", "https://shop.example/api/items/"+strconv.FormatUint(w.rng.Uint64(), 36))
	a.PutStr("user.id", strconv.FormatUint(w.rng.Uint64(), 36))
	a.PutStr("request.id", strconv.FormatUint(w.rng.Uint64(), 16))
	return s
}

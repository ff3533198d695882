package sresamplingprocessor

import (
	"errors"
	"sort"

	"github.com/klauspost/compress/s2"
	"google.golang.org/protobuf/encoding/protowire"
)

// Buffered spans are kept as compressed OTLP protobuf, one chunk per trace and batch: pointer-
// free bytes the GC never scans, about a fifth of a span's pdata footprint. The batch is
// marshalled once, and each span's encoded bytes are cut out of it and regrouped by trace, so
// no span is copied through pdata on the way into the buffer.

// Field numbers of the OTLP trace messages (opentelemetry/proto/trace/v1).
const (
	fieldResourceSpans = 1 // ExportTraceServiceRequest.resource_spans
	fieldScopeSpans    = 2 // ResourceSpans.scope_spans
	fieldSpans         = 2 // ScopeSpans.spans
)

var errMalformedProto = errors.New("sre_sampling: cannot split the marshalled batch")

// piece is one encoded span field of a buffered trace, with where it came from.
type piece struct {
	trace  int32
	rs, ss int32
	span   []byte // the complete `spans` field: tag, length and message
}

// container is the encoded fields of a ResourceSpans or ScopeSpans other than its children.
type container struct {
	fields []byte // every field except the repeated children, in order, tags included
}

// splitBatch cuts the marshalled batch into per-span pieces for the traces being buffered.
// spanTrace maps each span, in iteration order, to its trace (or -1).
func (b *batchScratch) splitBatch(raw []byte, buffered func(trace int32) bool) error {
	b.pieces, b.resources, b.scopes = b.pieces[:0], b.resources[:0], b.scopes[:0]
	spanIndex := 0
	err := eachField(raw, func(num protowire.Number, field, body []byte) error {
		if num != fieldResourceSpans {
			return nil
		}
		rs := int32(len(b.resources))
		b.resources = append(b.resources, container{})
		return eachField(body, func(num protowire.Number, field, body []byte) error {
			if num != fieldScopeSpans {
				b.resources[rs].fields = append(b.resources[rs].fields, field...)
				return nil
			}
			ss := int32(len(b.scopes))
			b.scopes = append(b.scopes, container{})
			return eachField(body, func(num protowire.Number, field, _ []byte) error {
				if num != fieldSpans {
					b.scopes[ss].fields = append(b.scopes[ss].fields, field...)
					return nil
				}
				if spanIndex >= len(b.spans) {
					return errMalformedProto
				}
				if t := b.spans[spanIndex].trace; t >= 0 && buffered(t) {
					b.pieces = append(b.pieces, piece{trace: t, rs: rs, ss: ss, span: field})
				}
				spanIndex++
				return nil
			})
		})
	})
	if err == nil && spanIndex != len(b.spans) {
		err = errMalformedProto
	}
	return err
}

// eachField calls fn with every length-delimited field of msg: its number, the complete field
// bytes and its body. Other wire types are passed with a nil body.
func eachField(msg []byte, fn func(protowire.Number, []byte, []byte) error) error {
	for len(msg) > 0 {
		num, typ, tagLen := protowire.ConsumeTag(msg)
		if tagLen < 0 {
			return errMalformedProto
		}
		n := protowire.ConsumeFieldValue(num, typ, msg[tagLen:])
		if n < 0 {
			return errMalformedProto
		}
		field := msg[:tagLen+n]
		var body []byte
		if typ == protowire.BytesType {
			body, _ = protowire.ConsumeBytes(msg[tagLen:])
		}
		if err := fn(num, field, body); err != nil {
			return err
		}
		msg = msg[tagLen+n:]
	}
	return nil
}

// buildChunks assembles each buffered trace's pieces into one compressed request and hands it
// to store.
func (b *batchScratch) buildChunks(store func(trace int32, chunk []byte)) {
	sort.SliceStable(b.pieces, func(i, j int) bool { return b.pieces[i].trace < b.pieces[j].trace })
	for start := 0; start < len(b.pieces); {
		end := start
		for end < len(b.pieces) && b.pieces[end].trace == b.pieces[start].trace {
			end++
		}
		b.plain = b.appendRequest(b.plain[:0], b.pieces[start:end])
		b.compressed = s2.Encode(b.compressed[:cap(b.compressed)], b.plain)
		store(b.pieces[start].trace, append([]byte(nil), b.compressed...)) // exact size, no slack kept
		start = end
	}
}

// appendRequest encodes one ExportTraceServiceRequest holding the pieces (all of one trace),
// grouped under their original resource and scope.
func (b *batchScratch) appendRequest(dst []byte, pieces []piece) []byte {
	for i := 0; i < len(pieces); {
		rs := pieces[i].rs
		j := i
		for j < len(pieces) && pieces[j].rs == rs {
			j++
		}
		rsSize := len(b.resources[rs].fields)
		for k := i; k < j; {
			ss, size, next := b.scopeGroup(pieces, k, j)
			rsSize += protowire.SizeTag(fieldScopeSpans) + protowire.SizeBytes(len(b.scopes[ss].fields)+size)
			k = next
		}
		dst = protowire.AppendTag(dst, fieldResourceSpans, protowire.BytesType)
		dst = protowire.AppendVarint(dst, uint64(rsSize))
		dst = append(dst, b.resources[rs].fields...)
		for k := i; k < j; {
			ss, size, next := b.scopeGroup(pieces, k, j)
			dst = protowire.AppendTag(dst, fieldScopeSpans, protowire.BytesType)
			dst = protowire.AppendVarint(dst, uint64(len(b.scopes[ss].fields)+size))
			dst = append(dst, b.scopes[ss].fields...)
			for ; k < next; k++ {
				dst = append(dst, pieces[k].span...)
			}
		}
		i = j
	}
	return dst
}

// scopeGroup returns the scope of pieces[from], the encoded size of the run of pieces sharing
// it, and where that run ends (before limit).
func (b *batchScratch) scopeGroup(pieces []piece, from, limit int) (ss int32, size, next int) {
	ss = pieces[from].ss
	next = from
	for next < limit && pieces[next].ss == ss {
		size += len(pieces[next].span)
		next++
	}
	return ss, size, next
}

// decodeChunk returns the protobuf request a chunk holds.
func decodeChunk(chunk []byte, scratch []byte) ([]byte, error) {
	n, err := s2.DecodedLen(chunk)
	if err != nil {
		return nil, err
	}
	if cap(scratch) < n {
		scratch = make([]byte, n)
	}
	return s2.Decode(scratch[:n], chunk)
}

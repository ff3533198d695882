package admission

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// nestedMessage wraps an empty message depth times in field 1.
func nestedMessage(depth int) []byte {
	var b []byte
	for i := 0; i < depth; i++ {
		var outer []byte
		outer = protowire.AppendTag(outer, 1, protowire.BytesType)
		outer = protowire.AppendBytes(outer, b)
		b = outer
	}
	return b
}

func TestProtoDepth(t *testing.T) {
	for _, tc := range []struct {
		depth, limit int
		want         bool
	}{
		{0, 0, false}, {1, 1, false}, {2, 1, true}, {10, 10, false}, {11, 10, true}, {10_000, 64, true},
	} {
		if got := ProtoDepthExceeds(nestedMessage(tc.depth), tc.limit); got != tc.want {
			t.Errorf("depth %d limit %d: exceeds=%v, want %v", tc.depth, tc.limit, got, tc.want)
		}
	}
}

func TestProtoDepthCountsEveryWireType(t *testing.T) {
	var m []byte
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, 300)
	m = protowire.AppendTag(m, 2, protowire.Fixed64Type)
	m = protowire.AppendFixed64(m, 7)
	m = protowire.AppendTag(m, 3, protowire.Fixed32Type)
	m = protowire.AppendFixed32(m, 7)
	m = protowire.AppendTag(m, 4, protowire.BytesType)
	m = protowire.AppendBytes(m, nestedMessage(3)) // this field is level 1, its content 3 deeper
	if ProtoDepthExceeds(m, 4) {
		t.Error("depth 4 reported over a limit of 4")
	}
	if !ProtoDepthExceeds(m, 3) {
		t.Error("depth 4 not reported over a limit of 3")
	}
}

// Bytes that do not parse as a message end the chain instead of counting.
func TestProtoDepthStopsAtNonMessages(t *testing.T) {
	for name, content := range map[string][]byte{
		"text":             []byte("hello, world"),
		"truncated varint": {0x08, 0x80},
		"truncated fixed":  {0x09, 1, 2},
		"overlong length":  {0x0a, 0x05, 1},
		"one byte short":   {0x0a, 0x02, 0x0a},
		"field zero":       {0x00, 0x01},
		"group":            {0x0b},
		"short fixed32":    {0x0d, 1},
	} {
		var m []byte
		m = protowire.AppendTag(m, 1, protowire.BytesType)
		m = protowire.AppendBytes(m, content)
		if ProtoDepthExceeds(m, 1) {
			t.Errorf("%s: counted as nesting", name)
		}
	}
}

// Fixed-width and varint fields are stepped over exactly, so a nested field after them still counts.
func TestProtoDepthStepsOverPlainFields(t *testing.T) {
	for _, last := range [][]byte{
		protowire.AppendFixed64(protowire.AppendTag(nil, 2, protowire.Fixed64Type), 1),
		protowire.AppendFixed32(protowire.AppendTag(nil, 3, protowire.Fixed32Type), 1),
		protowire.AppendVarint(protowire.AppendTag(nil, 4, protowire.VarintType), 1),
	} {
		inner := append(last, nestedMessage(1)...) // the plain field, then depth 1
		var outer []byte
		outer = protowire.AppendTag(outer, 1, protowire.BytesType)
		outer = protowire.AppendBytes(outer, inner) // depth 2 in all
		if !ProtoDepthExceeds(outer, 1) {
			t.Errorf("last field %x: depth 2 not reported over a limit of 1", last)
		}
		if ProtoDepthExceeds(outer, 2) {
			t.Errorf("last field %x: depth 2 reported over a limit of 2", last)
		}
	}
}

func TestJSONDepth(t *testing.T) {
	deep := strings.Repeat(`{"a":[`, 50) + strings.Repeat(`]}`, 50)
	for _, tc := range []struct {
		in    string
		limit int
		want  bool
	}{
		{`{}`, 1, false},
		{`{"a":{}}`, 1, true},
		{`{"a":"{{{{{{[[[["}`, 1, false},
		{`{"a":"\"{{{"}`, 1, false},
		{`{"a":"\\"}`, 1, false},
		{`[[1],[2]]`, 2, false},
		{`[[[1]]]`, 2, true},
		{deep, 100, false},
		{deep, 99, true},
	} {
		if got := JSONDepthExceeds([]byte(tc.in), tc.limit); got != tc.want {
			t.Errorf("%.40q limit %d: exceeds=%v, want %v", tc.in, tc.limit, got, tc.want)
		}
	}
}

package admission

import "encoding/binary"

// Depth checks bound how deeply a payload nests before it is decoded. The collector's OTLP
// decoders recurse once per nested AnyValue, and a body of a few megabytes nesting a million
// key-value lists exhausts the goroutine stack: a fatal error that no recover() catches. These
// scans are iterative or depth-limited, so they cannot overflow themselves.

// ProtoDepthExceeds reports whether any chain of nested length-delimited fields that parse as
// protobuf messages is deeper than limit. The wire format does not say which bytes fields are
// messages, so each one is scanned as if it were: bytes that do not parse end their chain there
// (a string adds depth only as far as its bytes keep parsing, which real text does not do for
// long). Recursion stops at limit, so the scan itself cannot overflow.
func ProtoDepthExceeds(b []byte, limit int) bool { return protoDeeper(b, 0, limit) }

func protoDeeper(b []byte, level, limit int) bool {
	if level > limit {
		return true
	}
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		if n <= 0 || tag>>3 == 0 {
			return false // not a message: nothing below it counts
		}
		b = b[n:]
		switch tag & 7 {
		case 0:
			if _, n = binary.Uvarint(b); n <= 0 {
				return false
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return false
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return false
			}
			b = b[4:]
		case 2:
			size, n := binary.Uvarint(b)
			if n <= 0 || size > uint64(len(b)-n) {
				return false
			}
			if protoDeeper(b[n:n+int(size)], level+1, limit) {
				return true
			}
			b = b[n+int(size):]
		default: // groups (3, 4) are not used by OTLP; 6 and 7 are invalid
			return false
		}
	}
	return false
}

// JSONDepthExceeds reports whether objects and arrays in b nest deeper than limit, skipping
// brackets inside strings. It does not validate the JSON; the decoder does that.
func JSONDepthExceeds(b []byte, limit int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// Package label bounds the values that senders put into metric labels, board keys and
// scorecard identities. One span with a 1 MiB service.name would otherwise be repeated in
// every series emitted for it; a value that is not UTF-8 would be dropped by the Prometheus
// client at every scrape.
package label

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

const (
	// DefaultMaxLength is the bound the components apply unless configured otherwise: long
	// enough for any real service name, route or version, short enough that a series stays
	// a few hundred bytes.
	DefaultMaxLength = 256
	// MinMaxLength leaves room for a readable prefix beside the hash suffix.
	MinMaxLength = 32

	// marker separates the kept prefix from the hash, so a reader sees the value was cut.
	marker     = "…"
	hashDigits = 12
	suffixLen  = len(marker) + hashDigits
)

// Bound returns s as a label value of at most maxLen bytes and valid UTF-8. Bytes that are
// not UTF-8 become U+FFFD. A longer value keeps its first bytes, cut on a rune boundary, and
// ends in "…" and 12 hex digits of the SHA-256 of the whole original value, so two long
// values that share a prefix stay distinct, and the same value is cut the same way in every
// process and after a restart. truncated reports a cut (not a repair). maxLen below
// MinMaxLength is read as MinMaxLength.
func Bound(s string, maxLen int) (out string, truncated bool) {
	if len(s) <= maxLen && utf8.ValidString(s) {
		return s, false // the hot path: no allocation
	}
	maxLen = max(maxLen, MinMaxLength)
	repaired := strings.ToValidUTF8(s, "\uFFFD")
	if len(repaired) <= maxLen {
		return repaired, false
	}
	keep := maxLen - suffixLen
	for keep > 0 && !utf8.RuneStart(repaired[keep]) {
		keep--
	}
	sum := sha256.Sum256([]byte(s))
	return repaired[:keep] + marker + hex.EncodeToString(sum[:])[:hashDigits], true
}

// Bounder applies one bound and counts what it cut, for the self-telemetry of the component
// that owns it. It is safe for concurrent use, so components bound values before their ingest
// lock.
type Bounder struct {
	MaxLength int
	truncated atomic.Int64
}

// Bound is [Bound] with the Bounder's length, counting truncations.
func (b *Bounder) Bound(s string) string {
	out, cut := Bound(s, b.MaxLength)
	if cut {
		b.truncated.Add(1)
	}
	return out
}

// TakeTruncated returns the truncations since the last call and resets the count.
func (b *Bounder) TakeTruncated() int64 { return b.truncated.Swap(0) }

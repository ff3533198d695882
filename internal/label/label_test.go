package label

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShortValidValuesAreUnchanged(t *testing.T) {
	for _, s := range []string{"", "checkout", "/api/v1/orders/{id}", strings.Repeat("a", DefaultMaxLength), "café"} {
		got, cut := Bound(s, DefaultMaxLength)
		if got != s || cut {
			t.Errorf("Bound(%q) = %q, %v", s, got, cut)
		}
	}
}

func TestLongValuesSharingAPrefixStayDistinct(t *testing.T) {
	prefix := strings.Repeat("p", 1<<20)
	a, cutA := Bound(prefix+"a", DefaultMaxLength)
	b, cutB := Bound(prefix+"b", DefaultMaxLength)
	if !cutA || !cutB {
		t.Fatalf("1 MiB values not reported as cut: %v %v", cutA, cutB)
	}
	if a == b {
		t.Fatalf("distinct values collapsed to %q", a)
	}
	if len(a) != DefaultMaxLength || len(b) != DefaultMaxLength {
		t.Errorf("lengths %d, %d; want %d", len(a), len(b), DefaultMaxLength)
	}
	if !strings.HasPrefix(a, strings.Repeat("p", DefaultMaxLength-suffixLen)) || !strings.Contains(a, marker) {
		t.Errorf("cut value keeps no readable prefix or marker: %q", a)
	}
	again, _ := Bound(prefix+"a", DefaultMaxLength)
	if again != a {
		t.Errorf("the same value is cut two ways: %q, %q", a, again)
	}
}

func TestCutsOnARuneBoundary(t *testing.T) {
	s := strings.Repeat("é", 200) // 400 bytes, 2 per rune
	for maxLen := MinMaxLength; maxLen < 80; maxLen++ {
		got, cut := Bound(s, maxLen)
		if !cut || !utf8.ValidString(got) || len(got) > maxLen {
			t.Fatalf("maxLen %d: %q (%d bytes), cut %v", maxLen, got, len(got), cut)
		}
		if len(got) < maxLen-1 { // at most one byte of a two-byte rune is given up
			t.Fatalf("maxLen %d: only %d bytes kept", maxLen, len(got))
		}
	}
}

func TestRepairsInvalidUTF8(t *testing.T) {
	got, cut := Bound("chk\xffout", DefaultMaxLength)
	if got != "chk\uFFFDout" || cut {
		t.Errorf("got %q, %v", got, cut)
	}
	long := strings.Repeat("a\xff", 1000) // each invalid byte becomes three
	got, cut = Bound(long, 64)
	if !cut || !utf8.ValidString(got) || len(got) > 64 {
		t.Errorf("long invalid value: %q, %v", got, cut)
	}
	// A value whose repair fits is not a cut, up to exactly the bound.
	if got, cut := Bound(strings.Repeat("a", 61)+"\xff", 64); cut || len(got) != 64 {
		t.Errorf("repair that fills the bound: %d bytes, %v", len(got), cut)
	}
	got, cut = Bound(strings.Repeat("a", 60)+"\xff", 64)
	if cut || len(got) != 63 {
		t.Errorf("repair that fits: %q (%d), %v", got, len(got), cut)
	}
}

func TestSmallBoundsAreRaised(t *testing.T) {
	got, cut := Bound(strings.Repeat("x", 100), 1)
	if !cut || len(got) != MinMaxLength {
		t.Errorf("got %q (%d bytes), %v; want %d bytes", got, len(got), cut, MinMaxLength)
	}
	got, cut = Bound(strings.Repeat("x", 20), 1) // fits the raised bound
	if cut || len(got) != 20 {
		t.Errorf("got %q, %v", got, cut)
	}
}

func TestBounderCounts(t *testing.T) {
	b := Bounder{MaxLength: 40}
	b.Bound("short")
	b.Bound(strings.Repeat("y", 41))
	b.Bound(strings.Repeat("z", 400))
	if n := b.TakeTruncated(); n != 2 {
		t.Errorf("truncated = %d, want 2", n)
	}
	if n := b.TakeTruncated(); n != 0 {
		t.Errorf("after take: %d", n)
	}
}

func BenchmarkBoundShort(b *testing.B) {
	for b.Loop() {
		Bound("/api/v1/orders/{id}", DefaultMaxLength)
	}
}

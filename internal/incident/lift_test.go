package incident

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

var liftAttrs = []string{"http.route", "http.response.status_code", "service.version"}

func add(t *LiftTable, n int, bad bool, values ...string) {
	for range n {
		t.Add(values, bad, 1)
	}
}

func names(fs []srestate.Factor) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Attribute+"="+f.Value)
	}
	return out
}

// A long calm run of v1, then v2 fails on /pay. Over all time, v2 separates bad from good more
// than /pay does (/pay served many good v1 requests); within the burning bucket every request
// is v2, so the version separates nothing and /pay is first; the status code, a symptom, follows.
func TestFactorsCompareTheBurningBuckets(t *testing.T) {
	tbl := NewLiftTable(liftAttrs, []string{"http.response.status_code"}, 16)
	add(tbl, 500, false, "/pay", "200", "1.0")
	add(tbl, 500, false, "/browse", "200", "1.0")
	tbl.Rotate()
	add(tbl, 20, true, "/pay", "500", "2.0")
	add(tbl, 20, false, "/browse", "200", "2.0")
	fs := tbl.Factors(10, 0.001)
	if got := strings.Join(names(fs), ","); got != "http.route=/pay,http.response.status_code=500" {
		t.Fatalf("factors %s", got)
	}
	pay := fs[0]
	if pay.Bad != 20 || pay.Good != 0 || pay.Lift != 2 || pay.Coverage != 1 || pay.Symptom || !fs[1].Symptom {
		t.Errorf("first factor %+v, second %+v", pay, fs[1])
	}
	// With an allowance no bucket exceeds, every bucket counts: the calm history makes the new
	// version look like the better explanation, which is what comparing within the burn avoids.
	if got := names(tbl.Factors(10, 0.9)); strings.Join(got, ",") != "service.version=2.0,http.route=/pay,http.response.status_code=500" {
		t.Errorf("all buckets: %v", got)
	}
	if got := tbl.Factors(1, 0.001); len(got) != 1 || got[0].Value != "/pay" {
		t.Errorf("n=1: %v", names(got))
	}
	if got := tbl.Factors(0, 0.001); got != nil {
		t.Errorf("n=0: %v", got)
	}
}

func TestFactorsNeedSupportAndALiftAboveOne(t *testing.T) {
	tbl := NewLiftTable([]string{"k8s.pod.name", "http.route"}, nil, 16)
	add(tbl, 1, true, "pod-a", "/a")   // one bad event on pod-a: no support
	add(tbl, 2, true, "pod-b", "/b")   // two: listed
	add(tbl, 97, false, "pod-c", "/b") // /b's share equals the overall share: lift 1, not listed
	fs := tbl.Factors(10, 0)
	if got := strings.Join(names(fs), ","); got != "k8s.pod.name=pod-b" {
		t.Fatalf("factors %s", got)
	}
	if fs[0].Lift != 100.0/3 {
		t.Errorf("lift %v, want 100/3", fs[0].Lift)
	}
	if empty := NewLiftTable(liftAttrs, nil, 4); empty.Factors(5, 0) != nil {
		t.Error("factors without events")
	}
}

// Equal lift and coverage: the earlier attribute wins, then the smaller value.
func TestFactorsTieBreak(t *testing.T) {
	tbl := NewLiftTable([]string{"a", "b"}, nil, 16)
	add(tbl, 3, true, "y", "x")
	add(tbl, 3, true, "x", "z")
	add(tbl, 6, false, "w", "w")
	if got := strings.Join(names(tbl.Factors(10, 0)), ","); got != "a=x,a=y,b=x,b=z" {
		t.Errorf("order %s", got)
	}
}

func TestLiftTableBoundsAndEviction(t *testing.T) {
	tbl := NewLiftTable([]string{"pod"}, nil, 2)
	add(tbl, 5, false, "p1")
	add(tbl, 3, false, "p2")
	add(tbl, 1, true, "p3") // a bad event evicts the value with fewest bad, then good: p2
	if got := values(tbl, 0); got != "p1,p3" {
		t.Fatalf("after a bad newcomer: %s", got)
	}
	add(tbl, 1, false, "p4") // a good newcomer evicts p1 (no bad), never p3
	if got := values(tbl, 0); got != "p4,p3" {
		t.Fatalf("after a good newcomer: %s", got)
	}
	add(tbl, 1, true, "p5")  // bad evicts p4 (0 bad) ahead of p3 (1 bad)
	add(tbl, 1, false, "p6") // both hold bad events: a good newcomer is not tracked
	if got := values(tbl, 0); got != "p5,p3" {
		t.Fatalf("full of bad values: %s", got)
	}
	long := strings.Repeat("x", 500)
	add(tbl, 3, true, long)
	for _, e := range tbl.values[0] {
		if len(e.value) > maxValueBytes {
			t.Errorf("value of %d bytes kept", len(e.value))
		}
	}
	if tbl.Bytes() < 2*EntryBytes {
		t.Errorf("Bytes %d below two entries", tbl.Bytes())
	}
	tbl.Add([]string{"", "extra"}, true, 1) // absent values and values past the attributes are ignored
	if len(tbl.values) != 1 {
		t.Error("grew an attribute")
	}
}

func values(t *LiftTable, attr int) string {
	var vs []string
	for _, e := range t.values[attr] {
		vs = append(vs, e.value)
	}
	return strings.Join(vs, ",")
}

func TestRotateForgetsTheOldestBucket(t *testing.T) {
	tbl := NewLiftTable([]string{"route"}, nil, 4)
	add(tbl, 2, true, "/old")
	if tbl.Idle() {
		t.Fatal("idle with bad events")
	}
	for i := 1; i < Buckets; i++ {
		tbl.Rotate()
		add(tbl, 1, false, "/new")
		if tbl.Idle() || values(tbl, 0) != "/old,/new" {
			t.Fatalf("rotation %d: idle %v, values %s", i, tbl.Idle(), values(tbl, 0))
		}
	}
	tbl.Rotate() // the bucket with /old's bad events is gone
	if !tbl.Idle() || values(tbl, 0) != "/new" {
		t.Errorf("after %d rotations: idle %v, values %s", Buckets, tbl.Idle(), values(tbl, 0))
	}
	for range Buckets {
		tbl.Rotate()
	}
	if values(tbl, 0) != "" || tbl.total != [Buckets]counts{} {
		t.Errorf("after a full turn: %s %v", values(tbl, 0), tbl.total)
	}
}

func TestLiftEdges(t *testing.T) {
	tbl := NewLiftTable([]string{"v"}, nil, 4)
	exact, over := strings.Repeat("a", maxValueBytes), strings.Repeat("b", maxValueBytes+1)
	add(tbl, 2, true, exact)
	add(tbl, 2, true, over)
	if got := values(tbl, 0); got != exact+","+over[:maxValueBytes] {
		t.Errorf("values %q", got)
	}
	// Equal bad counts: the value with fewer good events goes, wherever it sits.
	ev := NewLiftTable([]string{"pod"}, nil, 2)
	add(ev, 3, false, "p1")
	add(ev, 5, false, "p2")
	add(ev, 1, true, "p3")
	if got := values(ev, 0); got != "p3,p2" {
		t.Errorf("eviction on equal bad counts: %s", got)
	}
	// A bucket whose bad share equals the allowance did not burn budget.
	b := NewLiftTable([]string{"route"}, nil, 4)
	add(b, 2, true, "/a")
	add(b, 2, false, "/b")
	b.Rotate()
	add(b, 3, true, "/c")
	add(b, 1, false, "/d")
	if got := strings.Join(names(b.Factors(5, 0.5)), ","); got != "route=/c" {
		t.Errorf("a bucket at the allowance counted: %s", got)
	}
}

// Bytes bounds what a full table holds: measured on the heap, it is neither exceeded nor more
// than twice what is held.
func TestLiftTableBytesBoundsTheHeap(t *testing.T) {
	attrs := []string{"a", "b", "c", "d", "e"}
	const tables = 200
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	held := make([]*LiftTable, tables)
	for i := range held {
		tbl := NewLiftTable(attrs, nil, 16)
		for v := range 16 {
			values := make([]string, len(attrs))
			for a := range values { // distinct strings, as values decoded from spans are
				values[a] = fmt.Sprintf("%0*d", maxValueBytes, v*len(attrs)+a)
			}
			add(tbl, 1, true, values...)
		}
		held[i] = tbl
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perTable := float64(after.HeapAlloc-before.HeapAlloc) / tables
	bound := float64(held[0].Bytes())
	if perTable > bound || bound > 2*perTable {
		t.Errorf("a full table holds %.0f B on the heap; Bytes says %.0f", perTable, bound)
	}
	t.Logf("a full table of 5 attributes × 16 values of %d B: %.0f B on the heap, Bytes %.0f", maxValueBytes, perTable, bound)
	runtime.KeepAlive(held)
}

package memo

import "testing"

func TestGetComputesOnceAndRemembers(t *testing.T) {
	m := New[string, int](4)
	calls := 0
	compute := func(k string) int { calls++; return len(k) }
	if v := m.Get("abc", compute); v != 3 || calls != 1 {
		t.Fatalf("first Get = %d after %d calls, want 3 after 1", v, calls)
	}
	if v := m.Get("abc", compute); v != 3 || calls != 1 {
		t.Fatalf("second Get = %d after %d calls, want the remembered 3 without computing", v, calls)
	}
	if m.Len() != 1 {
		t.Fatalf("Len = %d, want 1", m.Len())
	}
}

// A sender who never repeats a key costs at most max entries: at the bound the memo starts over.
func TestTheBoundClearsAndKeepsTheNewKey(t *testing.T) {
	m := New[int, int](3)
	id := func(k int) int { return k * 10 }
	for k := 0; k < 3; k++ {
		m.Get(k, id)
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d before the bound, want 3", m.Len())
	}
	if v := m.Get(99, id); v != 990 || m.Len() != 1 {
		t.Fatalf("past the bound: Get = %d, Len = %d, want 990 and only the new key", v, m.Len())
	}
	calls := 0
	m.Get(0, func(k int) int { calls++; return k })
	if calls != 1 {
		t.Fatal("a key from before the clear was still remembered")
	}
	for k := 0; k < 1000; k++ {
		m.Get(k, id)
		if m.Len() > 3 {
			t.Fatalf("Len = %d, past the bound of 3", m.Len())
		}
	}
}

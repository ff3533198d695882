package policy

import (
	"slices"
	"testing"
	"time"
)

func TestBoostCooldownAndBound(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	b := NewBoost(1, 10*time.Minute, 2)
	steps := []struct {
		name    string
		at      time.Duration
		burning map[string]bool
		changes []Change
		boosted []string
	}{
		{"calm", 0, nil, nil, nil},
		{"a pages", time.Minute, map[string]bool{"a": true, "x": false}, []Change{{"a", true}}, []string{"a"}},
		{"a still pages, b pages, c past the bound", 2 * time.Minute, map[string]bool{"a": true, "b": true, "c": true}, []Change{{"b", true}}, []string{"a", "b"}},
		{"both clear, within the cooldown", 3 * time.Minute, nil, nil, []string{"a", "b"}},
		{"one instant before the cooldown ends", 12*time.Minute - time.Nanosecond, nil, nil, []string{"a", "b"}},
		{"cooldown over", 12 * time.Minute, nil, []Change{{"a", false}, {"b", false}}, nil},
		{"c pages now that there is room", 13 * time.Minute, map[string]bool{"c": true}, []Change{{"c", true}}, []string{"c"}},
		{"c flaps: its cooldown restarts", 20 * time.Minute, map[string]bool{"c": true}, nil, []string{"c"}},
		{"c clear, 10m after the first page but not the last", 23*time.Minute + time.Second, nil, nil, []string{"c"}},
		{"c's cooldown from its last page", 30 * time.Minute, nil, []Change{{"c", false}}, nil},
	}
	for _, s := range steps {
		changes := b.Update(s.burning, t0.Add(s.at))
		if !slices.Equal(changes, s.changes) {
			t.Errorf("%s: changes %v, want %v", s.name, changes, s.changes)
		}
		if got := b.Boosted(); !slices.Equal(got, s.boosted) {
			t.Errorf("%s: boosted %v, want %v", s.name, got, s.boosted)
		}
		for _, svc := range []string{"a", "b", "c"} {
			if b.Active(svc) != slices.Contains(s.boosted, svc) {
				t.Errorf("%s: Active(%s) = %v", s.name, svc, b.Active(svc))
			}
		}
	}
}

func TestBoostWithoutCooldownEndsWithThePage(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	b := NewBoost(0.5, 0, 0) // a bound below 1 still tracks one service
	if ch := b.Update(map[string]bool{"a": true}, t0); !slices.Equal(ch, []Change{{"a", true}}) {
		t.Fatalf("changes %v", ch)
	}
	if ch := b.Update(nil, t0); !slices.Equal(ch, []Change{{"a", false}}) {
		t.Fatalf("changes %v", ch)
	}
}

package incident

import "testing"

// Counting events into a batch table and merging it gives the same table as counting them
// one by one, as long as no attribute overflows topK.
func TestMergeEqualsAddingEventByEvent(t *testing.T) {
	attrs := []string{"http.route", "k8s.pod.name"}
	direct, merged, batch := NewLiftTable(attrs, nil, 5), NewLiftTable(attrs, nil, 5), NewLiftTable(attrs, nil, 5)
	events := []struct {
		values []string
		bad    bool
		w      float64
	}{
		{[]string{"/a", "pod-1"}, false, 1}, {[]string{"/b", "pod-1"}, true, 2}, {[]string{"/a", ""}, true, 1},
		{[]string{"/c", "pod-2"}, false, 4}, {[]string{"/b", "pod-2"}, true, 1},
	}
	for round := 0; round < 3; round++ {
		batch.Reset()
		for _, e := range events {
			direct.Add(e.values, e.bad, e.w)
			batch.Add(e.values, e.bad, e.w)
		}
		if !batch.HasBad() {
			t.Fatal("the batch holds bad events")
		}
		merged.Merge(batch)
		direct.Rotate()
		merged.Rotate()
	}
	want, got := direct.Factors(10, 0), merged.Factors(10, 0)
	if len(want) == 0 || len(want) != len(got) {
		t.Fatalf("factors: merged %v, direct %v", got, want)
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("factor %d: merged %+v, direct %+v", i, got[i], want[i])
		}
	}
	batch.Reset()
	if batch.HasBad() || len(batch.values[0]) != 0 {
		t.Error("Reset left counts or values behind")
	}
}

// A value with bad events is never pushed out of a full attribute by merged good events.
func TestMergeKeepsValuesWithBadEvents(t *testing.T) {
	table, batch := NewLiftTable([]string{"pod"}, nil, 2), NewLiftTable([]string{"pod"}, nil, 2)
	table.Add([]string{"bad-pod"}, true, 3)
	table.Add([]string{"ok-pod"}, false, 1)
	batch.Add([]string{"new-pod"}, false, 10)
	table.Merge(batch)
	kept := map[string]bool{}
	for _, e := range table.values[0] {
		kept[e.value] = true
	}
	if !kept["bad-pod"] || len(kept) != 2 {
		t.Fatalf("values kept: %v", kept)
	}
}

package incident

import (
	"encoding/json"
	"fmt"
)

type snapshot struct {
	Version int
	Open    []*record
	History []*record
}

// Marshal encodes the open and resolved incidents, so a restarted collector goes on with the
// same records instead of opening a second incident for a burn it already reported.
func (t *Tracker) Marshal() ([]byte, error) {
	s := snapshot{Version: 1, History: t.history}
	for _, r := range t.open {
		s.Open = append(s.Open, r)
	}
	return json.Marshal(s)
}

// Unmarshal replaces the tracker's records with encoded ones, keeping the configured bounds.
func (t *Tracker) Unmarshal(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("decoding incidents: %w", err)
	}
	if s.Version != 1 {
		return fmt.Errorf("decoding incidents: unknown version %d", s.Version)
	}
	t.open = map[string]*record{}
	for _, r := range s.Open {
		if r != nil && r.Key != "" && len(t.open) < t.cfg.MaxOpen {
			t.open[r.Key] = r
		}
	}
	t.history = nil
	for _, r := range s.History {
		if r != nil {
			t.history = append(t.history, r)
		}
	}
	t.history = t.history[max(0, len(t.history)-t.cfg.MaxHistory):]
	return nil
}

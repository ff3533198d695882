package attr

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestInt(t *testing.T) {
	m := pcommon.NewMap()
	m.PutInt("i", 503)
	m.PutDouble("d", 401.0)
	m.PutStr("s", "500")
	m.PutStr("bad", "five hundred")
	m.PutBool("b", true)
	for key, want := range map[string]int64{"i": 503, "d": 401, "s": 500} {
		if got, ok := Int(m, key); !ok || got != want {
			t.Errorf("%s: %d %v", key, got, ok)
		}
	}
	for _, key := range []string{"bad", "b", "missing"} {
		if _, ok := Int(m, key); ok {
			t.Errorf("%s read as an int", key)
		}
	}
	if got, ok := Int(m, "missing", "b", "s"); !ok || got != 500 {
		t.Errorf("fallback key: %d %v", got, ok)
	}
}

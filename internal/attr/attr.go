// Package attr reads span and log attributes the way every component here needs them: an
// integer that some SDKs send as a double or a string.
package attr

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Int reads the first key holding an int, double or string as an integer; a string that is
// not a decimal integer reads as absent.
func Int(m pcommon.Map, keys ...string) (int64, bool) {
	for _, k := range keys {
		v, ok := m.Get(k)
		if !ok {
			continue
		}
		switch v.Type() {
		case pcommon.ValueTypeInt:
			return v.Int(), true
		case pcommon.ValueTypeDouble:
			return int64(v.Double()), true
		case pcommon.ValueTypeStr:
			n, err := strconv.ParseInt(v.Str(), 10, 64)
			return n, err == nil
		}
		// any other type: try the next key
	}
	return 0, false
}

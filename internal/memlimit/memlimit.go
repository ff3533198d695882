// Package memlimit gives the Go runtime a soft memory limit (GOMEMLIMIT) below the point where
// the shipped configs' memory_limiter starts refusing data, when the operator set none.
//
// memory_limiter refuses while the heap, garbage included, is above its soft limit, and forces
// a garbage collection only now and then. Without GOMEMLIMIT the runtime lets the heap grow to
// twice the live data before it collects, so a gateway whose live state is well under the soft
// limit still crosses it between collections and refuses good data, for minutes after a flood
// of hostile names has ended. With the runtime's limit just under the soft limit, collections
// come first and refusals are left for real overload.
package memlimit

import (
	"math"
	"os"
	"strconv"
	"strings"
)

const mib = 1 << 20

// Share of the memory_limiter hard limit (limit_mib) the runtime is held under: the shipped
// configs' spike limit is 20 % of it, so refusals start at 80 %.
const shareOfLimiterLimit = 0.75

// Share of a container's memory: the shipped configs' limit_percentage 80 and
// spike_limit_percentage 20 start refusals at 60 % of it.
const shareOfContainer = 0.55

// Choose returns the runtime limit in bytes, and why, or 0 when none should be set: when
// GOMEMLIMIT is already given, or neither MEMORY_LIMIT_MIB nor a cgroup v2 memory.max (read by
// cgroupMax, "" when absent) bounds the process.
func Choose(getenv func(string) string, cgroupMax func() string) (int64, string) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, "GOMEMLIMIT is set"
	}
	if v, err := strconv.ParseFloat(strings.TrimSpace(getenv("MEMORY_LIMIT_MIB")), 64); err == nil && v > 0 && !math.IsInf(v, 0) {
		return int64(v * mib * shareOfLimiterLimit), "75 % of MEMORY_LIMIT_MIB"
	}
	if v, err := strconv.ParseInt(strings.TrimSpace(cgroupMax()), 10, 64); err == nil && v > 0 {
		return int64(float64(v) * shareOfContainer), "55 % of the cgroup memory limit"
	}
	return 0, "no memory limit known"
}

// CgroupMax reads the cgroup v2 memory limit of this process's cgroup ("max" when unbounded,
// "" without cgroup v2).
func CgroupMax() string {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return ""
	}
	return string(b)
}

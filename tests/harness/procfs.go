package harness

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc/<pid>/stat on every architecture
// Go supports.
const clockTicks = 100

// ProcCPUSeconds reads utime+stime of pid from /proc/<pid>/stat.
func ProcCPUSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: fields count from after it.
	s := string(raw)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return (utime + stime) / clockTicks, nil
}

// ProcPeakRSSBytes is the peak resident set size of pid (VmHWM).
func ProcPeakRSSBytes(pid int) (int64, error) { return procStatusKB(pid, "VmHWM:") }

// ProcAnonRSSBytes is the anonymous part of pid's resident set (RssAnon): heap, stacks and
// runtime memory, without the file-backed pages of the binary and of mmap'd files, which the
// kernel can drop and re-read.
func ProcAnonRSSBytes(pid int) (int64, error) { return procStatusKB(pid, "RssAnon:") }

// procStatusKB reads one "Key:  N kB" line of /proc/<pid>/status, in bytes.
func procStatusKB(pid int, key string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, key)
}

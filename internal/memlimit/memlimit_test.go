package memlimit

import "testing"

func TestChoose(t *testing.T) {
	cases := []struct {
		name       string
		env        map[string]string
		cgroup     string
		want       int64
		wantReason string
	}{
		{"operator's GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "300MiB", "MEMORY_LIMIT_MIB": "409"}, "536870912", 0, "GOMEMLIMIT is set"},
		{"below the limiter's soft limit", map[string]string{"MEMORY_LIMIT_MIB": "409"}, "536870912", 409 * mib * 3 / 4, "75 % of MEMORY_LIMIT_MIB"},
		{"MEMORY_LIMIT_MIB 0 means the container's", map[string]string{"MEMORY_LIMIT_MIB": "0"}, "536870912\n", 295279001, "55 % of the cgroup memory limit"},
		{"no cgroup limit", nil, "max", 0, "no memory limit known"},
		{"no cgroup file", map[string]string{"MEMORY_LIMIT_MIB": "lots"}, "", 0, "no memory limit known"},
		{"zero cgroup limit", nil, "0", 0, "no memory limit known"},
		{"negative", map[string]string{"MEMORY_LIMIT_MIB": "-5"}, "-1", 0, "no memory limit known"},
		{"infinite", map[string]string{"MEMORY_LIMIT_MIB": "+Inf"}, "", 0, "no memory limit known"},
	}
	for _, tc := range cases {
		got, why := Choose(func(k string) string { return tc.env[k] }, func() string { return tc.cgroup })
		if got != tc.want || why != tc.wantReason {
			t.Errorf("%s: %d (%s), want %d (%s)", tc.name, got, why, tc.want, tc.wantReason)
		}
	}
}

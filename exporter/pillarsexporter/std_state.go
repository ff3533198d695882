package pillarsexporter

import (
	"hash/fnv"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/standards"
)

// Bounds on what a sender's attributes can make one service hold.
const (
	maxInstances = 64  // service.instance.id / k8s.pod.name values
	maxZones     = 16  // cloud.availability_zone values
	maxSeries    = 256 // resource metric series whose last point is kept
)

// stdState is what the standards checks need beyond the pillars' evidence.
type stdState struct {
	instances, zones  map[string]time.Time // last seen; pruned to the window when read
	environment, team string
	restarts          []time.Time
	usage             standards.UsageDays
	resourceSeen      time.Time
	series            map[uint64]seriesPoint // by seriesKey: a hash, so a sender's long values cost no memory
}

// seriesPoint is a resource metric series' last point, to turn cumulative counters into
// deltas and gauges into integrals over time.
type seriesPoint struct {
	at    time.Time
	value float64
	start pcommon.Timestamp
}

// observeResource notes the instance, zone, environment and team a resource carries.
func (p *pillars) observeResource(s *serviceState, res pcommon.Map, now time.Time) {
	st := &s.std
	instance := str(res, "service.instance.id")
	if instance == "" {
		instance = str(res, "k8s.pod.name")
	}
	st.instances = seen(st.instances, p.labels.Bound(instance), now, maxInstances)
	st.zones = seen(st.zones, p.labels.Bound(str(res, "cloud.availability_zone")), now, maxZones)
	env := str(res, "deployment.environment.name")
	if env == "" {
		env = str(res, "deployment.environment")
	}
	if env != "" {
		st.environment = p.labels.Bound(env)
	}
	if team := str(res, p.cfg.Standards.TeamAttribute); team != "" {
		st.team = p.labels.Bound(team)
	}
}

// seen records v at now in a bounded set; a full set keeps its members.
func seen(m map[string]time.Time, v string, now time.Time, bound int) map[string]time.Time {
	if v == "" {
		return m
	}
	if m == nil {
		m = map[string]time.Time{}
	}
	if _, ok := m[v]; ok || len(m) < bound {
		m[v] = now
	}
	return m
}

// countSince counts the set's members seen at or after from.
func countSince(m map[string]time.Time, from time.Time) int {
	n := 0
	for _, at := range m {
		if !at.Before(from) {
			n++
		}
	}
	return n
}

// sameClockGap is how far apart an SDK's two stamps of one record can be: it takes both from
// one clock within the same call. A collector-side observation comes later than that.
const sameClockGap = pcommon.Timestamp(time.Millisecond)

// collectLogRecord counts a record for log coverage, correlation and clock skew.
func collectLogRecord(c *counters, lr plog.LogRecord) {
	c.logs++
	if !lr.TraceID().IsEmpty() {
		c.logsTraced++
	}
	ts, obs := lr.Timestamp(), lr.ObservedTimestamp()
	switch {
	case ts == 0 || obs == 0:
	case obs >= ts && obs-ts < sameClockGap:
		c.sameClock++ // one clock stamped both (SDKs do, equal or a moment apart): no evidence of skew
	default:
		c.clockRecords++
		if ahead := float64(int64(ts)-int64(obs)) / 1e9; ahead > c.clockAhead {
			c.clockAhead = ahead
		}
	}
}

// Resource metrics the FinOps and capacity checks read, by what they measure.
var (
	cpuTimeMetrics   = map[string]bool{"process.cpu.time": true, "container.cpu.time": true, "k8s.pod.cpu.time": true}
	memoryMetrics    = map[string]bool{"process.memory.usage": true, "container.memory.usage": true, "k8s.pod.memory.usage": true}
	cpuRequestMetric = map[string]bool{"k8s.container.cpu_request": true, "k8s.container.cpu.request": true}
	memRequestMetric = map[string]bool{"k8s.container.memory_request": true, "k8s.container.memory.request": true}
	limitUtilMetrics = map[string]bool{"k8s.container.cpu_limit_utilization": true, "k8s.pod.cpu_limit_utilization": true,
		"k8s.container.memory_limit_utilization": true, "k8s.pod.memory_limit_utilization": true}
	restartMetrics = map[string]bool{"k8s.container.restarts": true, "k8s.container.restart.count": true}
)

func isStandardsMetric(name string) bool {
	return cpuTimeMetrics[name] || memoryMetrics[name] || cpuRequestMetric[name] || memRequestMetric[name] ||
		limitUtilMetrics[name] || restartMetrics[name]
}

const gib = 1 << 30

// maxGap is the longest a gauge is assumed to hold its value between two points.
const maxGap = 5 * time.Minute

// collectStandardsPoint books one resource metric point; v is finite and the caller holds
// the ingest lock.
func (p *pillars) collectStandardsPoint(s *serviceState, c *counters, res pcommon.Map, m pmetric.Metric, dp pmetric.NumberDataPoint, v float64, now time.Time) {
	name := m.Name()
	st := &s.std
	at := pointTime(dp.Timestamp(), now)
	if limitUtilMetrics[name] {
		if v >= 0 && v <= maxUtilization {
			c.limitUtil, c.limitSeen = max(c.limitUtil, v), true
		}
		return
	}
	if v < 0 {
		return
	}
	// A delta point adds as it is; only cumulative counters and gauges need their series'
	// previous point, so only they are held (and bounded).
	delta := m.Type() == pmetric.MetricTypeSum && m.Sum().AggregationTemporality() == pmetric.AggregationTemporalityDelta
	var prev seriesPoint
	had := false
	if !delta {
		key := seriesKey(name, res, dp.Attributes())
		if prev, had = st.series[key]; !had && len(st.series) >= maxSeries {
			p.refusedSeries++
			return
		}
		if st.series == nil {
			st.series = map[uint64]seriesPoint{}
		}
		st.series[key] = seriesPoint{at: at, value: v, start: dp.StartTimestamp()}
	}
	day := st.usage.At(at)
	switch {
	case cpuTimeMetrics[name]:
		if mode := str(dp.Attributes(), "cpu.mode"); mode == "" || mode == "user" || mode == "system" {
			day.CPUSeconds += increase(prev, had, v, dp.StartTimestamp(), delta, p.started)
			st.resourceSeen = now
		}
	case restartMetrics[name]:
		for range min(int(increase(prev, had, v, dp.StartTimestamp(), delta, p.started)), 10) {
			if len(st.restarts) >= maxEvents {
				st.restarts = st.restarts[1:]
			}
			st.restarts = append(st.restarts, at)
		}
	case memoryMetrics[name]:
		day.GiBHours += held(prev, had, at) / gib
		st.resourceSeen = now
	case cpuRequestMetric[name]:
		day.RequestedCPUHours += held(prev, had, at)
	case memRequestMetric[name]:
		day.RequestedGiBHours += held(prev, had, at) / gib
	}
}

// increase is what a counter point adds: its value when delta, else the rise since the
// series' previous point (a reset, seen as a new start time or a fall, starts again from 0).
// A series' first cumulative point adds its whole value when the counter started after this
// collector did (everything it counted happened since), and nothing otherwise: how much of it
// an earlier run already booked is unknown.
func increase(prev seriesPoint, had bool, v float64, start pcommon.Timestamp, delta bool, since time.Time) float64 {
	switch {
	case delta:
		return v
	case !had && start != 0 && !start.AsTime().Before(since):
		return v
	case !had:
		return 0
	case start != prev.start || v < prev.value:
		return v
	}
	return v - prev.value
}

// held integrates a gauge over the time since its previous point, in value-hours, holding the
// previous value for at most maxGap.
func held(prev seriesPoint, had bool, at time.Time) float64 {
	if !had || !at.After(prev.at) {
		return 0
	}
	return prev.value * min(at.Sub(prev.at), maxGap).Hours()
}

// pointTime is a point's time, or now when it has none or is more than a day ahead or older
// than the usage kept.
// The bounds are compared as Unix nanoseconds: the call is per span, and 34 days of 24 h
// differ from the calendar's by at most the hour a DST change moves.
func pointTime(ts pcommon.Timestamp, now time.Time) time.Time {
	n := now.UnixNano()
	if at := int64(ts); ts == 0 || at > n+int64(24*time.Hour) || at < n-int64(34*24*time.Hour) {
		return now
	}
	return ts.AsTime()
}

// instanceAttributes tell apart the processes, containers and pods one service runs on.
var instanceAttributes = []string{"service.instance.id", "k8s.pod.uid", "k8s.pod.name", "container.id", "k8s.container.name", "host.name", "process.pid"}

// seriesKey names a series: a hash of the metric, the instance that sent it and the point's
// attributes (in key order).
func seriesKey(name string, res, attrs pcommon.Map) uint64 {
	h := fnv.New64a()
	write := func(parts ...string) {
		for _, p := range parts {
			_, _ = h.Write([]byte(p))
			_, _ = h.Write([]byte{0})
		}
	}
	write(name)
	for _, k := range instanceAttributes {
		if v, ok := res.Get(k); ok {
			write(k, v.AsString())
		}
	}
	keys := make([]string, 0, attrs.Len())
	attrs.Range(func(k string, _ pcommon.Value) bool {
		keys = append(keys, k)
		return true
	})
	slices.Sort(keys)
	for _, k := range keys {
		v, _ := attrs.Get(k)
		write(k, v.AsString())
	}
	return h.Sum64()
}

// merge joins what src's standards state knows into dst's.
func (st *stdState) merge(src *stdState) {
	for v, at := range src.instances {
		st.instances = seen(st.instances, v, at, maxInstances)
	}
	for v, at := range src.zones {
		st.zones = seen(st.zones, v, at, maxZones)
	}
	if st.environment == "" {
		st.environment = src.environment
	}
	if st.team == "" {
		st.team = src.team
	}
	st.restarts = append(st.restarts, src.restarts...)
	slices.SortFunc(st.restarts, time.Time.Compare)
	st.restarts = st.restarts[max(0, len(st.restarts)-maxEvents):]
	for i, id := range src.usage.IDs {
		switch {
		case id == 0 || id < st.usage.IDs[i]:
			continue
		case id > st.usage.IDs[i]:
			st.usage.Days[i], st.usage.IDs[i] = src.usage.Days[i], id
			continue
		}
		d := &st.usage.Days[i]
		o := src.usage.Days[i]
		d.CPUSeconds, d.GiBHours, d.Requests = d.CPUSeconds+o.CPUSeconds, d.GiBHours+o.GiBHours, d.Requests+o.Requests
		d.RequestedCPUHours, d.RequestedGiBHours = d.RequestedCPUHours+o.RequestedCPUHours, d.RequestedGiBHours+o.RequestedGiBHours
	}
	if src.resourceSeen.After(st.resourceSeen) {
		st.resourceSeen = src.resourceSeen
	}
}

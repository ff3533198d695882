package pillarsexporter

import (
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// Checks are measured over the last `window` (default 1h): counts sit in windowBuckets buckets
// of window/windowBuckets each, and the window is the sum of the buckets still inside it. A
// service costs the same few hundred bytes whatever its traffic.
const (
	windowBuckets  = 6
	latencySamples = 512 // p95 over the most recent server spans in the window
)

type counters struct {
	spans, weight, sampled      float64 // raw spans, Σ adjusted count, spans carrying a threshold
	server, serverErrors, auth  float64 // adjusted-count weighted
	exceptions, bytes           float64
	serverTLS                   float64 // server spans over TLS (scored only with tls_termination: app)
	externalClient, externalTLS float64 // CLIENT spans to hosts outside the cluster, and over TLS
	client, clientPeer          float64 // CLIENT spans, and those whose peer is known
	logs, logsTraced            float64 // log records, and those carrying a trace ID
	clockRecords, sameClock     float64 // records stamped by two clocks, and by one
	requestPoints               float64 // http.server.request.duration points
	// Peaks, not sums: the most an event time ran ahead of its observation (seconds), and the
	// highest utilisation against a limit.
	clockAhead, limitUtil float64
	limitSeen             bool
}

func (c *counters) add(o counters) {
	c.spans += o.spans
	c.weight += o.weight
	c.sampled += o.sampled
	c.server += o.server
	c.serverErrors += o.serverErrors
	c.auth += o.auth
	c.exceptions += o.exceptions
	c.bytes += o.bytes
	c.serverTLS += o.serverTLS
	c.externalClient += o.externalClient
	c.externalTLS += o.externalTLS
	c.client += o.client
	c.clientPeer += o.clientPeer
	c.logs += o.logs
	c.logsTraced += o.logsTraced
	c.clockRecords += o.clockRecords
	c.sameClock += o.sameClock
	c.requestPoints += o.requestPoints
	c.clockAhead = max(c.clockAhead, o.clockAhead)
	c.limitUtil = max(c.limitUtil, o.limitUtil)
	c.limitSeen = c.limitSeen || o.limitSeen
}

type windowed struct {
	buckets [windowBuckets]counters
	ids     [windowBuckets]int64
}

// at returns the bucket now falls in, emptied first when it last held an older interval.
func (w *windowed) at(now time.Time, width time.Duration) *counters {
	id := now.UnixNano() / int64(width)
	i := int(id % windowBuckets)
	if w.ids[i] != id {
		w.buckets[i], w.ids[i] = counters{}, id
	}
	return &w.buckets[i]
}

// sum adds up the buckets inside the window ending now.
func (w *windowed) sum(now time.Time, width time.Duration) counters {
	id := now.UnixNano() / int64(width)
	var out counters
	for i := range w.buckets {
		if w.ids[i] > id-windowBuckets && w.ids[i] <= id {
			out.add(w.buckets[i])
		}
	}
	return out
}

type latencySample struct {
	ms float32
	at uint32 // unix seconds
}

type latencyRing struct {
	samples []latencySample
	next    int
}

func (r *latencyRing) add(ms float64, at time.Time) {
	s := latencySample{ms: float32(ms), at: uint32(at.Unix())}
	if len(r.samples) < latencySamples {
		r.samples = append(r.samples, s)
		return
	}
	r.samples[r.next] = s
	r.next = (r.next + 1) % latencySamples
}

// latenciesSince returns the samples taken at or after from, in milliseconds.
func latenciesSince(samples []latencySample, from time.Time) []float64 {
	out := make([]float64, 0, len(samples))
	for _, s := range samples {
		if int64(s.at) >= from.Unix() {
			out = append(out, float64(s.ms))
		}
	}
	return out
}

// evidence is the service's counts for scoring, taken under the ingest lock: a few dozen
// additions, so ingest waits little.
func (p *pillars) evidence(s *serviceState, now time.Time) score.Evidence {
	c := s.window.sum(now, p.bucketWidth())
	// Rates divide by the time the counts cover: a service seen for four minutes has four
	// minutes of spans, not an hour's.
	observed := min(p.cfg.Window, now.Sub(maxTime(s.firstSeen, p.started)))
	e := score.Evidence{
		WindowSeconds: max(observed, time.Second).Seconds(), Spans: c.spans, Weight: c.weight, SampledSpans: c.sampled,
		ServerSpans: c.server, ServerErrors: c.serverErrors, AuthFailures: c.auth, SpansWithExceptions: c.exceptions,
		Bytes:             c.bytes, // latencies are filtered outside the lock, from the snapshot's copy
		TLSTerminationApp: s.profile.TLSTermination == "app", ServerTLS: c.serverTLS, ServerSpansForTLS: c.server,
		ExternalClient: c.externalClient, ExternalTLS: c.externalTLS,
		CPUUtilization: s.cpuSum, CPUSamples: s.cpuCount, CPUSource: s.cpuSource,
		Budget: s.budgetEvidence(), PagesSeen: s.alertSeen,
	}
	e.ObservedDays = min(now.Sub(s.firstSeen), p.cfg.Dora.Period).Hours() / 24
	var pages []score.Incident
	for _, at := range s.pageAlerts {
		pages = append(pages, score.Incident{Start: at})
	}
	e.Pages, e.PagesPerWeek = pagesPerWeek(pages, now, p.cfg.Dora.Period, e.ObservedDays)
	return e
}

// pagesPerWeek counts the pages that started within the period, per week of observed history
// (at least a week, so a day with two pages is not read as fourteen a week).
func pagesPerWeek(pages []score.Incident, now time.Time, period time.Duration, observedDays float64) (int, float64) {
	n := 0
	for _, pg := range pages {
		if now.Sub(pg.Start) <= period {
			n++
		}
	}
	if observedDays <= 0 {
		return n, 0
	}
	return n, float64(n) / max(observedDays/7, 1)
}

func (p *pillars) bucketWidth() time.Duration { return p.cfg.Window / windowBuckets }

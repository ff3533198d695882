package pillarsexporter

import (
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// maxAliases bounds the memo of resolved identities (their values come from senders); it is
// cleared when full and when an entry is merged or re-keyed. A memo pointing at an evicted
// entry is resolved again; a new entry that makes a memoised partial identity ambiguous leaves
// it with the entry it joined first.
const maxAliases = 4096

// identity returns the service identity values, datapoint attributes first (the slo connector
// puts service.name there), then resource attributes; ok is false without a service.name.
func (p *pillars) identity(attrs ...pcommon.Map) ([]string, string, bool) {
	vals := make([]string, len(p.cfg.ServiceIdentity))
	hasService := false
	for i, key := range p.cfg.ServiceIdentity {
		for _, m := range attrs {
			if v, ok := m.Get(key); ok && v.AsString() != "" {
				// Label values must be UTF-8 (the Prometheus client panics on anything else, on
				// the evaluation goroutine) and short: each is repeated in every series and page.
				vals[i] = p.labels.Bound(v.AsString())
				hasService = hasService || key == "service.name"
				break
			}
		}
	}
	return vals, strings.Join(vals, "\x00"), hasService
}

// lookup returns the one service entry an identity belongs to, creating it when there is room.
//
// Records carry different subsets of the identity: spans the whole resource
// (service.name and deployment.environment.name), the slo connector's series and incident
// records only service.name. A partial identity belongs to the single known entry that agrees
// with every value it has; a fuller identity that arrives after a partial one takes the
// partial entry over. So one service is one entry, in whatever order its signals arrive and
// across restarts. Two fuller entries that both agree (checkout in prod and in staging) leave
// the partial one apart: it cannot be told which it is.
func (p *pillars) lookup(vals []string, key string, now time.Time) (*serviceState, bool) {
	if alias, ok := p.aliases[key]; ok {
		if s, ok := p.services[alias]; ok {
			s.lastSeen = now
			return s, true
		}
	}
	if len(p.services) >= p.cfg.MaxServices {
		// At the bound a flood of new identities must cost a map lookup, not a scan of every
		// service each: resolve exactly (service() refuses or evicts as before).
		return p.service(p.labelsOf(key, vals), key, now)
	}
	resolved := key
	if fuller := p.fullerThan(vals, key); fuller != "" {
		resolved = fuller
		if partial, ok := p.services[key]; ok { // both exist, e.g. restored from storage
			p.merge(p.services[fuller], partial)
			p.forget(key)
		}
	} else if _, ok := p.services[key]; !ok {
		if partials := p.partialsOf(vals, key); len(partials) > 0 {
			s := p.services[partials[0]]
			p.forget(partials[0])
			s.labels = vals
			s.profile = p.profileFor(vals)
			s.targets = p.targetsFor(s.profile)
			p.services[key] = s
			for _, other := range partials[1:] {
				p.merge(s, p.services[other])
				p.forget(other)
			}
		}
	}
	s, ok := p.service(p.labelsOf(resolved, vals), resolved, now)
	if ok {
		if len(p.aliases) >= maxAliases {
			clear(p.aliases)
		}
		p.aliases[key] = resolved
	}
	return s, ok
}

func (p *pillars) labelsOf(key string, vals []string) []string {
	if s, ok := p.services[key]; ok {
		return s.labels
	}
	return vals
}

// fullerThan is the one known entry with more identity values than vals that agrees with all of
// vals; "" when there is none or more than one.
func (p *pillars) fullerThan(vals []string, key string) string {
	found := ""
	for k, s := range p.services {
		if k == key || !covers(s.labels, vals) || count(s.labels) <= count(vals) {
			continue
		}
		if found != "" {
			return ""
		}
		found = k
	}
	return found
}

// partialsOf are the known entries with fewer values than vals that agree with it and with no
// other fuller entry, which vals may therefore take over.
func (p *pillars) partialsOf(vals []string, key string) []string {
	var out []string
	for k, s := range p.services {
		if k != key && covers(vals, s.labels) && count(s.labels) < count(vals) && p.fullerThan(s.labels, k) == "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// covers reports whether full agrees with every value partial has.
func covers(full, partial []string) bool {
	if len(full) != len(partial) {
		return false
	}
	for i, v := range partial {
		if v != "" && v != full[i] {
			return false
		}
	}
	return true
}

func count(vals []string) int {
	n := 0
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	return n
}

// forget drops an entry that was merged or re-keyed, with its hysteresis; the alias memo is
// rebuilt from the new set of services.
func (p *pillars) forget(key string) {
	delete(p.services, key)
	clear(p.aliases)
	p.hystMu.Lock()
	for hk := range p.hysteresis {
		if hysteresisService(hk) == key {
			delete(p.hysteresis, hk)
		}
	}
	p.hystMu.Unlock()
}

// merge adds what src knows to dst: histories are joined, the newer SLO state wins.
func (p *pillars) merge(dst, src *serviceState) {
	for sig := range src.signals {
		dst.signals[sig] = true
	}
	for i := range src.window.buckets {
		switch {
		case src.window.ids[i] == dst.window.ids[i]:
			dst.window.buckets[i].add(src.window.buckets[i])
		case src.window.ids[i] > dst.window.ids[i]:
			dst.window.buckets[i], dst.window.ids[i] = src.window.buckets[i], src.window.ids[i]
		}
	}
	for _, l := range src.latencies.samples {
		dst.latencies.add(float64(l.ms), time.Unix(int64(l.at), 0))
	}
	for check, ids := range src.exemplars {
		for _, id := range ids {
			if len(dst.exemplars[check]) < maxExemplars && !slices.Contains(dst.exemplars[check], id) {
				dst.exemplars[check] = append(dst.exemplars[check], id)
			}
		}
	}
	dst.cpuSum, dst.cpuCount = dst.cpuSum+src.cpuSum, dst.cpuCount+src.cpuCount
	if dst.cpuSource == "" {
		dst.cpuSource = src.cpuSource
	}
	if dst.version == "" {
		dst.version = src.version
	}
	for _, d := range src.deployments {
		dst.addDeployment(d)
	}
	slices.SortStableFunc(dst.deployments, func(a, b score.Deployment) int { return a.At.Compare(b.At) })
	for _, inc := range src.incidents {
		dst.addIncident(inc)
	}
	dst.pageAlerts = append(dst.pageAlerts, src.pageAlerts...)
	slices.SortFunc(dst.pageAlerts, time.Time.Compare)
	dst.pageAlerts = dst.pageAlerts[max(0, len(dst.pageAlerts)-maxEvents):]
	dst.exhausted = append(dst.exhausted, src.exhausted...)
	for k, at := range src.openAlerts {
		if _, ok := dst.openAlerts[k]; !ok && len(dst.openAlerts) < maxOpenAlerts {
			dst.openAlerts[k] = at
		}
	}
	for name, st := range src.slos {
		if cur, ok := dst.slos[name]; !ok || st.remainingAt.After(cur.remainingAt) {
			if ok || len(dst.slos) < maxSLOs {
				dst.slos[name] = st
			}
		}
	}
	dst.std.merge(&src.std)
	dst.alertSeen = dst.alertSeen || src.alertSeen
	if src.firstSeen.Before(dst.firstSeen) {
		dst.firstSeen = src.firstSeen
	}
	if src.lastSeen.After(dst.lastSeen) {
		dst.lastSeen = src.lastSeen
	}
}

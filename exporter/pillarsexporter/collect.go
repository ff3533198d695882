package pillarsexporter

import (
	"regexp"
	"strings"
	"time"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

const (
	maxExemplars  = 3
	maxEvents     = 1000 // deployments, incidents, page alerts and exhaustion periods per service
	maxOpenAlerts = 1000 // open page alerts and incidents per service (their ids come from senders)
	maxSLOs       = 64   // SLO series per service (their names come from senders)
)

var deployName = regexp.MustCompile(`(?i)(deploy|push-image)`)

// service returns the state of one identity, creating it when there is room; ok is false when
// max_services identities are held and none has been idle for service_ttl.
func (p *pillars) service(vals []string, key string, now time.Time) (s *serviceState, ok bool) {
	if s, ok = p.services[key]; !ok {
		// Scanning for idle services costs O(services) under the ingest lock: at most once a
		// minute on this path (evaluation scans too), so a flood of new identities at the bound
		// is refused at map-lookup cost.
		full := len(p.services) >= p.cfg.MaxServices
		if full && (now.Sub(p.lastEvictScan) < time.Minute || p.evictIdle(now) == 0) {
			p.refusedServices++
			return nil, false
		}
		s = &serviceState{labels: vals, profile: p.profileFor(vals), firstSeen: now, signals: map[string]bool{},
			exemplars: map[score.CheckID][]string{}, openAlerts: map[string]time.Time{}, slos: map[string]*sloState{}}
		s.targets = p.targetsFor(s.profile)
		p.services[key] = s
	}
	s.lastSeen = now
	return s, true
}

// evictIdle drops the services not seen for service_ttl, with their hysteresis, and says how many.
func (p *pillars) evictIdle(now time.Time) int {
	p.lastEvictScan = now
	evicted := map[string]bool{}
	for key, s := range p.services {
		if now.Sub(s.lastSeen) > p.cfg.ServiceTTL {
			delete(p.services, key)
			evicted[key] = true
		}
	}
	if len(evicted) > 0 {
		p.hystMu.Lock()
		for hk := range p.hysteresis {
			if evicted[hysteresisService(hk)] {
				delete(p.hysteresis, hk)
			}
		}
		p.hystMu.Unlock()
	}
	p.evictedServices += uint64(len(evicted))
	return len(evicted)
}

// hysteresisKey names one pillar of one service; the framework and pillar never contain "|",
// so the service key (which a sender may have put "|" into) is everything before the last two.
func hysteresisKey(service, framework, pillar string) string {
	return service + "|" + framework + "|" + pillar
}

func hysteresisService(hk string) string {
	i := strings.LastIndexByte(hk, '|')
	if i < 0 {
		return ""
	}
	j := strings.LastIndexByte(hk[:i], '|')
	if j < 0 {
		return ""
	}
	return hk[:j]
}

// Package deploy tells deployments and rollbacks apart from the service.version a service's
// telemetry carries. The slo connector (incident triggers) and pillars (DORA) both read
// versions through it, so they count the same releases.
package deploy

import (
	"slices"
	"time"
)

const (
	// MaxServices bounds the services whose versions are remembered (service names come from
	// senders); a service past it is not tracked.
	MaxServices = 1000
	// MaxVersions bounds the versions remembered per service; the least recently seen goes.
	MaxVersions = 16
	// Absence is how long a version must have gone unseen, while another ran, for its return
	// to be a rollback. Shorter gaps are a canary or a rolling update interleaving two
	// versions, which stay one deployment of the new one. It is twice an SDK's default batch
	// delay (5 s), so a version still running keeps being seen within it.
	Absence = 10 * time.Second
)

// Kind of a version event.
type Kind int

const (
	// Change is a version never seen before (not the baseline): a deployment.
	Change Kind = iota + 1
	// Rollback is a return to a version seen before, after it was gone for Absence while
	// another version ran: DORA's deployment rework, never a new change.
	Rollback
)

// Event is one deployment or rollback.
type Event struct {
	Service, Version string
	At               time.Time
	Kind             Kind
}

type version struct {
	name                string
	firstSeen, lastSeen time.Time
}

type service struct {
	versions []version // by first sighting
	current  string    // the version of the latest change or rollback (the baseline at first)
}

// Versions remembers each service's versions. It is not safe for concurrent use.
type Versions struct {
	services map[string]*service
}

// New returns an empty tracker.
func New() *Versions { return &Versions{services: map[string]*service{}} }

// Baseline makes version the running version of a service the tracker does not know yet,
// as a restored history says it was; a known service is left as it is.
func (v *Versions) Baseline(serviceName, versionName string, at time.Time) {
	if _, known := v.services[serviceName]; !known && versionName != "" {
		v.Observe(serviceName, versionName, at)
	}
}

// Observe records that service ran version at at, and returns the deployment or rollback
// that sighting reveals, if any. A service's first version is its baseline, not a deployment.
func (v *Versions) Observe(serviceName, versionName string, at time.Time) (Event, bool) {
	if serviceName == "" || versionName == "" {
		return Event{}, false
	}
	s := v.services[serviceName]
	if s == nil {
		if len(v.services) >= MaxServices {
			return Event{}, false
		}
		v.services[serviceName] = &service{versions: []version{{versionName, at, at}}, current: versionName}
		return Event{}, false
	}
	i := slices.IndexFunc(s.versions, func(x version) bool { return x.name == versionName })
	if i < 0 {
		if len(s.versions) >= MaxVersions {
			s.versions = slices.Delete(s.versions, s.leastRecent(), s.leastRecent()+1)
		}
		s.versions = append(s.versions, version{versionName, at, at})
		s.current = versionName
		return Event{serviceName, versionName, at, Change}, true
	}
	seen := &s.versions[i]
	gone := at.Sub(seen.lastSeen)
	if at.After(seen.lastSeen) {
		seen.lastSeen = at
	}
	if versionName != s.current && gone >= Absence && s.ranSince(versionName, at.Add(-gone)) {
		s.current = versionName
		return Event{serviceName, versionName, at, Rollback}, true
	}
	return Event{}, false
}

// ranSince reports whether a version other than name was seen after from.
func (s *service) ranSince(name string, from time.Time) bool {
	for _, x := range s.versions {
		if x.name != name && x.lastSeen.After(from) {
			return true
		}
	}
	return false
}

func (s *service) leastRecent() int {
	oldest := 0
	for i, x := range s.versions {
		if x.lastSeen.Before(s.versions[oldest].lastSeen) {
			oldest = i
		}
	}
	return oldest
}

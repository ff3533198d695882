package sloconnector

import (
	"sync"
	"time"

	"github.com/otelcol-sre/otelcol-sre/internal/deploy"
	"github.com/otelcol-sre/otelcol-sre/internal/srestate"
)

// versionTracker remembers each service's versions (internal/deploy, shared with pillars): a
// new version is a deployment as Four Keys counts it, a return to an earlier one after it was
// gone is a rollback, and a canary interleaving two versions is one deployment.
type versionTracker struct {
	mu       sync.Mutex
	versions *deploy.Versions
	events   map[string][]srestate.Deployment // per service, the latest deploy.MaxVersions
}

func newVersionTracker() *versionTracker {
	return &versionTracker{versions: deploy.New(), events: map[string][]srestate.Deployment{}}
}

func (v *versionTracker) observe(service, version string, at time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.versions.Observe(service, version, at)
	if !ok {
		return
	}
	deps := v.events[service]
	if len(deps) >= deploy.MaxVersions {
		deps = deps[1:]
	}
	v.events[service] = append(deps, srestate.Deployment{Service: service, Version: version, At: at, Source: "version_change", Rollback: e.Kind == deploy.Rollback})
}

func (v *versionTracker) changes(service string, from, to time.Time) []srestate.Deployment {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []srestate.Deployment
	for _, d := range v.events[service] {
		if !d.At.Before(from) && !d.At.After(to) {
			out = append(out, d)
		}
	}
	return out
}

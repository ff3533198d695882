package score

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// DeploySource is where a deployment was seen, in priority order for de-duplication.
type DeploySource int

// Deployment sources, highest priority first.
const (
	SourceCICD DeploySource = iota
	SourceLogEvent
	SourceVersionChange
)

func (s DeploySource) String() string {
	return [...]string{"cicd", "log_event", "version_change"}[s]
}

// Deployment is one deployment of a service, as one or more sources reported it.
type Deployment struct {
	Service     string
	Version     string // service.version, when the source knows it
	Revision    string // commit SHA, when the source knows it
	At          time.Time
	CommitTimes []time.Time // change timestamps of the deployment, when given
	Source      DeploySource
	Rollback    bool
	ChangeID    string // vcs.change.id (pull request, change ticket), when the source knows it
	// Manual is whether CI/CD says a person triggered it; nil when it does not say.
	Manual *bool
}

// Incident is a period of user-visible failure: a page alert, an SLO fast burn or a reported
// incident. Resolved is zero while it is open.
type Incident struct {
	Service  string
	Start    time.Time
	Resolved time.Time
	// Recovered is when the service came back inside its objective, when known: a page stays
	// up until its long window cools, so recovery time is measured to it rather than to
	// Resolved.
	Recovered time.Time
}

// end is when the incident's impact ended; zero while it lasts.
func (i Incident) end() time.Time {
	if !i.Recovered.IsZero() {
		return i.Recovered
	}
	return i.Resolved
}

// DedupeDeployments makes one deployment per (service, version), as Four Keys counts them:
// a CI/CD span, a deployment log event and the service.version change that report the same
// release merge into the earliest sighting, and a canary that interleaves two versions is one
// deployment of the new one. Reports without a version merge with a report of the same
// revision, or, failing that, with the nearest versioned report within window. Rollbacks stay
// apart.
func DedupeDeployments(in []Deployment, window time.Duration) []Deployment {
	sorted := append([]Deployment(nil), in...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.Before(sorted[j].At) })
	var out []Deployment
	find := func(d Deployment) int {
		for i := len(out) - 1; i >= 0; i-- {
			o := out[i]
			if o.Service != d.Service || o.Rollback != d.Rollback {
				continue
			}
			switch {
			case d.Version != "" && o.Version == d.Version,
				d.Revision != "" && o.Revision == d.Revision:
				return i
			case (d.Version == "" || o.Version == "") && d.At.Sub(o.At) <= window && // sorted: never negative
				(d.Revision == "" || o.Revision == ""):
				return i
			}
		}
		return -1
	}
	for _, d := range sorted {
		if d.Rollback {
			out = append(out, d)
			continue
		}
		i := find(d)
		if i < 0 {
			out = append(out, d)
			continue
		}
		o := &out[i]
		o.CommitTimes = append(o.CommitTimes, d.CommitTimes...)
		if o.Version == "" {
			o.Version = d.Version
		}
		if o.Revision == "" {
			o.Revision = d.Revision
		}
		if o.ChangeID == "" {
			o.ChangeID = d.ChangeID
		}
		if o.Manual == nil {
			o.Manual = d.Manual
		}
		o.Source = min(o.Source, d.Source)
	}
	return out
}

// Dora is the four keys over the observed history, with the inputs they came from.
type Dora struct {
	Deployments       int
	PeriodDays        float64 // observed history: from the first event, at most the period (rates use at least a day)
	DeploymentsPerDay float64
	LeadTime          time.Duration // median commit → deploy over every change timestamp
	HasLeadTime       bool
	RejectedCommits   int // change timestamps in the future of their deployment or over a year before it
	FailedDeployments int
	ChangeFailureRate float64
	// ReworkDeployments are unplanned deployments caused by a production incident (DORA 2024's
	// rework): rollbacks, and deployments made while an incident of the service is open
	// (hotfixes). ReworkRate is their share of all deployments, rollbacks included.
	ReworkDeployments int
	ReworkRate        float64
	RecoveryTime      time.Duration // median page start → resolve over failed deployments
	HasRecoveryTime   bool
	ResolvedIncidents int
	AttributionWindow time.Duration
	Level             string // elite, high, medium, low; "" below the minimum deployments
	LevelByKey        map[string]string
}

// maxLeadTime rejects commit times that cannot be a change of this deployment (a clock at
// year 1 would otherwise make a lead time of two millennia, or an overflow that reads elite).
const maxLeadTime = 365 * day

// ComputeDora derives the four keys over [from, to], from being the start of the observed
// history. A deployment failed when an incident of its service started after it, before the
// service's next deployment and within window; its time to restore is that incident's. A level
// is given only from minDeploys deployments on.
func ComputeDora(deploys []Deployment, incidents []Incident, from, to time.Time, window time.Duration, table LevelTable, minDeploys int) Dora {
	d := Dora{AttributionWindow: window, PeriodDays: math.Max(to.Sub(from).Hours()/24, 1.0/24), LevelByKey: map[string]string{}}
	var inPeriod []Deployment
	for _, dep := range deploys {
		switch {
		case dep.At.Before(from) || dep.At.After(to):
		case dep.Rollback:
			d.ReworkDeployments++
		default:
			inPeriod = append(inPeriod, dep)
		}
	}
	rollbacks := d.ReworkDeployments
	for _, dep := range inPeriod {
		if duringIncident(dep, incidents) {
			d.ReworkDeployments++ // a hotfix: still a change, and rework too
		}
	}
	if all := len(inPeriod) + rollbacks; all > 0 {
		d.ReworkRate = float64(d.ReworkDeployments) / float64(all)
	}
	sort.SliceStable(inPeriod, func(i, j int) bool { return inPeriod[i].At.Before(inPeriod[j].At) })
	d.Deployments = len(inPeriod)
	// A rate over less than a day of history would extrapolate one deployment to dozens a day.
	d.DeploymentsPerDay = float64(d.Deployments) / math.Max(d.PeriodDays, 1)
	var leads, recoveries []time.Duration
	for i, dep := range inPeriod {
		for _, c := range dep.CommitTimes {
			if lt := dep.At.Sub(c); lt > 0 && lt <= maxLeadTime {
				leads = append(leads, lt)
			} else {
				d.RejectedCommits++
			}
		}
		end := dep.At.Add(window)
		for _, next := range inPeriod[i+1:] {
			if next.Service == dep.Service && next.At.Before(end) {
				end = next.At
				break
			}
		}
		if failed, restore, restored := failedWithin(dep, end, deploys, incidents); failed {
			d.FailedDeployments++
			if restored {
				recoveries = append(recoveries, restore)
			}
		}
	}
	if len(leads) > 0 {
		d.LeadTime, d.HasLeadTime = median(leads), true
	}
	if d.Deployments > 0 {
		d.ChangeFailureRate = float64(d.FailedDeployments) / float64(d.Deployments)
	}
	d.ResolvedIncidents = len(recoveries)
	if len(recoveries) > 0 {
		d.RecoveryTime, d.HasRecoveryTime = median(recoveries), true
	}
	if d.Deployments > 0 && d.Deployments >= minDeploys {
		d.Level, d.LevelByKey = table.Classify(d)
	}
	return d
}

// failedWithin reports whether dep failed before end: a rollback of it, or an incident that
// started in [dep, end). restore is the first such incident's duration when it was resolved.
func failedWithin(dep Deployment, end time.Time, deploys []Deployment, incidents []Incident) (failed bool, restore time.Duration, restored bool) {
	var first *Incident
	for i := range incidents {
		inc := &incidents[i]
		if inc.Service == dep.Service && !inc.Start.Before(dep.At) && inc.Start.Before(end) && (first == nil || inc.Start.Before(first.Start)) {
			first = inc
		}
	}
	if first != nil {
		if end := first.end(); !end.IsZero() && end.After(first.Start) {
			return true, end.Sub(first.Start), true
		}
		return true, 0, false
	}
	for _, r := range deploys {
		if r.Rollback && r.Service == dep.Service && r.At.After(dep.At) && r.At.Before(end) {
			return true, 0, false
		}
	}
	return false, 0, false
}

// duringIncident reports whether an incident of dep's service was open when it was deployed.
func duringIncident(dep Deployment, incidents []Incident) bool {
	for _, inc := range incidents {
		if inc.Service == dep.Service && inc.Start.Before(dep.At) && (inc.Resolved.IsZero() || dep.At.Before(inc.Resolved)) {
			return true
		}
	}
	return false
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Levels in order, best first.
var Levels = []string{"elite", "high", "medium", "low"}

// LevelTable classifies each key into a level by upper bounds (lower bounds for frequency).
type LevelTable struct {
	Name string
	// Per level, best first: minimum deployments per day, maximum lead time, maximum change
	// failure rate and maximum recovery time to reach it; the last level takes the rest.
	MinDeploysPerDay []float64
	MaxLeadTime      []time.Duration
	MaxFailureRate   []float64
	MaxRecovery      []time.Duration
}

const day = 24 * time.Hour

// LevelTables are the supported benchmark sets. dora2024 follows the 2024 report's clusters
// made monotonic at their boundaries (its change-failure centroids are not: high 20 %,
// medium 10 %); devlake2023 follows Apache DevLake's 2023 buckets.
var LevelTables = map[string]LevelTable{
	"dora2024": {
		Name:             "dora2024",
		MinDeploysPerDay: []float64{1, 1.0 / 7, 1.0 / 30},
		MaxLeadTime:      []time.Duration{day, 7 * day, 30 * day},
		MaxFailureRate:   []float64{0.05, 0.10, 0.20},
		MaxRecovery:      []time.Duration{time.Hour, day, 7 * day},
	},
	"devlake2023": {
		Name:             "devlake2023",
		MinDeploysPerDay: []float64{5.0 / 7, 1.0 / 7, 1.0 / 30},
		MaxLeadTime:      []time.Duration{day, 7 * day, 30 * day},
		MaxFailureRate:   []float64{0.05, 0.10, 0.15},
		MaxRecovery:      []time.Duration{time.Hour, day, 7 * day},
	},
}

// LookupLevelTable names an unknown table.
func LookupLevelTable(name string) (LevelTable, error) {
	t, ok := LevelTables[name]
	if !ok {
		return LevelTable{}, fmt.Errorf("dora.levels: %q must be dora2024 or devlake2023", name)
	}
	return t, nil
}

// Classify returns the overall level (the worst of the keys that have data) and each key's level.
func (t LevelTable) Classify(d Dora) (string, map[string]string) {
	byKey := map[string]string{}
	if d.PeriodDays >= 1 { // a rate over less than a day of history says nothing per day
		byKey["deployment_frequency"] = Levels[bucketMin(d.DeploymentsPerDay, t.MinDeploysPerDay)]
	}
	byKey["change_failure_rate"] = Levels[bucketMax(d.ChangeFailureRate, t.MaxFailureRate)]
	if d.HasLeadTime {
		byKey["lead_time"] = Levels[bucketMax(d.LeadTime.Seconds(), seconds(t.MaxLeadTime))]
	}
	if d.HasRecoveryTime {
		byKey["recovery_time"] = Levels[bucketMax(d.RecoveryTime.Seconds(), seconds(t.MaxRecovery))]
	}
	worst := 0
	for _, l := range byKey {
		worst = max(worst, LevelRank(l))
	}
	return Levels[worst], byKey
}

// LevelRank is 0 for elite … 3 for low.
func LevelRank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return len(Levels) - 1
}

// LevelValue is the numeric level the metrics carry: elite 4, high 3, medium 2, low 1.
func LevelValue(level string) int { return len(Levels) - LevelRank(level) }

func bucketMin(v float64, mins []float64) int {
	for i, m := range mins {
		if v >= m {
			return i
		}
	}
	return len(mins)
}

func bucketMax(v float64, maxes []float64) int {
	for i, m := range maxes {
		if v <= m {
			return i
		}
	}
	return len(maxes)
}

func seconds(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Seconds()
	}
	return out
}

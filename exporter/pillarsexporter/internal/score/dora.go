package score

import (
	"fmt"
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

// Deployment is one deployment of a service.
type Deployment struct {
	Service    string
	Revision   string // commit or version; used to de-duplicate sources
	At         time.Time
	CommitTime time.Time // zero when unknown
	Source     DeploySource
	Rollback   bool
}

// Incident is a period of user-visible failure: a page alert, an SLO fast burn or a reported
// incident. Resolved is zero while it is open.
type Incident struct {
	Service  string
	Start    time.Time
	Resolved time.Time
}

// DedupeDeployments merges the same deployment reported by several sources: the same service
// and revision within window collapse into the highest-priority report.
func DedupeDeployments(in []Deployment, window time.Duration) []Deployment {
	sorted := append([]Deployment(nil), in...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].At.Before(sorted[j].At) })
	var out []Deployment
	for _, d := range sorted {
		merged := false
		for i := len(out) - 1; i >= 0 && d.At.Sub(out[i].At) <= window; i-- {
			if out[i].Service == d.Service && out[i].Revision == d.Revision {
				if d.Source < out[i].Source {
					at := out[i].At
					out[i] = d
					out[i].At = at // keep the earliest sighting
				}
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, d)
		}
	}
	return out
}

// Dora is the four keys over a period, with the inputs they came from.
type Dora struct {
	Deployments       int
	PeriodDays        float64
	DeploymentsPerDay float64
	LeadTime          time.Duration // median commit → deploy; 0 with HasLeadTime false
	HasLeadTime       bool
	FailedDeployments int
	ChangeFailureRate float64
	RecoveryTime      time.Duration // median incident start → resolution
	HasRecoveryTime   bool
	ResolvedIncidents int
	AttributionWindow time.Duration
	Level             string // elite, high, medium, low, or "" without deployments
	LevelByKey        map[string]string
}

// ComputeDora derives the four keys over [from, to]. A deployment failed when, within window
// after it (and before the service's next deployment), a rollback of that service or an
// incident of that service started. Lead times ≤ 0 are dropped, as Four Keys does.
func ComputeDora(deploys []Deployment, incidents []Incident, from, to time.Time, window time.Duration, table LevelTable) Dora {
	d := Dora{AttributionWindow: window, PeriodDays: to.Sub(from).Hours() / 24, LevelByKey: map[string]string{}}
	var inPeriod []Deployment
	for _, dep := range deploys {
		if !dep.At.Before(from) && !dep.At.After(to) && !dep.Rollback {
			inPeriod = append(inPeriod, dep)
		}
	}
	sort.SliceStable(inPeriod, func(i, j int) bool { return inPeriod[i].At.Before(inPeriod[j].At) })
	d.Deployments = len(inPeriod)
	if d.PeriodDays > 0 {
		d.DeploymentsPerDay = float64(d.Deployments) / d.PeriodDays
	}
	var leads []time.Duration
	for i, dep := range inPeriod {
		if !dep.CommitTime.IsZero() {
			if lt := dep.At.Sub(dep.CommitTime); lt > 0 {
				leads = append(leads, lt)
			}
		}
		end := dep.At.Add(window)
		for _, next := range inPeriod[i+1:] {
			if next.Service == dep.Service && next.At.Before(end) {
				end = next.At
				break
			}
		}
		if failedWithin(dep, end, deploys, incidents) {
			d.FailedDeployments++
		}
	}
	if len(leads) > 0 {
		d.LeadTime, d.HasLeadTime = median(leads), true
	}
	if d.Deployments > 0 {
		d.ChangeFailureRate = float64(d.FailedDeployments) / float64(d.Deployments)
	}
	var recoveries []time.Duration
	for _, inc := range incidents {
		if !inc.Resolved.IsZero() && !inc.Start.Before(from) && !inc.Start.After(to) && inc.Resolved.After(inc.Start) {
			recoveries = append(recoveries, inc.Resolved.Sub(inc.Start))
		}
	}
	d.ResolvedIncidents = len(recoveries)
	if len(recoveries) > 0 {
		d.RecoveryTime, d.HasRecoveryTime = median(recoveries), true
	}
	if d.Deployments > 0 {
		d.Level, d.LevelByKey = table.Classify(d)
	}
	return d
}

func failedWithin(dep Deployment, end time.Time, deploys []Deployment, incidents []Incident) bool {
	for _, r := range deploys {
		if r.Rollback && r.Service == dep.Service && r.At.After(dep.At) && r.At.Before(end) {
			return true
		}
	}
	for _, inc := range incidents {
		if inc.Service == dep.Service && !inc.Start.Before(dep.At) && inc.Start.Before(end) {
			return true
		}
	}
	return false
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
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
	byKey["deployment_frequency"] = Levels[bucketMin(d.DeploymentsPerDay, t.MinDeploysPerDay)]
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

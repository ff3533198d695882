package standards

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Evidence is what one service's standards checks are measured from, copied out of the
// exporter's state and measured without its lock.
type Evidence struct {
	Service      string
	Window       time.Duration
	HasTraces    bool // spans in the window
	ServerSpans  float64
	RequestPoint bool // http.server.request.duration points in the window
	LogRecords   float64
	LogsTraced   float64 // log records carrying a trace ID
	// Clock evidence: log records whose event and observed times differ (different clocks).
	ClockRecords   float64
	ClockAheadMax  time.Duration // the most an event time was ahead of its observation
	SameClockLogs  float64       // records with equal times (an SDK stamps both): no evidence
	LimitUtilMax   float64       // peak *_limit_utilization in the window
	LimitUtilSeen  bool
	Restarts       []time.Time // container restarts in the window
	Deployments    []Deployment
	Instances      int
	Zones          int
	InstanceSeen   bool
	Environment    string
	Version        string
	ClientSpans    float64
	ClientWithPeer float64
	ExternalCalls  float64
	Incidents      []Incident
	Cost           CostEvidence
	Shifts         ShiftLoad // the service's on-call rotation
	ReworkRate     float64
	ReworkKnown    bool
	ReworkInputs   string
}

// Deployment is one de-duplicated deployment of the service in the period.
type Deployment struct {
	At                 time.Time
	Revision, ChangeID string
	FromCICD           bool
	// Manual is true or false when CI/CD says how it was triggered; nil when it does not.
	Manual *bool
}

// Incident is one page episode of the service.
type Incident struct {
	ID               string
	BurnStart, Start time.Time // the burn's first interval; when the incident opened
	Resolved         time.Time
	Exemplars        int
}

// Targets are the thresholds the configuration sets.
type Targets struct {
	DetectionTarget  time.Duration // median burn start → incident open
	RecoveryConfirm  time.Duration // a resolution holds when no page follows within it
	ProductionValues []string      // deployment.environment.name values that are production
	RequireChangeID  bool          // change traceability needs vcs.change.id besides a revision
}

// Measure runs every check of this package for one service at now.
func Measure(e *Evidence, t Targets, now time.Time) []Finding {
	return []Finding{
		logCoverage(e), logCorrelation(e), runtimeMonitoring(e), clockSkew(e), capacity(e), redundancy(e, t),
		inventory(e), dataFlows(e), externalMonitoring(e), traceability(e, t), detection(e, t), recovery(e, t, now),
		incidentEvidence(e), toilRestarts(e), manualDeploys(e), reworkRate(e), pagerLoad(e),
	}
}

func finding(check, service string, status Status, evidence string, args ...any) Finding {
	return Finding{Check: check, Service: service, Status: status, Evidence: fmt.Sprintf(evidence, args...)}
}

func valued(f Finding, v float64) Finding {
	f.Value = &v
	return f
}

func logCoverage(e *Evidence) Finding {
	switch {
	case !e.HasTraces && e.LogRecords == 0:
		return finding(CheckLogCoverage, e.Service, InsufficientData, "no spans and no log records from the service in the last %s", e.Window)
	case e.LogRecords == 0:
		return finding(CheckLogCoverage, e.Service, Fail, "spans but no log records from the service in the last %s", e.Window)
	}
	return finding(CheckLogCoverage, e.Service, Pass, "%.0f log records in the last %s", e.LogRecords, e.Window)
}

func logCorrelation(e *Evidence) Finding {
	if e.LogRecords == 0 {
		return finding(CheckLogCorrelation, e.Service, NotApplicable, "no log records to correlate")
	}
	share := e.LogsTraced / e.LogRecords
	status := Fail
	if share >= 0.9 {
		status = Pass
	}
	return valued(finding(CheckLogCorrelation, e.Service, status, "%.0f of %.0f log records carry a trace ID (%.1f %%)", e.LogsTraced, e.LogRecords, 100*share), share)
}

func runtimeMonitoring(e *Evidence) Finding {
	switch {
	case e.ServerSpans > 0:
		return finding(CheckRuntimeMonitoring, e.Service, Pass, "%.0f SERVER spans (requests, status, duration) in the last %s", e.ServerSpans, e.Window)
	case e.RequestPoint:
		return finding(CheckRuntimeMonitoring, e.Service, Pass, "http.server.request.duration points in the last %s", e.Window)
	case e.HasTraces || e.LogRecords > 0:
		return finding(CheckRuntimeMonitoring, e.Service, Fail, "telemetry arrives, but no SERVER spans and no http.server.request.duration: requests, errors and latency are not measured")
	}
	return finding(CheckRuntimeMonitoring, e.Service, InsufficientData, "nothing from the service in the last %s", e.Window)
}

// maxClockAhead is how far ahead of its observation an event may be dated: collection takes
// time, so a record observed before it happened shows the clock that stamped it runs ahead.
const maxClockAhead = time.Second

func clockSkew(e *Evidence) Finding {
	if e.ClockRecords == 0 {
		why := "no log records"
		if e.SameClockLogs > 0 {
			why = fmt.Sprintf("%.0f log records have equal event and observed times (one clock stamped both, as SDKs do): no evidence of skew either way", e.SameClockLogs)
		}
		return finding(CheckClockSkew, e.Service, NotApplicable, "%s", why)
	}
	ahead := e.ClockAheadMax
	if ahead > maxClockAhead {
		return valued(finding(CheckClockSkew, e.Service, Fail, "a log record was dated %s after it was observed (over %.0f records from a collector-side clock)", ahead, e.ClockRecords), ahead.Seconds())
	}
	return valued(finding(CheckClockSkew, e.Service, Pass, "over %.0f records stamped by another clock, none dated more than %s ahead of its observation (most %s)", e.ClockRecords, maxClockAhead, ahead), ahead.Seconds())
}

// unplannedRestarts are restarts not within 15 minutes after a deployment.
func unplannedRestarts(e *Evidence) int {
	n := 0
	for _, r := range e.Restarts {
		explained := slices.ContainsFunc(e.Deployments, func(d Deployment) bool { return !r.Before(d.At) && r.Sub(d.At) <= 15*time.Minute })
		if !explained {
			n++
		}
	}
	return n
}

// maxLimitUtilization is the headroom rule: at 80 % of a limit a burst throttles or OOM-kills.
const maxLimitUtilization = 0.8

func capacity(e *Evidence) Finding {
	unplanned := unplannedRestarts(e)
	switch {
	case !e.LimitUtilSeen && len(e.Restarts) == 0:
		return finding(CheckCapacityHeadroom, e.Service, InsufficientData, "no *_limit_utilization metric (kubeletstats) and no restart signal for the service")
	case unplanned > 0:
		return finding(CheckCapacityHeadroom, e.Service, Fail, "%d restarts in the last %s that no deployment explains (OOM kills and crash loops look like this)", unplanned, e.Window)
	case !e.LimitUtilSeen:
		return finding(CheckCapacityHeadroom, e.Service, InsufficientData, "no unexplained restart, but no utilisation against limits to judge headroom")
	case e.LimitUtilMax >= maxLimitUtilization:
		return valued(finding(CheckCapacityHeadroom, e.Service, Fail, "peak utilisation %.0f %% of a limit in the last %s", 100*e.LimitUtilMax, e.Window), e.LimitUtilMax)
	}
	return valued(finding(CheckCapacityHeadroom, e.Service, Pass, "peak utilisation %.0f %% of its limits, no unexplained restart", 100*e.LimitUtilMax), e.LimitUtilMax)
}

func redundancy(e *Evidence, t Targets) Finding {
	switch {
	case e.Environment != "" && !slices.Contains(t.ProductionValues, strings.ToLower(e.Environment)):
		return finding(CheckRedundancy, e.Service, NotApplicable, "deployment.environment.name %q is not production", e.Environment)
	case !e.InstanceSeen:
		return finding(CheckRedundancy, e.Service, NotApplicable, "no service.instance.id or k8s.pod.name on its telemetry: instances cannot be counted")
	case e.Instances < 2:
		return valued(finding(CheckRedundancy, e.Service, Fail, "1 instance seen in the last %s: a single point of failure", e.Window), 1)
	case e.Zones == 0:
		return valued(finding(CheckRedundancy, e.Service, InsufficientData, "%d instances, but no cloud.availability_zone on their telemetry", e.Instances), float64(e.Instances))
	case e.Zones < 2:
		return valued(finding(CheckRedundancy, e.Service, Fail, "%d instances, all in one availability zone", e.Instances), float64(e.Instances))
	}
	return valued(finding(CheckRedundancy, e.Service, Pass, "%d instances in %d availability zones in the last %s", e.Instances, e.Zones, e.Window), float64(e.Instances))
}

func inventory(e *Evidence) Finding {
	var missing []string
	if e.Service == "" || strings.HasPrefix(e.Service, "unknown_service") {
		missing = append(missing, "a real service.name")
	}
	if e.Version == "" {
		missing = append(missing, "service.version")
	}
	if e.Environment == "" {
		missing = append(missing, "deployment.environment.name")
	}
	if len(missing) > 0 {
		return finding(CheckInventory, e.Service, Fail, "missing %s", strings.Join(missing, ", "))
	}
	return finding(CheckInventory, e.Service, Pass, "service.name %q, version %q, environment %q", e.Service, e.Version, e.Environment)
}

func dataFlows(e *Evidence) Finding {
	if e.ClientSpans == 0 {
		return finding(CheckDataFlows, e.Service, NotApplicable, "no CLIENT spans in the last %s: the service calls nothing that is traced", e.Window)
	}
	share := e.ClientWithPeer / e.ClientSpans
	status := Fail
	if share >= 0.95 {
		status = Pass
	}
	return valued(finding(CheckDataFlows, e.Service, status, "%.0f of %.0f CLIENT spans have a known peer (%.1f %%); the graph is on /dependencies.json", e.ClientWithPeer, e.ClientSpans, 100*share), share)
}

func externalMonitoring(e *Evidence) Finding {
	if e.ExternalCalls == 0 {
		return finding(CheckExternalMonitoring, e.Service, NotApplicable, "no calls to hosts outside the cluster in the last %s", e.Window)
	}
	return valued(finding(CheckExternalMonitoring, e.Service, Pass, "%.0f traced calls to external hosts, with outcome and latency", e.ExternalCalls), e.ExternalCalls)
}

// traceability needs a revision on every deployment (a commit is a recorded, reviewable
// change), and a change ID too when the configuration requires one.
func traceability(e *Evidence, t Targets) Finding {
	if len(e.Deployments) == 0 {
		return finding(CheckChangeTraceability, e.Service, NotApplicable, "no deployment in the period: no change to trace")
	}
	revised, changed, traced := 0, 0, 0
	for _, d := range e.Deployments {
		hasRevision, hasChange := d.Revision != "", d.ChangeID != ""
		revised, changed = revised+b2i(hasRevision), changed+b2i(hasChange)
		if hasRevision && (hasChange || !t.RequireChangeID) {
			traced++
		}
	}
	n := len(e.Deployments)
	status := Fail
	if traced == n {
		status = Pass
	}
	rule := "a revision"
	if t.RequireChangeID {
		rule = "a revision and a change ID (required)"
	}
	return valued(finding(CheckChangeTraceability, e.Service, status, "%d of %d deployments carry %s; %d carry a revision, %d a change ID",
		traced, n, rule, revised, changed), float64(traced)/float64(n))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

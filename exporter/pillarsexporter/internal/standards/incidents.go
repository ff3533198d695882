package standards

import (
	"fmt"
	"slices"
	"time"
)

func detection(e *Evidence, t Targets) Finding {
	var delays []time.Duration
	for _, in := range e.Incidents {
		if !in.BurnStart.IsZero() && !in.BurnStart.After(in.Start) {
			delays = append(delays, in.Start.Sub(in.BurnStart))
		}
	}
	if len(delays) == 0 {
		return finding(CheckDetectionDelay, e.Service, InsufficientData, "no incident with a known burn start in the period")
	}
	slices.Sort(delays)
	med := delays[len(delays)/2]
	status := Fail
	if med <= t.DetectionTarget {
		status = Pass
	}
	return valued(finding(CheckDetectionDelay, e.Service, status, "median %s from the burn starting to the incident opening over %d incidents (target %s)", med, len(delays), t.DetectionTarget), med.Seconds())
}

// recovery confirms each resolution that has had the confirmation time to hold: it failed
// when the next page of the service came within it. Resolutions younger than that wait.
func recovery(e *Evidence, t Targets, now time.Time) Finding {
	starts := make([]time.Time, 0, len(e.Incidents))
	for _, in := range e.Incidents {
		starts = append(starts, in.Start)
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	confirmed, failed, pending := 0, 0, 0
	for _, in := range e.Incidents {
		if in.Resolved.IsZero() {
			continue
		}
		deadline := in.Resolved.Add(t.RecoveryConfirm)
		repaged := slices.ContainsFunc(starts, func(s time.Time) bool { return s.After(in.Resolved) && !s.After(deadline) })
		switch {
		case repaged:
			failed++
		case now.Before(deadline):
			pending++
		default:
			confirmed++
		}
	}
	evidence := fmt.Sprintf("%d resolutions held for %s, %d paged again within it, %d too recent to tell", confirmed, t.RecoveryConfirm, failed, pending)
	switch {
	case failed > 0:
		return finding(CheckRecoveryConfirmed, e.Service, Fail, "%s", evidence)
	case confirmed == 0:
		return finding(CheckRecoveryConfirmed, e.Service, InsufficientData, "%s", evidence)
	}
	return finding(CheckRecoveryConfirmed, e.Service, Pass, "%s", evidence)
}

func incidentEvidence(e *Evidence) Finding {
	if len(e.Incidents) == 0 {
		return finding(CheckIncidentEvidence, e.Service, NotApplicable, "no incident in the period")
	}
	kept := 0
	for _, in := range e.Incidents {
		if in.Exemplars > 0 {
			kept++
		}
	}
	status := Fail
	if kept == len(e.Incidents) {
		status = Pass
	}
	return valued(finding(CheckIncidentEvidence, e.Service, status, "%d of %d incidents keep exemplar traces; each has its postmortem draft at /incidents/{id}.md", kept, len(e.Incidents)), float64(kept)/float64(len(e.Incidents)))
}

func toilRestarts(e *Evidence) Finding {
	if len(e.Restarts) == 0 && !e.LimitUtilSeen {
		return finding(CheckToilRestarts, e.Service, InsufficientData, "no restart signal (k8s.container.restarts) for the service")
	}
	n := unplannedRestarts(e)
	status := Pass
	if n > 0 {
		status = Fail
	}
	return valued(finding(CheckToilRestarts, e.Service, status, "%d restarts in the last %s, %d of them not within 15 minutes after a deployment", len(e.Restarts), e.Window, n), float64(n))
}

// maxManualShare is the share of hand-triggered deployments this check tolerates.
const maxManualShare = 0.10

func manualDeploys(e *Evidence) Finding {
	known, manual := 0, 0
	for _, d := range e.Deployments {
		if d.Manual != nil {
			known++
			if *d.Manual {
				manual++
			}
		}
	}
	if known == 0 {
		return finding(CheckToilManualDeploys, e.Service, InsufficientData, "no deployment says how it was triggered (no OTel attribute marks it; set standards.manual_trigger to the CI/CD's)")
	}
	share := float64(manual) / float64(known)
	status := Fail
	if share <= maxManualShare {
		status = Pass
	}
	return valued(finding(CheckToilManualDeploys, e.Service, status, "%d of %d deployments with a known trigger were triggered by hand", manual, known), share)
}

// maxReworkRate is this project's bar (DORA publishes no rework-rate tiers yet).
const maxReworkRate = 0.15

func reworkRate(e *Evidence) Finding {
	if !e.ReworkKnown {
		return finding(CheckReworkRate, e.Service, InsufficientData, "no deployment in the period")
	}
	status := Fail
	if e.ReworkRate <= maxReworkRate {
		status = Pass
	}
	return valued(finding(CheckReworkRate, e.Service, status, "%s: rework rate %.1f %%", e.ReworkInputs, 100*e.ReworkRate), e.ReworkRate)
}

// ShiftLoad is pages per 12-hour shift of one on-call rotation (a team, or a service alone).
type ShiftLoad struct {
	Rotation    string `json:"rotation"`
	Pages       int    `json:"pages"`
	Shifts      int    `json:"shifts"` // 12-hour shifts observed
	MaxPerShift int    `json:"max_pages_per_shift"`
	// Known is true when alerting can page, so no page is evidence of none.
	Known bool `json:"known"`
}

// maxPagesPerShift is the SRE book's ceiling: about 6 hours per incident, 2 per 12-hour shift.
const maxPagesPerShift = 2

// CountShifts buckets page times into 12-hour shifts starting at 00:00 and 12:00 UTC, over
// the observed days.
func CountShifts(rotation string, pages []time.Time, observed time.Duration, known bool) ShiftLoad {
	l := ShiftLoad{Rotation: rotation, Pages: len(pages), Shifts: max(1, int(observed/(12*time.Hour))), Known: known || len(pages) > 0}
	per := map[int64]int{}
	for _, p := range pages {
		k := p.UTC().Unix() / (12 * 3600)
		per[k]++
		l.MaxPerShift = max(l.MaxPerShift, per[k])
	}
	return l
}

func pagerLoad(e *Evidence) Finding {
	l := e.Shifts
	if !l.Known {
		return finding(CheckPagerLoad, e.Service, InsufficientData, "no page-capable alerting for rotation %q: no pages is not evidence of a quiet rotation", l.Rotation)
	}
	status := Pass
	if l.MaxPerShift > maxPagesPerShift {
		status = Fail
	}
	return valued(finding(CheckPagerLoad, e.Service, status, "rotation %q: %d pages over %d shifts, at most %d in one 12-hour shift (ceiling %d)", l.Rotation, l.Pages, l.Shifts, l.MaxPerShift, maxPagesPerShift), float64(l.MaxPerShift))
}

package standards

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Status is a control's (or one finding's) state.
type Status string

// Statuses. Exempt is its own state: never a pass, and it lapses when the exemption expires.
const (
	Pass             Status = "pass"
	Fail             Status = "fail"
	InsufficientData Status = "insufficient_data"
	NotApplicable    Status = "not_applicable"
	NotMeasurable    Status = "not_measurable"
	Exempt           Status = "exempt"
)

// Statuses in the order the outputs list them.
var Statuses = []Status{Pass, Fail, InsufficientData, NotApplicable, NotMeasurable, Exempt}

// Finding is one check's verdict for one service (or for the whole gateway, Service "").
type Finding struct {
	Check    string   `json:"check"`
	Service  string   `json:"service,omitempty"`
	Status   Status   `json:"status"`
	Value    *float64 `json:"value,omitempty"`
	Evidence string   `json:"evidence"`
}

// Exemption takes a control out of scoring until it expires.
type Exemption struct {
	Framework string    `json:"framework"`
	Control   string    `json:"control"`
	Reason    string    `json:"reason"`
	Expires   time.Time `json:"expires"`
}

// ControlView is one control's status, with what it stands on.
type ControlView struct {
	ID          string     `json:"id"`
	Title       string     `json:"title,omitempty"`
	Group       string     `json:"group"`
	Status      Status     `json:"status"`
	Checks      []string   `json:"checks"`
	Summary     string     `json:"evidence"`
	Counts      Counts     `json:"findings_by_status"`
	Findings    []Finding  `json:"findings"`
	Remediation []string   `json:"remediation,omitempty"`
	Exemption   *Exemption `json:"exemption,omitempty"`
}

// Counts is how many items have each status.
type Counts map[Status]int

// GroupView is one function's (theme's, domain's) coverage: controls measured from telemetry
// and controls not measurable, never folded into one percentage.
type GroupView struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Controls      int    `json:"controls"`
	Measured      int    `json:"measured"`
	NotMeasurable int    `json:"not_measurable"`
	Counts        Counts `json:"by_status"`
}

// View is a framework projected onto the evidence.
type View struct {
	ID       string        `json:"framework"`
	Title    string        `json:"title"`
	Source   string        `json:"source"`
	Coverage GroupView     `json:"coverage"`
	Groups   []GroupView   `json:"groups"`
	Controls []ControlView `json:"controls"`
}

// WithoutTitles is v with its controls' titles left out (the scorecard's copy: the titles are
// the catalogue's, on /standards, and would repeat in every scorecard response).
func (v View) WithoutTitles() View {
	v.Controls = slices.Clone(v.Controls)
	for i := range v.Controls {
		v.Controls[i].Title = ""
	}
	return v
}

// MaxFindingsPerControl bounds what one control lists; the counts cover them all.
const MaxFindingsPerControl = 20

// Evaluate projects findings (by check ID) onto a framework at now. A control's status is
// fail when any of its findings fails, else insufficient_data when any lacks data, else pass
// when any passes, else not_applicable; not_measurable without checks; exempt while an
// exemption runs.
func Evaluate(f Framework, findings map[string][]Finding, remediation map[string]string, exemptions []Exemption, now time.Time) View {
	v := View{ID: f.ID, Title: f.Title, Source: f.Source}
	groups := map[string]*GroupView{}
	for _, g := range f.Groups {
		v.Groups = append(v.Groups, GroupView{ID: g.ID, Title: g.Title, Counts: Counts{}})
	}
	for i := range v.Groups {
		groups[v.Groups[i].ID] = &v.Groups[i]
	}
	v.Coverage = GroupView{ID: "all", Title: f.Title, Counts: Counts{}}
	for _, c := range f.Controls {
		cv := evaluateControl(f, c, findings, remediation)
		if ex, ok := activeExemption(exemptions, f.ID, c.ID, now); ok {
			cv.Status, cv.Exemption = Exempt, &ex
			cv.Summary = fmt.Sprintf("exempt until %s: %s (measured: %s)", ex.Expires.Format(time.DateOnly), ex.Reason, cv.Summary)
		}
		for _, g := range []*GroupView{groups[c.Group], &v.Coverage} {
			if g == nil {
				continue
			}
			g.Controls++
			if len(c.Checks) == 0 {
				g.NotMeasurable++
			} else {
				g.Measured++
			}
			g.Counts[cv.Status]++
		}
		v.Controls = append(v.Controls, cv)
	}
	return v
}

func evaluateControl(f Framework, c Control, findings map[string][]Finding, remediation map[string]string) ControlView {
	cv := ControlView{ID: c.ID, Title: c.Title, Group: c.Group, Checks: c.Checks, Counts: Counts{}, Findings: []Finding{}}
	if len(c.Checks) == 0 {
		cv.Status, cv.Summary = NotMeasurable, "not measurable from telemetry: "+f.reason(c)
		return cv
	}
	var all []Finding
	for _, id := range c.Checks {
		for _, fd := range findings[id] {
			all = append(all, fd)
			cv.Counts[fd.Status]++
		}
	}
	switch {
	case cv.Counts[Fail] > 0:
		cv.Status = Fail
	case cv.Counts[InsufficientData] > 0 || len(all) == 0:
		cv.Status = InsufficientData
	case cv.Counts[Pass] > 0:
		cv.Status = Pass
	default:
		cv.Status = NotApplicable
	}
	cv.Summary = summarise(cv.Counts, len(all))
	// Failures first, then missing data: what an auditor must look at.
	rank := map[Status]int{Fail: 0, InsufficientData: 1, Pass: 2, NotApplicable: 3}
	slices.SortStableFunc(all, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(rank[a.Status], rank[b.Status]), cmp.Compare(a.Service, b.Service), cmp.Compare(a.Check, b.Check))
	})
	cv.Findings = append(cv.Findings, all[:min(len(all), MaxFindingsPerControl)]...)
	if cv.Status == Fail || cv.Status == InsufficientData {
		for _, id := range c.Checks {
			if r := remediation[id]; r != "" && !slices.Contains(cv.Remediation, r) {
				cv.Remediation = append(cv.Remediation, r)
			}
		}
	}
	return cv
}

func summarise(n Counts, total int) string {
	if total == 0 {
		return "no service has reported the telemetry its checks need"
	}
	return fmt.Sprintf("%d findings: %d pass, %d fail, %d insufficient_data, %d not_applicable",
		total, n[Pass], n[Fail], n[InsufficientData], n[NotApplicable])
}

func activeExemption(exemptions []Exemption, framework, control string, now time.Time) (Exemption, bool) {
	for _, e := range exemptions {
		if e.Framework == framework && e.Control == control && now.Before(e.Expires) {
			return e, true
		}
	}
	return Exemption{}, false
}

// ValidateExemption names what is wrong with an exemption: an unknown framework or control,
// no reason, or no expiry.
func ValidateExemption(e Exemption) error {
	f, ok := Lookup(e.Framework)
	if !ok {
		return ValidateFramework(e.Framework)
	}
	if _, ok := f.ControlByID(e.Control); !ok {
		return fmt.Errorf("control %q is not in %s", e.Control, f.Title)
	}
	if e.Reason == "" {
		return fmt.Errorf("control %s: reason must say why it is exempt", e.Control)
	}
	if e.Expires.IsZero() {
		return fmt.Errorf("control %s: expires must be set (an exemption without an end is a permanent pass)", e.Control)
	}
	return nil
}

// Package standards projects the pillars exporter's evidence onto control catalogues (NIST CSF
// 2.0, ISO/IEC 27001:2022 Annex A, the FinOps Framework, DORA's five metrics and Google SRE's
// on-call and toil guidance). Every control of a catalogue is listed: the ones telemetry can
// evidence name the checks that do, every other one says why it is not measurable, and coverage
// is reported as those two counts, never as one percentage of "alignment".
package standards

import "fmt"

// Framework is one catalogue, whole.
type Framework struct {
	ID       string
	Title    string
	Source   string // where the identifiers and titles come from
	Groups   []Group
	Controls []Control
}

// Group is a function (NIST), a theme (ISO), a domain (FinOps) or a family of metrics.
type Group struct {
	ID    string
	Title string
	// NotMeasurable is why its controls without checks cannot be evidenced by telemetry.
	NotMeasurable string
}

// Control is one subcategory, control, capability or metric.
type Control struct {
	ID    string
	Title string
	Group string
	// Checks evidence the control, at least in part; none means not measurable.
	Checks []string
	// NotMeasurable overrides the group's reason for this control.
	NotMeasurable string
}

// Framework identifiers, as they appear in config, JSON and metrics.
const (
	NISTCSF2  = "nist_csf_2"
	ISO27001  = "iso_27001_2022"
	FinOps    = "finops"
	DORA      = "dora"
	GoogleSRE = "google_sre"
)

// Catalogue returns every framework, in display order.
func Catalogue() []Framework {
	return []Framework{nistCSF(), iso27001(), finOps(), dora(), googleSRE()}
}

// Lookup returns one framework by ID.
func Lookup(id string) (Framework, bool) {
	for _, f := range Catalogue() {
		if f.ID == id {
			return f, true
		}
	}
	return Framework{}, false
}

// ControlByID returns a framework's control.
func (f Framework) ControlByID(id string) (Control, bool) {
	for _, c := range f.Controls {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

// reason is why a control cannot be evidenced: its own, else its group's.
func (f Framework) reason(c Control) string {
	if c.NotMeasurable != "" {
		return c.NotMeasurable
	}
	for _, g := range f.Groups {
		if g.ID == c.Group {
			return g.NotMeasurable
		}
	}
	return "no telemetry evidences it"
}

// ValidateFramework names an unknown framework.
func ValidateFramework(id string) error {
	if _, ok := Lookup(id); !ok {
		return fmt.Errorf("framework %q: must be one of %s, %s, %s, %s, %s", id, NISTCSF2, ISO27001, FinOps, DORA, GoogleSRE)
	}
	return nil
}

func ctl(group, id, title string, checks ...string) Control {
	return Control{ID: id, Title: title, Group: group, Checks: checks}
}

// References maps each check to the controls that cite it, by framework, in catalogue order:
// the other direction of Control.Checks, so a check's output can say what it evidences.
func References() map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, f := range Catalogue() {
		for _, c := range f.Controls {
			for _, id := range c.Checks {
				if out[id] == nil {
					out[id] = map[string][]string{}
				}
				out[id][f.ID] = append(out[id][f.ID], c.ID)
			}
		}
	}
	return out
}

package standards

import (
	"slices"
	"strings"
	"testing"

	"github.com/otelcol-sre/otelcol-sre/exporter/pillarsexporter/internal/score"
)

// csf20Subcategories are the 106 subcategory IDs of NIST's CSF 2.0 OSCAL catalogue (every one
// not marked withdrawn), copied from nist.gov/CSF/v2.0/json/NIST_CSF_v2.0_catalog-min.json.
const csf20Subcategories = `GV.OC-01 GV.OC-02 GV.OC-03 GV.OC-04 GV.OC-05 GV.RM-01 GV.RM-02 GV.RM-03 GV.RM-04 GV.RM-05 GV.RM-06 GV.RM-07
GV.RR-01 GV.RR-02 GV.RR-03 GV.RR-04 GV.PO-01 GV.PO-02 GV.OV-01 GV.OV-02 GV.OV-03 GV.SC-01 GV.SC-02 GV.SC-03 GV.SC-04
GV.SC-05 GV.SC-06 GV.SC-07 GV.SC-08 GV.SC-09 GV.SC-10 ID.AM-01 ID.AM-02 ID.AM-03 ID.AM-04 ID.AM-05 ID.AM-07 ID.AM-08
ID.RA-01 ID.RA-02 ID.RA-03 ID.RA-04 ID.RA-05 ID.RA-06 ID.RA-07 ID.RA-08 ID.RA-09 ID.RA-10 ID.IM-01 ID.IM-02 ID.IM-03
ID.IM-04 PR.AA-01 PR.AA-02 PR.AA-03 PR.AA-04 PR.AA-05 PR.AA-06 PR.AT-01 PR.AT-02 PR.DS-01 PR.DS-02 PR.DS-10 PR.DS-11
PR.PS-01 PR.PS-02 PR.PS-03 PR.PS-04 PR.PS-05 PR.PS-06 PR.IR-01 PR.IR-02 PR.IR-03 PR.IR-04 DE.CM-01 DE.CM-02 DE.CM-03
DE.CM-06 DE.CM-09 DE.AE-02 DE.AE-03 DE.AE-04 DE.AE-06 DE.AE-07 DE.AE-08 RS.MA-01 RS.MA-02 RS.MA-03 RS.MA-04 RS.MA-05
RS.AN-03 RS.AN-06 RS.AN-07 RS.AN-08 RS.CO-02 RS.CO-03 RS.MI-01 RS.MI-02 RC.RP-01 RC.RP-02 RC.RP-03 RC.RP-04 RC.RP-05
RC.RP-06 RC.CO-03 RC.CO-04`

var withdrawn = WithdrawnCSF

func TestNISTIDsAreExactlyCSF20(t *testing.T) {
	f, _ := Lookup(NISTCSF2)
	var got []string
	for _, c := range f.Controls {
		got = append(got, c.ID)
		if !strings.HasPrefix(c.ID, c.Group+".") {
			t.Errorf("%s is in group %s", c.ID, c.Group)
		}
		if withdrawn.MatchString(c.ID) {
			t.Errorf("%s is a withdrawn CSF 1.1 ID", c.ID)
		}
	}
	want := strings.Fields(csf20Subcategories)
	if !slices.Equal(got, want) {
		t.Errorf("the catalogue's IDs differ from CSF 2.0's:\n got %v\nwant %v", got, want)
	}
}

// TestNoWithdrawnIDInAnyOutputText scans every string the package can put in an output.
func TestNoWithdrawnIDInAnyOutputText(t *testing.T) {
	var texts []string
	for _, f := range Catalogue() {
		texts = append(texts, f.Title, f.Source)
		for _, g := range f.Groups {
			texts = append(texts, g.Title, g.NotMeasurable)
		}
		for _, c := range f.Controls {
			texts = append(texts, c.ID, c.Title, c.NotMeasurable)
		}
	}
	for _, r := range Rules {
		texts = append(texts, r.Pass, r.Remediation)
	}
	for _, s := range texts {
		if m := withdrawn.FindString(s); m != "" {
			t.Errorf("withdrawn ID %s in %q", m, s)
		}
	}
}

func TestCatalogueShapes(t *testing.T) {
	counts := map[string]int{NISTCSF2: 106, ISO27001: 93, FinOps: 22, DORA: 5, GoogleSRE: 5}
	registry := map[string]bool{}
	for _, d := range score.Registry(score.Targets{LatencyP95Ms: 300}) {
		registry[string(d.ID)] = true
	}
	for _, f := range Catalogue() {
		if len(f.Controls) != counts[f.ID] {
			t.Errorf("%s: %d controls, want %d", f.ID, len(f.Controls), counts[f.ID])
		}
		groups := map[string]bool{}
		for _, g := range f.Groups {
			groups[g.ID] = true
		}
		ids := map[string]bool{}
		for _, c := range f.Controls {
			if ids[c.ID] {
				t.Errorf("%s: %s twice", f.ID, c.ID)
			}
			ids[c.ID] = true
			if !groups[c.Group] {
				t.Errorf("%s: %s in unknown group %q", f.ID, c.ID, c.Group)
			}
			for _, id := range c.Checks {
				if _, own := Rules[id]; !own && !registry[id] {
					t.Errorf("%s %s cites %q, which no registry measures", f.ID, c.ID, id)
				}
			}
			if len(c.Checks) == 0 && f.reason(c) == "" {
				t.Errorf("%s %s is not measurable without saying why", f.ID, c.ID)
			}
		}
	}
	iso, _ := Lookup(ISO27001)
	for _, id := range []string{"5.24", "5.25", "5.26", "5.27", "5.28", "5.9", "5.29", "5.30", "8.6", "8.9", "8.13", "8.14", "8.15", "8.16", "8.17", "8.32"} {
		if _, ok := iso.ControlByID(id); !ok {
			t.Errorf("ISO control %s missing", id)
		}
	}
	if c, _ := iso.ControlByID("8.17"); c.Title != "Clock synchronization" || !slices.Equal(c.Checks, []string{CheckClockSkew}) {
		t.Errorf("8.17: %+v", c)
	}
	if c, _ := iso.ControlByID("7.14"); c.Title != "Secure disposal or re-use of equipment" {
		t.Errorf("7.14: %+v", c)
	}
	if _, ok := Lookup("nist_csf_1_1"); ok {
		t.Error("an unknown framework was found")
	}
	if err := ValidateFramework("soc2"); err == nil || !strings.Contains(err.Error(), `"soc2"`) {
		t.Errorf("ValidateFramework: %v", err)
	}
	if ValidateFramework(FinOps) != nil {
		t.Error("finops refused")
	}
	if itoa(7) != "7" || itoa(10) != "10" || itoa(14) != "14" {
		t.Error(itoa(7), itoa(10), itoa(14))
	}
	for id, title := range map[string]string{"6.1": "Screening", "6.8": "Information security event reporting", "7.1": "Physical security perimeters"} {
		if c, _ := iso.ControlByID(id); c.Title != title {
			t.Errorf("ISO %s: %+v", id, c)
		}
	}
}

func TestEveryOwnCheckHasARuleAndIsCited(t *testing.T) {
	cited := map[string]bool{}
	for _, f := range Catalogue() {
		for _, c := range f.Controls {
			for _, id := range c.Checks {
				cited[id] = true
			}
		}
	}
	for id, r := range Rules {
		if r.Pass == "" || r.Remediation == "" {
			t.Errorf("%s: rule %+v", id, r)
		}
		if !cited[id] {
			t.Errorf("%s is measured but no control cites it", id)
		}
	}
}

func TestReferencesInvertTheCatalogue(t *testing.T) {
	refs := References()
	if got := refs[CheckTLS]; !slices.Equal(got[NISTCSF2], []string{"PR.DS-02"}) || !slices.Equal(got[ISO27001], []string{"8.24"}) || len(got) != 2 {
		t.Errorf("security.tls: %v", got)
	}
	if got := refs[CheckDetectionDelay][NISTCSF2]; !slices.Equal(got, []string{"DE.AE-06", "DE.AE-08", "RS.MA-04"}) {
		t.Errorf("detection: %v", got)
	}
	n := 0
	for _, byFramework := range refs {
		for _, ids := range byFramework {
			n += len(ids)
		}
	}
	if n != 53 { // 50 evidenced controls, three of them (RC.RP-06, 5.30, workload optimization) by two checks
		t.Errorf("%d references", n)
	}
}

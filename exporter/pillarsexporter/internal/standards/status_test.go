package standards

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

func testFramework() Framework {
	return Framework{ID: "t", Title: "Test", Source: "tests",
		Groups: []Group{{"A", "Alpha", "alpha is organisational"}, {"B", "Beta", ""}},
		Controls: []Control{
			ctl("A", "A-1", "one", "c1"), ctl("A", "A-2", "two", "c1", "c2"), ctl("A", "A-3", "three"),
			ctl("B", "B-1", "four", "c3"), {ID: "B-2", Title: "five", Group: "B", NotMeasurable: "own reason"},
			ctl("B", "B-3", "six", "c4"),
		}}
}

func fd(check, service string, s Status) Finding {
	return Finding{Check: check, Service: service, Status: s}
}

func TestEvaluateStatusRules(t *testing.T) {
	findings := map[string][]Finding{
		"c1": {fd("c1", "a", Pass), fd("c1", "b", Pass)},
		"c2": {fd("c2", "a", Fail), fd("c2", "b", InsufficientData)},
		"c3": {fd("c3", "a", NotApplicable), fd("c3", "b", NotApplicable)},
	}
	v := Evaluate(testFramework(), findings, map[string]string{"c2": "fix c2", "c1": "fix c1"}, nil, t0)
	want := map[string]Status{"A-1": Pass, "A-2": Fail, "A-3": NotMeasurable, "B-1": NotApplicable, "B-2": NotMeasurable, "B-3": InsufficientData}
	for _, c := range v.Controls {
		if c.Status != want[c.ID] {
			t.Errorf("%s: %s, want %s (%s)", c.ID, c.Status, want[c.ID], c.Summary)
		}
	}
	a2 := v.Controls[1]
	if a2.Findings[0].Status != Fail || a2.Findings[1].Status != InsufficientData || len(a2.Findings) != 4 {
		t.Errorf("A-2 findings not failures first: %+v", a2.Findings)
	}
	if strings.Join(a2.Remediation, "|") != "fix c1|fix c2" {
		t.Errorf("A-2 remediation %v", a2.Remediation)
	}
	if a2.Counts[Pass] != 2 || a2.Counts[Fail] != 1 || a2.Counts[InsufficientData] != 1 || a2.Summary != "4 findings: 2 pass, 1 fail, 1 insufficient_data, 0 not_applicable" {
		t.Errorf("A-2 counts %v %q", a2.Counts, a2.Summary)
	}
	if len(v.Controls[0].Remediation) != 0 {
		t.Errorf("a passing control offers remediation %v", v.Controls[0].Remediation)
	}
	if s := v.Controls[2].Summary; s != "not measurable from telemetry: alpha is organisational" {
		t.Errorf("A-3: %q", s)
	}
	if s := v.Controls[4].Summary; s != "not measurable from telemetry: own reason" {
		t.Errorf("B-2: %q", s)
	}
	if s := v.Controls[5].Summary; s != "no service has reported the telemetry its checks need" {
		t.Errorf("B-3: %q", s)
	}
	alpha, beta := v.Groups[0], v.Groups[1]
	if alpha.Controls != 3 || alpha.Measured != 2 || alpha.NotMeasurable != 1 || alpha.Counts[Pass] != 1 || alpha.Counts[Fail] != 1 {
		t.Errorf("alpha %+v", alpha)
	}
	if beta.Controls != 3 || beta.Measured != 2 || beta.NotMeasurable != 1 || beta.Counts[NotApplicable] != 1 || beta.Counts[InsufficientData] != 1 {
		t.Errorf("beta %+v", beta)
	}
	if c := v.Coverage; c.Controls != 6 || c.Measured != 4 || c.NotMeasurable != 2 || c.Counts[NotMeasurable] != 2 {
		t.Errorf("coverage %+v", c)
	}
}

func TestFindingsPerControlAreBounded(t *testing.T) {
	var many []Finding
	for i := range MaxFindingsPerControl + 5 {
		many = append(many, fd("c1", string(rune('a'+i)), Pass))
	}
	many = append(many, fd("c1", "zz", Fail))
	v := Evaluate(testFramework(), map[string][]Finding{"c1": many}, nil, nil, t0)
	c := v.Controls[0]
	if len(c.Findings) != MaxFindingsPerControl || c.Findings[0].Service != "zz" || c.Counts[Pass] != MaxFindingsPerControl+5 {
		t.Errorf("%d findings, first %+v, counts %v", len(c.Findings), c.Findings[0], c.Counts)
	}
	if c.Findings[1].Service != "a" || c.Findings[2].Service != "b" {
		t.Errorf("not ordered by service: %+v", c.Findings[:3])
	}
}

func TestExemptionsLapse(t *testing.T) {
	ex := []Exemption{{Framework: "t", Control: "A-2", Reason: "vendor fix due", Expires: t0.Add(time.Hour)},
		{Framework: "other", Control: "A-1", Reason: "x", Expires: t0.Add(time.Hour)}}
	findings := map[string][]Finding{"c1": {fd("c1", "a", Pass)}, "c2": {fd("c2", "a", Fail)}}
	v := Evaluate(testFramework(), findings, nil, ex, t0)
	a1, a2 := v.Controls[0], v.Controls[1]
	if a2.Status != Exempt || a2.Exemption == nil || !strings.HasPrefix(a2.Summary, "exempt until 2026-12-03: vendor fix due (measured: 2 findings") {
		t.Errorf("A-2: %s %q", a2.Status, a2.Summary)
	}
	if a1.Status != Pass || a1.Exemption != nil {
		t.Errorf("another framework's exemption applied: %+v", a1)
	}
	if v.Groups[0].Counts[Exempt] != 1 || v.Groups[0].Counts[Fail] != 0 || v.Groups[0].Counts[Pass] != 1 {
		t.Errorf("exempt is counted as %v", v.Groups[0].Counts)
	}
	if later := Evaluate(testFramework(), findings, nil, ex, t0.Add(time.Hour)); later.Controls[1].Status != Fail {
		t.Errorf("at expiry the control is %s, want it scored again (fail)", later.Controls[1].Status)
	}
}

func TestValidateExemption(t *testing.T) {
	ok := Exemption{Framework: ISO27001, Control: "8.13", Reason: "backups audited separately", Expires: t0}
	if err := ValidateExemption(ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mutate func(*Exemption)
		want   string
	}{
		{func(e *Exemption) { e.Framework = "iso" }, `framework "iso"`},
		{func(e *Exemption) { e.Control = "A.12.4" }, `control "A.12.4" is not in ISO/IEC 27001:2022 Annex A`},
		{func(e *Exemption) { e.Reason = "" }, "reason must say why"},
		{func(e *Exemption) { e.Expires = time.Time{} }, "expires must be set"},
	} {
		e := ok
		tc.mutate(&e)
		if err := ValidateExemption(e); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", e, err, tc.want)
		}
	}
}

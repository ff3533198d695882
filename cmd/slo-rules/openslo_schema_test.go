package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The OpenSLO v1 field list, from the specification's README (OpenSLO/OpenSLO@aa5cb78,
// "Specification"): the go-sdk that validates it is not served here. Each object is the keys it
// allows; a value is the schema of that key. "*" allows any value (a metricSource's spec is the
// data source's own).
type field struct {
	required bool
	check    func(v any) error
	object   map[string]field // a mapping with these keys
	items    *field           // a list of these
}

var (
	shorthandRE = regexp.MustCompile(`^[1-9][0-9]*[mhdwMQY]$`)
	rfc1123RE   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	labelKeyRE  = regexp.MustCompile(`^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$`)
	annotKeyRE  = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$`)
)

func str(required bool, re *regexp.Regexp, enum ...string) field {
	return field{required: required, check: func(v any) error {
		s, ok := v.(string)
		switch {
		case !ok:
			return fmt.Errorf("%v is not a string", v)
		case re != nil && !re.MatchString(s):
			return fmt.Errorf("%q does not match %s", s, re)
		case len(enum) > 0 && !contains(enum, s):
			return fmt.Errorf("%q is not one of %v", s, enum)
		case len(s) > 1050:
			return fmt.Errorf("longer than 1050 characters")
		}
		return nil
	}}
}

func number(required bool, lo, hi float64, hiOpen bool) field {
	return field{required: required, check: func(v any) error {
		f, ok := v.(float64)
		if i, isInt := v.(int); isInt {
			f, ok = float64(i), true
		}
		if !ok || f < lo || f > hi || (hiOpen && f == hi) {
			return fmt.Errorf("%v is not a number in [%v, %v%s", v, lo, hi, map[bool]string{true: ")", false: "]"}[hiOpen])
		}
		return nil
	}}
}

func boolean(required bool) field {
	return field{required: required, check: func(v any) error {
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", v)
		}
		return nil
	}}
}

var anything = field{check: func(any) error { return nil }}

func obj(required bool, keys map[string]field) field { return field{required: required, object: keys} }
func list(required bool, item field) field           { return field{required: required, items: &item} }

var (
	metricSource = obj(true, map[string]field{"metricSource": obj(true, map[string]field{
		"metricSourceRef": str(false, nil), "type": str(false, nil), "spec": obj(true, nil)})})
	sliSpec = obj(true, map[string]field{
		"description": str(false, nil), "thresholdMetric": optional(metricSource),
		"ratioMetric": obj(false, map[string]field{"counter": boolean(false), "good": optional(metricSource), "bad": optional(metricSource),
			"total": optional(metricSource), "rawType": str(false, nil, "success", "failure"), "raw": optional(metricSource)}),
	})
	metadata = obj(true, map[string]field{
		"name": str(true, rfc1123RE), "displayName": str(false, nil),
		"labels": {check: keysMatch(labelKeyRE)}, "annotations": {check: keysMatch(annotKeyRE)},
	})
	specs = map[string]field{
		"SLO": obj(true, map[string]field{
			"description": str(false, nil), "service": str(true, nil),
			"indicator":    obj(false, map[string]field{"metadata": metadata, "spec": sliSpec}),
			"indicatorRef": str(false, nil),
			"timeWindow": list(true, obj(true, map[string]field{"duration": str(true, shorthandRE), "isRolling": boolean(false),
				"calendar": obj(false, map[string]field{"startTime": str(true, regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)), "timeZone": str(true, nil)})})),
			"budgetingMethod": str(true, nil, "Occurrences", "Timeslices", "RatioTimeslices"),
			"objectives": list(true, obj(true, map[string]field{"displayName": str(false, nil), "op": str(false, nil, "lte", "gte", "lt", "gt"),
				"value": number(false, -1e308, 1e308, false), "target": number(false, 0, 1, true), "targetPercent": number(false, 0, 100, true),
				"timeSliceTarget": number(false, 0, 1, false), "timeSliceWindow": str(false, shorthandRE)})),
			"alertPolicies": list(false, obj(true, map[string]field{"alertPolicyRef": str(true, rfc1123RE)})),
		}),
		"AlertPolicy": obj(true, map[string]field{
			"description": str(false, nil), "alertWhenNoData": boolean(false), "alertWhenResolved": boolean(false), "alertWhenBreaching": boolean(false),
			"conditions":          list(true, obj(true, map[string]field{"conditionRef": str(true, rfc1123RE)})),
			"notificationTargets": list(true, obj(true, map[string]field{"targetRef": str(true, rfc1123RE)})),
		}),
		"AlertCondition": obj(true, map[string]field{
			"description": str(false, nil), "severity": str(true, nil),
			"condition": obj(true, map[string]field{"kind": str(false, nil, "burnrate"), "op": str(true, nil, "lte", "gte", "lt", "gt"),
				"threshold": number(true, -1e308, 1e308, false), "lookbackWindow": str(true, shorthandRE), "alertAfter": str(false, shorthandRE)}),
		}),
		"AlertNotificationTarget": obj(true, map[string]field{"description": str(false, nil), "target": str(true, nil)}),
	}
)

func optional(f field) field { f.required = false; return f }

func keysMatch(re *regexp.Regexp) func(any) error {
	return func(v any) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%v is not a mapping", v)
		}
		for k := range m {
			if !re.MatchString(k) {
				return fmt.Errorf("key %q does not match %s", k, re)
			}
		}
		return nil
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func (f field) validate(path string, v any) []error {
	switch {
	case f.check != nil:
		if err := f.check(v); err != nil {
			return []error{fmt.Errorf("%s: %w", path, err)}
		}
	case f.items != nil:
		l, ok := v.([]any)
		if !ok {
			return []error{fmt.Errorf("%s: %v is not a list", path, v)}
		}
		var errs []error
		for i, e := range l {
			errs = append(errs, f.items.validate(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
		return errs
	default:
		m, ok := v.(map[string]any)
		if !ok {
			return []error{fmt.Errorf("%s: %v is not a mapping", path, v)}
		}
		if f.object == nil {
			return nil // a data source's own spec
		}
		var errs []error
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub, known := f.object[k]
			if !known {
				errs = append(errs, fmt.Errorf("%s.%s: not a field of OpenSLO v1", path, k))
				continue
			}
			errs = append(errs, sub.validate(path+"."+k, m[k])...)
		}
		for k, sub := range f.object {
			if _, ok := m[k]; sub.required && !ok {
				errs = append(errs, fmt.Errorf("%s.%s: required", path, k))
			}
		}
		return errs
	}
	return nil
}

// checkSpecFields validates every document of an export against the field list, and the
// rules the list cannot say: one time window, one condition per policy, every reference resolves.
func checkSpecFields(t *testing.T, what string, data []byte) {
	t.Helper()
	for _, err := range specErrors(what, data) {
		t.Error(err)
	}
}

func specErrors(what string, data []byte) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	names := map[string]map[string]bool{}
	var refs [][2]string
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return append(errs, fmt.Errorf("%s document %d: %v", what, n, err))
		}
		kind, _ := doc["kind"].(string)
		spec, ok := specs[kind]
		where := fmt.Sprintf("%s document %d (%s)", what, n, kind)
		if !ok || doc["apiVersion"] != "openslo/v1" {
			fail("%s: kind %q apiVersion %v", where, kind, doc["apiVersion"])
			continue
		}
		top := obj(true, map[string]field{"apiVersion": str(true, nil), "kind": str(true, nil), "metadata": metadata, "spec": spec})
		for _, err := range top.validate("", doc) {
			fail("%s: %v", where, err)
		}
		name := doc["metadata"].(map[string]any)["name"].(string)
		if names[kind] == nil {
			names[kind] = map[string]bool{}
		}
		if names[kind][name] {
			fail("%s: two %s named %s", where, kind, name)
		}
		names[kind][name] = true
		s := doc["spec"].(map[string]any)
		switch kind {
		case "SLO":
			if tw := s["timeWindow"].([]any); len(tw) != 1 {
				fail("%s: %d time windows, OpenSLO allows one", where, len(tw))
			}
			for _, p := range asList(s["alertPolicies"]) {
				refs = append(refs, [2]string{"AlertPolicy", p.(map[string]any)["alertPolicyRef"].(string)})
			}
		case "AlertPolicy":
			conds := asList(s["conditions"])
			if len(conds) != 1 {
				fail("%s: %d conditions, OpenSLO allows one", where, len(conds))
			}
			for _, c := range conds {
				refs = append(refs, [2]string{"AlertCondition", c.(map[string]any)["conditionRef"].(string)})
			}
			for _, c := range asList(s["notificationTargets"]) {
				refs = append(refs, [2]string{"AlertNotificationTarget", c.(map[string]any)["targetRef"].(string)})
			}
		}
	}
	for _, r := range refs {
		if !names[r[0]][r[1]] {
			fail("%s: reference to %s %q, which no document defines", what, r[0], r[1])
		}
	}
	if len(names["SLO"]) == 0 && len(errs) == 0 {
		fail("%s: no SLO document:\n%s", what, strings.TrimSpace(string(data)))
	}
	return errs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

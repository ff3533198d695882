package sloconnector

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"
)

// checkRaw reads the config as the user wrote it, before it is decoded, and rejects what the
// decoder would accept silently or explain badly: a duration without a unit (200 decodes as
// 200ns), a duration string it cannot parse (reported with the value), and unknown keys
// (reported once, with the SLO's name and the keys that would have been accepted).
func checkRaw(raw map[string]any) error {
	var errs []error
	walkRaw(reflect.TypeFor[Config](), raw, "", &errs)
	return errors.Join(errs...)
}

var (
	stdDurationType = reflect.TypeFor[time.Duration]()
	durationType    = reflect.TypeFor[Duration]()
	timeType        = reflect.TypeFor[time.Time]()
)

func walkRaw(t reflect.Type, raw map[string]any, path string, errs *[]error) {
	fields := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("mapstructure"), ",")[0]; tag != "" && tag != "-" {
			fields[tag] = f
		}
	}
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		value := raw[key]
		f, ok := fields[key]
		if !ok {
			*errs = append(*errs, unknownKey(path, key, fields))
			continue
		}
		checkRawValue(f.Type, value, join(path, key), errs)
	}
}

func checkRawValue(t reflect.Type, value any, path string, errs *[]error) {
	if value == nil {
		return
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		if s, ok := value.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				*errs = append(*errs, fmt.Errorf("%s: %q is not RFC 3339 with an offset (e.g. 2026-03-29T02:00:00+01:00)", path, s))
			}
		} else if _, ok := value.(time.Time); !ok {
			*errs = append(*errs, fmt.Errorf("%s: %v is not an RFC 3339 time", path, value))
		}
	case t == stdDurationType || t == durationType:
		if err := checkRawDuration(value, t == durationType); err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %w", path, err))
		}
	case t.Kind() == reflect.Struct:
		if m, ok := value.(map[string]any); ok {
			walkRaw(t, m, path, errs)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		list, ok := value.([]any)
		if !ok {
			return
		}
		for i, item := range list {
			m, ok := item.(map[string]any)
			if !ok {
				continue
			}
			elem := fmt.Sprintf("%s[%d]", path, i)
			if name, ok := m["name"].(string); ok && name != "" {
				elem += " (" + name + ")"
			}
			walkRaw(t.Elem(), m, elem, errs)
		}
	}
}

// checkRawDuration accepts only strings with a unit; days and weeks only where Duration allows them.
func checkRawDuration(value any, daysAllowed bool) error {
	units := "ns, us, ms, s, m, h"
	if daysAllowed {
		units += ", d, w"
	}
	s, ok := value.(string)
	if !ok {
		if n, isNumber := asNumber(value); isNumber {
			return fmt.Errorf("%v has no unit, so it would mean %vns; write a duration with a unit (%s), e.g. \"%vms\" or \"%vs\"", value, n, units, n, n)
		}
		return fmt.Errorf("%v is not a duration; write a number with a unit (%s), e.g. \"300ms\"", value, units)
	}
	var err error
	if daysAllowed {
		var d Duration
		err = d.UnmarshalText([]byte(s))
	} else {
		_, err = time.ParseDuration(strings.TrimSpace(s))
	}
	if err != nil {
		return fmt.Errorf("%q is not a duration; write a number with a unit (%s), e.g. \"300ms\"", s, units)
	}
	return nil
}

func asNumber(v any) (string, bool) {
	switch n := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(n), true
	case float32, float64:
		return fmt.Sprint(n), true
	}
	return "", false
}

func unknownKey(path, key string, fields map[string]reflect.StructField) error {
	known := slices.Sorted(maps.Keys(fields))
	hint := ""
	if best := closest(key, known); best != "" {
		hint = fmt.Sprintf("did you mean %q? ", best)
	}
	return fmt.Errorf("%s: unknown key %q; %sknown keys: %s", orTop(path), key, hint, strings.Join(known, ", "))
}

func orTop(path string) string {
	if path == "" {
		return "slo"
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// closest returns the known key within two edits of key, or the one it spells in camelCase
// (Sloth's errorBudgetPercent for error_budget_percent), if there is one.
func closest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if strings.EqualFold(strings.ReplaceAll(k, "_", ""), key) {
			return k
		}
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

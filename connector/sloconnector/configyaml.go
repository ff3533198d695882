package sloconnector

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/confmap"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector/internal/window"
)

// The connector's config as YAML, under its own keys: the console's definitions, the
// OpenSLO annotations and the fragments slo-rules --from-openslo writes.

// definitionYAML renders the SLO with its defaults under the config's own key names.
func definitionYAML(slo SLO) string {
	conf := confmap.New()
	if err := conf.Marshal(slo); err != nil {
		return "# the definition could not be rendered: " + err.Error()
	}
	b, err := yaml.Marshal(pruneDefinition(conf.ToStringMap()))
	if err != nil {
		return "# the definition could not be rendered: " + err.Error()
	}
	return string(b)
}

// pruneDefinition drops unset fields (what the user did not write and no default fills) and
// writes durations as the config does ("30d", "300ms"), not as nanoseconds.
func pruneDefinition(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e = pruneDefinition(e); e != nil {
				out[k] = e
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if e = pruneDefinition(e); e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case time.Duration:
		return pruneDefinition(Duration(x))
	case Duration:
		if x == 0 {
			return nil
		}
		return window.FormatDuration(time.Duration(x))
	case nil:
		return nil
	}
	if rv := reflect.ValueOf(v); rv.IsZero() || ((rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0) {
		return nil
	}
	return v
}

// configYAML renders v under the config's own keys, unset fields left out; "" when empty.
func configYAML(v any) (string, error) {
	conf := confmap.New()
	if err := conf.Marshal(map[string]any{"v": v}); err != nil {
		return "", err
	}
	pruned := pruneDefinition(conf.ToStringMap()["v"])
	if pruned == nil {
		return "", nil
	}
	b, err := yaml.Marshal(pruned)
	return string(b), err
}

// decodeConfigYAML reads a configYAML text back into v; an empty text leaves v alone.
func decodeConfigYAML[T any](text string, v *T) error {
	if text == "" {
		return nil
	}
	var raw any
	if err := yaml.Unmarshal([]byte(text), &raw); err != nil {
		return err
	}
	var wrap struct {
		V T `mapstructure:"v"`
	}
	if err := confmap.NewFromStringMap(map[string]any{"v": raw}).Unmarshal(&wrap); err != nil {
		return err
	}
	*v = wrap.V
	return nil
}

// configOrder is the order an SLO's keys are written in, as the examples write them.
var configOrder = []string{"name", "service", "objective", "description", "runbook_url", "window", "budgeting_method",
	"timeslice", "sli", "group_by", "labels", "alerting", "maintenance"}

func byConfigOrder(a, b string) int {
	ia, ib := slices.Index(configOrder, a), slices.Index(configOrder, b)
	if ia < 0 {
		ia = len(configOrder)
	}
	if ib < 0 {
		ib = len(configOrder)
	}
	if ia != ib {
		return ia - ib
	}
	return strings.Compare(a, b)
}

// SLOsConfig writes slos as a collector config fragment for the connector id.
func SLOsConfig(id string, slos []SLO) ([]byte, error) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, slo := range slos {
		conf := confmap.New()
		if err := conf.Marshal(map[string]any{"v": slo}); err != nil {
			return nil, err
		}
		item, ok := pruneDefinition(conf.ToStringMap()["v"]).(map[string]any)
		if !ok {
			return nil, fmt.Errorf("SLO %q renders empty", slo.Name)
		}
		node := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.SortedFunc(maps.Keys(item), byConfigOrder) {
			var v yaml.Node
			if err := v.Encode(item[k]); err != nil {
				return nil, err
			}
			node.Content = append(node.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &v)
		}
		list.Content = append(list.Content, node)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(map[string]any{"connectors": map[string]any{id: map[string]any{"slos": list}}}); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

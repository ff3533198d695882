// Package sloconf reads the slo connectors of a collector config file the way the collector
// does (${env:...} and ${file:...} resolved, defaults applied, validated), for the command-line
// tools that work from the same YAML.
package sloconf

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"

	"go.yaml.in/yaml/v3"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector"
)

// Connector is one slo connector of the file. Several is true when the file has more than one,
// so their series carry slo.connector.
type Connector struct {
	ID      string
	Config  *sloconnector.Config
	Several bool
}

// Load returns every slo connector of the file in ID order, or only the one named.
func Load(path, only string) ([]Connector, error) {
	resolver, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"file:" + path},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
		DefaultScheme:     "env",
	})
	if err != nil {
		return nil, err
	}
	conf, err := resolver.Resolve(context.Background())
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return fromConf(conf, path, only)
}

// Parse reads the slo connectors of a config document that needs no resolving.
func Parse(doc []byte, only string) ([]Connector, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	return fromConf(confmap.NewFromStringMap(raw), "document", only)
}

func fromConf(conf *confmap.Conf, path, only string) ([]Connector, error) {
	connectors, err := conf.Sub("connectors")
	if err != nil {
		return nil, fmt.Errorf("config %s: connectors: %w", path, err)
	}
	factory := sloconnector.NewFactory()
	var ids []string
	for key := range connectors.ToStringMap() {
		var id component.ID
		if err := id.UnmarshalText([]byte(key)); err == nil && id.Type() == factory.Type() {
			ids = append(ids, key)
		}
	}
	sort.Strings(ids)
	several := len(ids) > 1
	if only != "" {
		found := false
		for _, id := range ids {
			found = found || id == only
		}
		if !found {
			return nil, fmt.Errorf("config %s: no slo connector %q (found: %s)", path, only, strings.Join(ids, ", "))
		}
		ids = []string{only}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("config %s: no slo connector under connectors", path)
	}
	var out []Connector
	for _, id := range ids {
		sub, err := connectors.Sub(id)
		if err != nil {
			return nil, err
		}
		cfg := factory.CreateDefaultConfig().(*sloconnector.Config)
		if err := sub.Unmarshal(cfg); err != nil {
			return nil, fmt.Errorf("connectors::%s: %w", id, err)
		}
		if err := confmap.Validate(cfg); err != nil {
			return nil, fmt.Errorf("connectors::%s: %w", id, err)
		}
		out = append(out, Connector{ID: id, Config: cfg, Several: several})
	}
	return out, nil
}

// Command slo-rules writes Prometheus recording and alerting rules (Sloth's names and labels,
// plus Pyrra's generic series) for every SLO of the slo connector in a collector config file.
// ${env:...} and ${file:...} references are resolved as the collector resolves them.
//
//	go run ./cmd/slo-rules --config config/otelcol-sre.yaml > rules.yaml
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"

	"github.com/otelcol-sre/otelcol-sre/connector/sloconnector"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "slo-rules: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("slo-rules", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "", "collector config file")
	connectorID := fs.String("connector", "", "slo connector id, e.g. slo or slo/edge (default: every slo connector)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: slo-rules --config FILE [--connector ID])", err)
	}
	if *configPath == "" {
		return errors.New("--config is required (usage: slo-rules --config FILE [--connector ID])")
	}
	if _, err := os.Stat(*configPath); err != nil {
		return fmt.Errorf("config %s: %w", *configPath, errors.Unwrap(err))
	}
	configs, err := loadSLOConfigs(*configPath, *connectorID)
	if err != nil {
		return err
	}
	for _, cfg := range configs {
		rules, err := cfg.PrometheusRules()
		if err != nil {
			return err
		}
		if _, err := out.Write(rules); err != nil {
			return err
		}
	}
	return nil
}

// loadSLOConfigs resolves the file like the collector does and decodes its slo connectors.
func loadSLOConfigs(path, only string) ([]*sloconnector.Config, error) {
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
	var out []*sloconnector.Config
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
		out = append(out, cfg)
	}
	return out, nil
}

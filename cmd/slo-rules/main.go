// Command slo-rules writes Prometheus recording and alerting rules (Sloth's names and labels,
// plus Pyrra's generic series) for every SLO of the slo connector in a collector config file.
// ${env:...} and ${file:...} references are resolved as the collector resolves them.
//
//	_build/slo-rules --config config/otelcol-sre.yaml > rules.yaml   (built by make build)
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/otelcol-sre/otelcol-sre/cmd/internal/sloconf"
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
	connectors, err := sloconf.Load(*configPath, *connectorID)
	if err != nil {
		return err
	}
	var all []sloconnector.ConnectorRules
	for _, c := range connectors {
		cr := sloconnector.ConnectorRules{Config: c.Config}
		if c.Several {
			cr.ID = c.ID
		}
		all = append(all, cr)
	}
	rules, err := sloconnector.RulesDocument(all...)
	if err != nil {
		return err
	}
	_, err = out.Write(rules)
	return err
}

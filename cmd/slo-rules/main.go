// Command slo-rules writes Prometheus recording and alerting rules (Sloth's names and labels,
// plus Pyrra's generic series) for every SLO of the slo connector in a collector config file,
// or the same SLOs as OpenSLO v1, or reads OpenSLO v1 into slo connector config.
// ${env:...} and ${file:...} references are resolved as the collector resolves them.
//
//	_build/slo-rules --config config/otelcol-sre.yaml > rules.yaml   (built by make build)
//	_build/slo-rules --config config/otelcol-sre.yaml --format openslo > slos.openslo.yaml
//	_build/slo-rules --from-openslo slos.openslo.yaml > slos.yaml     (then --config base.yaml --config slos.yaml)
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
	connectorID := fs.String("connector", "", "slo connector id, e.g. slo or slo/edge (default: every slo connector; with --from-openslo, the id to write: slo)")
	format := fs.String("format", "prometheus", "prometheus (rules) or openslo (OpenSLO v1 documents)")
	source := fs.String("openslo-source", sloconnector.OpenSLOSourceSpans, "with --format openslo: spans (the span definition, re-importable) or prometheus (the connector's series)")
	fromOpenSLO := fs.Bool("from-openslo", false, "read the OpenSLO v1 files given as arguments and write slo connector config")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (%s)", err, usage)
	}
	if *fromOpenSLO {
		return importOpenSLO(fs.Args(), *connectorID, out)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: files are read only with --from-openslo (%s)", fs.Args(), usage)
	}
	if *configPath == "" {
		return errors.New("--config is required (" + usage + ")")
	}
	if *format != "prometheus" && *format != "openslo" {
		return fmt.Errorf("--format %q must be prometheus or openslo", *format)
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
	var doc []byte
	if *format == "openslo" {
		doc, err = sloconnector.OpenSLODocuments(*source, all...)
	} else {
		doc, err = sloconnector.RulesDocument(all...)
	}
	if err != nil {
		return err
	}
	_, err = out.Write(doc)
	return err
}

const usage = "usage: slo-rules --config FILE [--connector ID] [--format prometheus|openslo [--openslo-source spans|prometheus]], or slo-rules --from-openslo [--connector ID] FILE..."

// importOpenSLO writes the SLOs of OpenSLO files as a config fragment for one slo connector,
// checked as the collector would check it.
func importOpenSLO(paths []string, id string, out io.Writer) error {
	if len(paths) == 0 {
		return errors.New("--from-openslo needs at least one file (" + usage + ")")
	}
	if id == "" {
		id = "slo"
	}
	var files []sloconnector.OpenSLOFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("openslo %s: %w", p, errors.Unwrap(err))
		}
		files = append(files, sloconnector.OpenSLOFile{Name: p, Data: b})
	}
	slos, err := sloconnector.FromOpenSLO(files...)
	if err != nil {
		return err
	}
	doc, err := sloconnector.SLOsConfig(id, slos)
	if err != nil {
		return err
	}
	if _, err := sloconf.Parse(doc, id); err != nil {
		return fmt.Errorf("the imported SLOs do not validate: %w", err)
	}
	_, err = out.Write(doc)
	return err
}

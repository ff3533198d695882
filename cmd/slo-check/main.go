// Command slo-check shows what each SLO of a collector config would count over a sample of
// spans, before the config is deployed: valid, good and bad events per SLO and service, with a
// warning for every condition that never matches. The sample is OTLP JSON: one TracesData
// document, or JSON lines as the file exporter writes them.
//
//	slo-check --config config/otelcol-sre.yaml --spans data/traces.jsonl
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-sre/otelcol-sre/cmd/internal/sloconf"
)

const usage = "usage: slo-check --config FILE --spans OTLP_JSON_FILE [--connector ID] [--strict]"

// errWarnings makes --strict exit non-zero when any SLO has a warning.
var errWarnings = errors.New("warnings found (--strict)")

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "slo-check: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("slo-check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "", "collector config file")
	spansPath := fs.String("spans", "", "OTLP JSON traces: one document, or JSON lines ('-' for stdin)")
	connectorID := fs.String("connector", "", "slo connector id (default: every slo connector)")
	strict := fs.Bool("strict", false, "exit 1 when any SLO has a warning")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (%s)", err, usage)
	}
	if *configPath == "" || *spansPath == "" {
		return errors.New("--config and --spans are required (" + usage + ")")
	}
	connectors, err := sloconf.Load(*configPath, *connectorID)
	if err != nil {
		return err
	}
	td, docs, err := readTraces(*spansPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d spans in %d OTLP documents from %s\n", td.SpanCount(), docs, *spansPath)
	warned := false
	for _, c := range connectors {
		rows, err := c.Config.DryRun(context.Background(), td)
		if err != nil {
			return fmt.Errorf("connectors::%s: %w", c.ID, err)
		}
		fmt.Fprintf(out, "\nconnector %s\n", c.ID)
		tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SLO\tSERVICE\tSPANS\tVALID\tGOOD\tBAD\tEXCLUDED\tOTTL ERRORS")
		var warnings []string
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%g\t%g\t%g\t%g\t%d\n", r.SLO, r.Service, r.Spans, r.Valid, r.Good, r.Bad, r.Excluded, r.OTTLErrors)
			for _, w := range r.Warnings() {
				warnings = append(warnings, fmt.Sprintf("  %s (service %q): %s", r.SLO, r.Service, w))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(warnings) > 0 {
			warned = true
			fmt.Fprintln(out, "warnings:")
			fmt.Fprintln(out, strings.Join(warnings, "\n"))
		}
	}
	if warned && *strict {
		return errWarnings
	}
	return nil
}

// readTraces decodes JSON lines when the first non-empty line is a whole document (the file
// exporter's format), else one (possibly pretty-printed) OTLP JSON document.
func readTraces(path string) (ptrace.Traces, int, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return ptrace.Traces{}, 0, fmt.Errorf("spans: %w", err)
	}
	var u ptrace.JSONUnmarshaler
	first, _, _ := bytes.Cut(bytes.TrimSpace(data), []byte("\n"))
	if _, err := u.UnmarshalTraces(first); err != nil {
		td, err := u.UnmarshalTraces(data)
		if err != nil {
			return ptrace.Traces{}, 0, fmt.Errorf("spans: %s is not OTLP JSON traces: %w", path, err)
		}
		return td, 1, nil
	}
	all := ptrace.NewTraces()
	docs := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		td, err := u.UnmarshalTraces(b)
		if err != nil {
			return ptrace.Traces{}, 0, fmt.Errorf("spans: %s line %d is not OTLP JSON traces: %w", path, line, err)
		}
		td.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
		docs++
	}
	if err := sc.Err(); err != nil {
		return ptrace.Traces{}, 0, fmt.Errorf("spans: %s: %w", path, err)
	}
	if docs == 0 {
		return ptrace.Traces{}, 0, fmt.Errorf("spans: %s holds no OTLP JSON traces", path)
	}
	return all, docs, nil
}

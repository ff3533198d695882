// Package pillarsexporter implements the `pillars` exporter: it aggregates spans, metrics and
// logs per service and serves Well-Architected pillar scores, DORA keys and an SRE maturity
// level, each explained by its inputs, as Prometheus metrics, an HTML scorecard and JSON.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package pillarsexporter

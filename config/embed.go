// Package config holds the shipped collector configurations. The default one is compiled into
// the otelcol-sre binary, which runs it when no --config is given.
package config

import _ "embed"

//go:embed otelcol-sre.yaml
var defaultYAML string

// DefaultURI is the embedded default config as a confmap URI for the yaml provider, so
// ${env:...} references in it resolve as they would in a file.
func DefaultURI() string { return "yaml:" + defaultYAML }

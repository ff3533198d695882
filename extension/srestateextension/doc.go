// Package srestateextension implements the `sre_state` extension: the SRE state one collector's
// components share. The slo connector publishes each series' alert state, burn rates, budget
// and incidents to it; sre_sampling raises a burning service's ratio from it, and pillars
// serves the incidents and reads them for DORA. Components find it through the host's
// extensions by the ID they name in their `state` setting.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package srestateextension

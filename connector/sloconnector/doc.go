// Package sloconnector implements the `slo` connector: it turns spans into exact SLO event
// counts, windows, error budgets, burn rates and alert state, emitted as metrics.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package sloconnector

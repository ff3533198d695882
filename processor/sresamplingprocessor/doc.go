// Package sresamplingprocessor implements the `sre_sampling` processor: tail sampling that
// keeps every error and slow trace at once, keeps an OTEP 235-consistent ratio of the others,
// and holds its buffer in a byte budget by deciding early instead of dropping.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package sresamplingprocessor

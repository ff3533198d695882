// Package admissionextension implements the `admission` extension: a gRPC and HTTP server
// middleware for receivers that bounds the export requests worked on at once and refuses the
// rest quickly with a retryable status, so an overloaded gateway pushes back instead of queueing
// work until its clients time out.
//
//go:generate go tool -modfile=../../internal/tools/go.mod mdatagen metadata.yaml
package admissionextension

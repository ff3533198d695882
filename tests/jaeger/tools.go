//go:build tools

// Package jaeger pins a real Jaeger v2 build for the integration tests.
// It is its own module so Jaeger's collector pins never touch the distribution's.
package jaeger

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"

//go:build tools

// Package helm pins Helm v3.22.0, which renders deploy/helm's values through the real
// opentelemetry-collector chart (vendored under chart/) in the Helm test. It is its own module so
// Helm's dependencies never touch the distribution's.
package helm

import _ "helm.sh/helm/v3/cmd/helm"

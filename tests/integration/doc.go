// Package integration runs the ocb-built otelcol-sre binary against real clients (the OTel Go
// SDK, telemetrygen) and real backends (Jaeger v2, Prometheus) on loopback. Loki and Tempo,
// which cannot run here, are replaced by stubs that decode the real OTLP wire format.
package integration

# otelcol-sre: a static binary on scratch, running as a non-root user. With no arguments it runs
# the embedded default config (config/otelcol-sre.yaml); the ENV below opens its listeners to the
# network, as a container needs. `--config /etc/otelcol-sre/gateway.yaml` runs the gateway.
FROM golang:1.26 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 make build && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/_build/otelcol-sre /otelcol-sre
# SLO tools from the same YAML: docker run --entrypoint /slo-rules IMAGE --config /etc/otelcol-sre/gateway.yaml
COPY --from=build /src/_build/slo-rules /src/_build/slo-check /
# The health check: asks health_check on HEALTH_CHECK_ENDPOINT (no shell or curl on scratch).
COPY --from=build /src/_build/healthprobe /healthprobe
COPY config/ /etc/otelcol-sre/
COPY --from=build --chown=10001:10001 /out/data /data
ENV OTLP_GRPC_ENDPOINT=0.0.0.0:4317 \
    OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    PROMETHEUS_EXPORTER_ENDPOINT=0.0.0.0:8889 \
    PILLARS_ENDPOINT=0.0.0.0:8890 \
    HEALTH_CHECK_ENDPOINT=0.0.0.0:13133 \
    OTELCOL_TELEMETRY_HOST=0.0.0.0 \
    OTELCOL_DATA_DIR=/data \
    OTELCOL_STATE_DIR=/data
USER 10001:10001
VOLUME /data
EXPOSE 4317 4318 8006 8888 8889 8890 13133
HEALTHCHECK --interval=15s --timeout=5s --retries=3 CMD ["/healthprobe"]
ENTRYPOINT ["/otelcol-sre"]

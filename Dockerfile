# otelcol-sre: a static binary on scratch, running as a non-root user with the default config.
# The default config listens on localhost; in a container the ENV below opens it to the network.
FROM golang:1.26 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 make build && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/_build/otelcol-sre /otelcol-sre
# SLO tools from the same YAML: docker run --entrypoint /slo-rules IMAGE --config /etc/otelcol-sre/gateway.yaml
COPY --from=build /src/_build/slo-rules /src/_build/slo-check /
COPY config/ /etc/otelcol-sre/
COPY --from=build --chown=10001:10001 /out/data /data
ENV OTLP_GRPC_ENDPOINT=0.0.0.0:4317 \
    OTLP_HTTP_ENDPOINT=0.0.0.0:4318 \
    PROMETHEUS_EXPORTER_ENDPOINT=0.0.0.0:8889 \
    HEALTH_CHECK_ENDPOINT=0.0.0.0:13133 \
    OTELCOL_TELEMETRY_HOST=0.0.0.0 \
    OTELCOL_DATA_DIR=/data
USER 10001:10001
EXPOSE 4317 4318 8889 13133
ENTRYPOINT ["/otelcol-sre"]
CMD ["--config", "/etc/otelcol-sre/otelcol-sre.yaml"]

# otelcol-sre: one Go module at the root, tools from internal/tools, ocb output in _build/.
SHELL := /bin/bash
GO    ?= go
TOOLS := $(GO) tool -modfile=$(CURDIR)/internal/tools/go.mod
BIN   := $(CURDIR)/_build/otelcol-sre
# The SLO tools and the container health probe ship beside the collector, so no Go toolchain is
# needed to use them.
SLO_TOOLS := $(CURDIR)/_build/slo-rules $(CURDIR)/_build/slo-check $(CURDIR)/_build/healthprobe
JAEGER_BIN := $(CURDIR)/bin/jaeger
TELEMETRYGEN_BIN := $(CURDIR)/bin/telemetrygen
SLOTH_BIN := $(CURDIR)/bin/sloth
HELM_BIN := $(CURDIR)/bin/helm
CONFIG ?=
GO_SOURCES := $(shell find . -name '*.go' -not -path './_build/*' -not -path './tests/jaeger/*' -not -path './tests/sloth/*' -not -path './tests/helm/*' 2>/dev/null)

.PHONY: all build run test unit-test integration-test generate check-generate lint validate-configs \
        check-versions components jaeger telemetrygen sloth helm bench fuzz mutate clean

all: build

build: $(BIN) $(SLO_TOOLS)

# ocb generates the sources, our main_others.go replaces its generated one (it adds the embedded
# default config, see cmd/otelcol-sre/main_others.go.in), then ocb compiles with its usual flags.
# scripts/ocb-generate.sh runs ocb's generate step (it explains the one module it lets tidy skip).
$(BIN): builder-config.yaml go.mod go.sum scripts/ocb-generate.sh $(GO_SOURCES) config/otelcol-sre.yaml cmd/otelcol-sre/main_others.go.in
	bash scripts/ocb-generate.sh
	cp cmd/otelcol-sre/main_others.go.in $(CURDIR)/_build/main_others.go
	$(TOOLS) builder --config builder-config.yaml --skip-generate --skip-get-modules
	@touch $(BIN)

$(CURDIR)/_build/slo-%: go.mod go.sum $(GO_SOURCES) | $(BIN)
	$(GO) build -o $@ ./cmd/slo-$*

# Static, for the scratch image.
$(CURDIR)/_build/healthprobe: cmd/healthprobe/main.go | $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o $@ ./cmd/healthprobe

# Without CONFIG the binary runs its embedded default (config/otelcol-sre.yaml compiled in).
run: build
	$(BIN) $(if $(CONFIG),--config $(CONFIG))

# Every test: the unit tests, the integration tests against the built binaries, then each
# consume-path fuzz target briefly. This is what CI runs.
test: check-versions check-generate lint unit-test integration-test validate-configs
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_TEST)

# The packages' own tests, no collector build (seconds to a couple of minutes; promtool, from
# Debian's prometheus package, checks the generated rules). Integration tests carry the
# `integration` build tag, so plain `go test ./...` is this too.
unit-test:
	$(GO) test -count=1 -timeout 15m ./...

# The black-box tests: the real collector binary over OTLP with Jaeger, Prometheus, telemetrygen
# and Chromium, and the generated rules against Sloth itself.
INTEGRATION_PKGS := ./tests/integration/ ./cmd/slo-rules/
integration-test: build jaeger telemetrygen sloth helm
	OTELCOL_SRE_BIN=$(BIN) JAEGER_BIN=$(JAEGER_BIN) TELEMETRYGEN_BIN=$(TELEMETRYGEN_BIN) SLOTH_BIN=$(SLOTH_BIN) HELM_BIN=$(HELM_BIN) \
		$(GO) test -tags integration -count=1 -timeout 40m $(INTEGRATION_PKGS)

# The consume paths of the three components, fed pdata built from fuzz bytes (internal/fuzzpdata).
# `make fuzz` runs each for FUZZTIME; `make test` for FUZZTIME_TEST. New crashers land in
# testdata/fuzz/ of the package and then run as regression cases in every `go test`.
FUZZ_TARGETS := ./connector/sloconnector:FuzzConsumeTraces ./processor/sresamplingprocessor:FuzzConsumeTraces \
                ./exporter/pillarsexporter:FuzzConsume
FUZZTIME ?= 5m
FUZZTIME_TEST ?= 15s
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; done

COMPONENT_DIRS := $(wildcard connector processor exporter extension)

# mdatagen's code and docs, then each component's config.schema.yaml from its Config's doc comments.
generate:
	$(GO) generate $(addsuffix /...,$(addprefix ./,$(COMPONENT_DIRS)))
	$(GO) run ./scripts/configschema

check-generate: generate
	@git diff --exit-code -- $(COMPONENT_DIRS) || { echo "generated code is stale: run make generate and commit"; exit 1; }

# vet (integration files included), gofmt, and the one import rule: the shared packages under
# internal/ never import a component, so a component can always be changed without them.
lint:
	$(GO) vet -tags integration ./...
	@bad="$$($(GO) list -f '{{.ImportPath}}: {{join .Imports " "}}' ./internal/... | grep -E 'otelcol-sre/(connector|processor|exporter|extension)/' || true)"; \
	if [ -n "$$bad" ]; then echo "internal/ packages import a component:"; echo "$$bad"; exit 1; fi
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

validate-configs: build
	@set -e; for f in config/*.yaml; do echo "validate $$f"; $(BIN) validate --config $$f; done

# Fails when go.mod mixes collector releases: core must be v0.161.0 / v1.67.0, contrib v0.161.0.
check-versions:
	@bash scripts/check-versions.sh go.mod builder-config.yaml

components: build
	$(BIN) components

jaeger: $(JAEGER_BIN)

# A real Jaeger v2 (v1.76.0 module == Jaeger v2.13.0), built in its own module so its pins stay apart.
$(JAEGER_BIN): tests/jaeger/go.mod tests/jaeger/go.sum
	@mkdir -p bin
	cd tests/jaeger && $(GO) build -o $(JAEGER_BIN) github.com/jaegertracing/jaeger/cmd/jaeger

sloth: $(SLOTH_BIN)

# Sloth v0.16.0 itself, whose generated rules the slo rules are compared with (cmd/slo-rules).
$(SLOTH_BIN): tests/sloth/go.mod tests/sloth/go.sum
	@mkdir -p bin
	cd tests/sloth && $(GO) build -o $(SLOTH_BIN) github.com/slok/sloth/cmd/sloth

helm: $(HELM_BIN)

# Helm v3.22.0, which renders deploy/helm's values through the vendored chart (tests/helm/chart).
$(HELM_BIN): tests/helm/go.mod tests/helm/go.sum
	@mkdir -p $(CURDIR)/bin
	cd tests/helm && $(GO) build -o $(HELM_BIN) helm.sh/helm/v3/cmd/helm

telemetrygen: $(TELEMETRYGEN_BIN)

$(TELEMETRYGEN_BIN): internal/tools/go.mod internal/tools/go.sum
	@mkdir -p bin
	$(GO) build -modfile=internal/tools/go.mod -o $(TELEMETRYGEN_BIN) github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen

# The gateway benchmark: passthrough, contrib (span_metrics + tail_sampling) and ours on the same
# binary, one after another in one sitting (about 2.5 minutes). Not part of `make test`: it measures.
bench: build
	$(GO) run ./tests/bench -bin $(BIN) $(BENCH_FLAGS)

# Mutation testing of the pure decision and scoring packages with gremlins v0.6.0 (about 6 minutes on 2
# cores). Prints each package's test efficacy (killed / (killed + lived)); fails below MUTATE_MIN.
GREMLINS := $(shell $(GO) env GOPATH)/bin/gremlins
MUTATE_PKGS ?= ./processor/sresamplingprocessor/internal/decide ./processor/sresamplingprocessor/internal/policy \
               ./exporter/pillarsexporter/internal/score ./internal/incident ./internal/srestate ./internal/deploy ./internal/stats \
               ./internal/memo ./internal/adjusted ./internal/ottlcond ./internal/sharedcomponent ./internal/label ./internal/memlimit \
               ./internal/console ./connector/sloconnector/internal/trend ./connector/sloconnector/internal/window \
               ./connector/sloconnector/internal/maintenance ./exporter/pillarsexporter/internal/standards
MUTATE_MIN ?= 85
mutate:
	@test -x $(GREMLINS) || $(GO) install github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
	@set -e; for pkg in $(MUTATE_PKGS); do \
		out=$$($(GREMLINS) unleash --workers 2 --timeout-coefficient 30 --threshold-efficacy $(MUTATE_MIN) $$pkg 2>&1) || { echo "$$out"; exit 1; }; \
		echo "$$out" | grep -E 'LIVED' || true; \
		echo "mutate $$pkg: $$(echo "$$out" | grep -E 'Killed|Test efficacy' | tr '\n' ' ')"; done

clean:
	rm -rf _build bin data

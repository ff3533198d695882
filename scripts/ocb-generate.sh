#!/usr/bin/env bash
# Generates the ocb sources in _build/ and resolves their modules.
# ocb's `go mod tidy` also resolves the imports of the components' own tests. k8sattributes' tests
# import pkg/semconvtest v0.161.0, which the module proxy here refuses, and no code in the binary
# needs it. So when ocb's tidy fails on that module alone, we tidy again with -e; any other failure
# stops the build. The resolved _build/go.mod must then pass check-versions (one collector release),
# which is the check ocb's strict versioning would have made, and the compile proves nothing the
# binary needs is missing.
set -euo pipefail
allowed='opentelemetry-collector-contrib/pkg/semconvtest@v0.161.0'
tools=(go tool -modfile="$PWD/internal/tools/go.mod")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${tools[@]}" builder --config builder-config.yaml --skip-compilation >"$log" 2>&1; then
  refused=$(grep -oE '[^ ]+@v[^ :]+: reading https?://[^ ]+' "$log" | grep -v "$allowed" || true)
  if [ -n "$refused" ] || ! grep -q "$allowed" "$log"; then
    cat "$log"; echo "ocb-generate: go mod tidy failed on more than $allowed"; exit 1
  fi
  echo "ocb-generate: only $allowed (a test-only import) is refused; tidying with -e"
  (cd _build && go mod tidy -e -compat=1.25 2>/dev/null && go mod download)
fi
bash scripts/check-versions.sh _build/go.mod

#!/usr/bin/env bash
# Fails when a collector module in the given files is not from the pinned release:
# core v0.161.0 (stable modules v1.67.0), contrib v0.161.0 (its stable modules, which that release
# tags v1.0.0, are listed by name in contrib_stable).
set -euo pipefail
core_re='go\.opentelemetry\.io/collector[/a-z0-9._-]*'
contrib_re='github\.com/open-telemetry/opentelemetry-collector-contrib[/a-z0-9._-]*'
contrib_stable=' processor/k8sattributesprocessor '
bad=0
for f in "$@"; do
  while read -r mod ver; do
    case "$ver" in v0.161.0|v1.67.0) ;; *) echo "$f: $mod $ver is not core v0.161.0/v1.67.0"; bad=1;; esac
  done < <(grep -oE "${core_re}[[:space:]]+v[0-9][^[:space:]]*" "$f" || true)
  while read -r mod ver; do
    short=${mod#github.com/open-telemetry/opentelemetry-collector-contrib/}
    want=v0.161.0
    case "$contrib_stable" in *" $short "*) want=v1.0.0;; esac
    [ "$ver" = "$want" ] || { echo "$f: $mod $ver is not contrib v0.161.0 ($want)"; bad=1; }
  done < <(grep -oE "${contrib_re}[[:space:]]+v[0-9][^[:space:]]*" "$f" || true)
done
if [ "$bad" -ne 0 ]; then echo "check-versions: mixed collector releases"; exit 1; fi
echo "check-versions: $* use one collector release (v0.161.0 / v1.67.0)"

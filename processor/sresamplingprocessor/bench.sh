#!/usr/bin/env bash
# The README's benchmark table: sre_sampling against contrib tail_sampling v0.161.0, same
# workload, same process, same machine. Run from this directory.
set -euo pipefail
go test -run xxx -bench 'Ingest' -benchtime 200x -count 3 .
go test -run xxx -bench 'BufferedHeap' -benchtime 1x -count 3 .
go test -run xxx -bench 'ErrorDecisionLatency' -benchtime 5x -count 1 .

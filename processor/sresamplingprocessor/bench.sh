#!/usr/bin/env bash
# The README's benchmark tables: sre_sampling against contrib tail_sampling v0.161.0 (default and
# span-ingest modes), same workload, same process, same machine. Run from this directory.
set -euo pipefail
go test -run xxx -bench 'EndToEnd' -benchtime 3x -count 2 .
go test -run xxx -bench 'BufferedHeap' -benchtime 1x -count 2 .
go test -run xxx -bench 'ErrorDecisionLatency' -benchtime 5x -count 1 .
go test -run xxx -bench 'ParallelIngest' -benchtime 3000x -cpu 1,2 -count 3 .

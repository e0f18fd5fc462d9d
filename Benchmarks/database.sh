#!/usr/bin/env bash
# Storage benchmark: page reads at 1,000,000 posts and group-commit write throughput.
# Usage: Benchmarks/database.sh [--posts N] [--samples N] [--writers N] [--seconds S] [--data DIR]
# The seeded database is kept in Benchmarks/out/read-N/ and reused by later runs (delete it to
# re-seed); results are written to Benchmarks/out/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --scratch-path .build-db --product DatabaseBenchmark
mkdir -p Benchmarks/out
exec .build-db/release/DatabaseBenchmark --data Benchmarks/out "$@"

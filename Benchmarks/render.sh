#!/usr/bin/env bash
# Template rendering benchmark: a thread page with 20 posts (~1 KB each) in the site's layout,
# rendered by our compiled Mustache renderer in a release build.
#   bash Benchmarks/render.sh [iterations]     (default 20000 per row)
# Prints p50/p99 wall time and CPU time per render, and the page size. Budget (issue 5): 100 µs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scratch=${SCRATCH:-.build-bench}
swift build -c release --scratch-path "$scratch" --product RenderBenchmark >&2
"$scratch/release/RenderBenchmark" "${1:-20000}"

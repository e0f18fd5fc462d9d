#!/usr/bin/env bash
# Search and live-update benchmark (issue 8) at 1,000,000 posts.
# Usage: Benchmarks/search.sh [--posts N] [--samples N] [--streams N] [--seconds S]
# Seeds Benchmarks/out/search-N/ once with `mutuals demo --scale N` (reused by later runs; delete
# it to re-seed), serves it with the release `mutuals serve --no-tls` on 127.0.0.1, then:
#  1. search latency over HTTP (request to last byte, keep-alive, one client, rendering included)
#     for common words, rare words, phrases and prefixes: p50/p99/max per class;
#  2. wrk on the home page and a thread page, first alone, then while a client holds N open SSE streams
#     (/t/ID/live): requests/s and p50/p99 both ways. All streams come from 127.0.0.1, so the
#     server is started with `--streams-per-address` above N (the default cap is 32 per address).
# Prints a Markdown table (also written to Benchmarks/out/search-results.md).
set -euo pipefail
cd "$(dirname "$0")/.."
POSTS=1000000
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --posts) POSTS="$2"; ARGS+=("$1" "$2"); shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
command -v wrk >/dev/null || { echo "search.sh needs wrk (Debian: apt-get install -y wrk)" >&2; exit 1; }
swift build -c release --scratch-path .build-search-release --product mutuals >/dev/null
bin=.build-search-release/release/mutuals
data="Benchmarks/out/search-$POSTS"
if [ ! -f "$data/.seeded" ]; then
  rm -rf "$data"; mkdir -p "$data"
  "$bin" demo --data "$data" --scale "$POSTS" >/dev/null
  touch "$data/.seeded"
fi
ulimit -n 65536 2>/dev/null || true
exec python3 Benchmarks/search_bench.py --bin "$bin" --data "$data" "${ARGS[@]}"

#!/usr/bin/env bash
# A/B of two release builds on one row of pages.sh, both servers up at once on CPU 0 (ports
# 18943 and 18944), wrk on CPU 1, alternating short runs: each build's median CPU a request,
# requests a second and p99, and the difference within pairs (Benchmarks/ab_bench.py).
#
#   bash Benchmarks/ab.sh BIN_A BIN_B [thread|thread-gzip|random|home|topic|search]
#   PAIRS=12 SECONDS_A_RUN=3 bash Benchmarks/ab.sh old/mutuals new/mutuals thread
#   SERVE_ARGS_A="--reader-mmap-mb 1024" bash Benchmarks/ab.sh bin bin search   # one build, two settings
#
# Runs on two copies of the files pages.sh seeded, one for each build (Benchmarks/out/pages-N-ab-a
# and -ab-b; run pages.sh once first).
# `thread` is pages.sh's signed-in "the same 200 pages" (the same SEED), `thread-gzip` the same
# asked with `Accept-Encoding: gzip`, `random` its 5,000.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,13p' "$0"; exit 2; }
POSTS=${POSTS:-1000000}
seeded="Benchmarks/out/pages-$POSTS"
[ -f "$seeded/.seeded" ] || { echo "no seeded files in $seeded: run Benchmarks/pages.sh once first" >&2; exit 1; }
# A copy for each build: two servers on one database file are each other's "other process", and
# the one that started second ran 6-14 µs a request dearer on the same build.
rm -rf "$seeded-ab" "$seeded-ab-a" "$seeded-ab-b"
cp -a "$seeded" "$seeded-ab-a"
cp -a "$seeded" "$seeded-ab-b"
ulimit -n 65536 2>/dev/null || true
exec python3 Benchmarks/ab_bench.py --a "$1" --b "$2" --row "${3:-thread}" --data "$seeded-ab-a" --data-b "$seeded-ab-b" \
  --pairs "${PAIRS:-8}" --seconds "${SECONDS_A_RUN:-3}"

#!/usr/bin/env bash
# Instructions one signed-in thread page costs in the process (Benchmarks/RenderBenchmark row 5:
# the router, the session, every query, the render and the Response; not TLS or the sockets),
# counted by valgrind's callgrind. Unlike CPU time, the count does not move when other work
# shares the machine, so two builds can be compared one after the other.
#   bash Benchmarks/page_instructions.sh [DATA_DIR]
#   BIN=/path/to/RenderBenchmark bash Benchmarks/page_instructions.sh   # another build, for A/B
#   RENDER_PATH=/ bash Benchmarks/page_instructions.sh                   # another page (home, a topic)
# DATA_DIR defaults to Benchmarks/out/pages-1000000 (seeded by Benchmarks/pages.sh); it is copied
# to a temporary directory first. Runs of 200 and 400 measured pages (each after as many
# warm-up pages) are counted, and the difference divided by the 400 extra pages, so start-up,
# opening the store and choosing the thread cancel out. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
scratch=${SCRATCH:-.build-pages-release}
data=${1:-Benchmarks/out/pages-1000000}
if [ -z "${BIN:-}" ]; then
  swift build -c release --scratch-path "$scratch" --product RenderBenchmark >&2
fi
bin=${BIN:-$scratch/release/RenderBenchmark}
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp "$data"/mutuals.sqlite3* "$copy"/
# Once outside the count: a copy seeded by an older build is migrated when first opened, and that
# one-time work (billions of instructions) would land in the first count only.
RENDER_STORE="$copy" "$bin" 1 5 >/dev/null
count() {
  RENDER_STORE="$copy" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" 5 2>&1 >/dev/null \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
small=$(count 200)
large=$(count 400)
echo "signed in, ${RENDER_PATH:-the thread page}: $(( (large - small) / 400 )) instructions a page (RenderBenchmark row 5, callgrind)"

#!/usr/bin/env bash
# CPU time of one search (issue 14's target: at most 2 ms for a common word at 1M posts), for
# the 15 queries of Benchmarks/pages_bench.py's search row, through SearchQueries.search as the
# search page runs it (SQL, ranking, privacy, highlighting; not the HTML), as a signed-in member.
#   bash Benchmarks/search_cpu.sh [DATA_DIR] [runs]
#   INSTRUCTIONS=1 bash Benchmarks/search_cpu.sh [DATA_DIR]   # instructions a search (valgrind)
# DATA_DIR defaults to Benchmarks/out/pages-1000000 (seeded by Benchmarks/pages.sh). The
# benchmark only reads, but opening a database may checkpoint its WAL: point it at a copy of a
# database you care about. It measures the searching thread's CPU time, which other work on a
# shared machine still inflates (caches, hyperthreads); the instruction counts do not move.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scratch=${SCRATCH:-.build-release}
data=${1:-Benchmarks/out/pages-1000000}
swift build -c release --scratch-path "$scratch" --product SearchBenchmark >&2
bin="$scratch/release/SearchBenchmark"
if [ "${INSTRUCTIONS:-0}" = 1 ]; then
  command -v valgrind >/dev/null || { echo "INSTRUCTIONS=1 needs valgrind (Debian: apt-get install -y valgrind)" >&2; exit 1; }
  # Instructions of 6 runs minus 1 run, over 5: the start-up and the warming run cancel out.
  count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --data "$data" --runs "$2" --query "$1" 2>&1 >/dev/null \
              | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  echo "| query | million instructions a search |"
  echo "|---|---:|"
  for query in pension governance staff board contract commissioning the members '"staff council"' '"pension scheme"' \
               'commiss*' 'govern*' zebra tupe 'spin*'; do
    one=$(count "$query" 1); six=$(count "$query" 6)
    echo "| \`$query\` | $(awk -v a="$one" -v b="$six" 'BEGIN { printf "%.1f", (b - a) / 5 / 1e6 }') |"
  done
else
  "$bin" --data "$data" --runs "${2:-30}"
fi

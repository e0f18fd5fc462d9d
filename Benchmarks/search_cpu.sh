#!/usr/bin/env bash
# CPU time of one search (issue 14's target: at most 2 ms for a common word at 1M posts), for
# the 15 queries of Benchmarks/pages_bench.py's search row, through SearchQueries.search as the
# search page runs it (SQL, ranking, privacy, highlighting; not the HTML), as a signed-in member.
#   bash Benchmarks/search_cpu.sh [DATA_DIR] [runs]
#   INSTRUCTIONS=1 bash Benchmarks/search_cpu.sh [DATA_DIR]   # instructions a search (valgrind)
#   PAGE=1 bash Benchmarks/search_cpu.sh [DATA_DIR]           # instructions of the whole search page
# PAGE=1 counts `GET /search?q=QUERY` for a signed-in member (sam_okafor) through the site's router
# (Benchmarks/RenderBenchmark row 6: the session, the people and posts searches, the highlighting
# and the HTML), under valgrind. It signs in (a session row is written): use a copy.
# DATA_DIR defaults to Benchmarks/out/pages-1000000 (seeded by Benchmarks/pages.sh). The
# benchmark only reads, but opening a database may checkpoint its WAL: point it at a copy of a
# database you care about. It measures the searching thread's CPU time, which other work on a
# shared machine still inflates (caches, hyperthreads); the instruction counts do not move.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scratch=${SCRATCH:-.build-release}
data=${1:-Benchmarks/out/pages-1000000}
queries=(pension governance staff board contract commissioning the members '"staff council"' '"pension scheme"'
         'commiss*' 'govern*' zebra tupe 'spin*')
if [ "${PAGE:-0}" = 1 ]; then
  command -v valgrind >/dev/null || { echo "PAGE=1 needs valgrind (Debian: apt-get install -y valgrind)" >&2; exit 1; }
  swift build -c release --scratch-path "$scratch" --product RenderBenchmark >&2
  # Row 6 serves the page N times to warm up, then N times measured: 12 pages minus 2, over 10.
  count() { RENDER_STORE="$data" SEARCH_QUERY="$1" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
              "$scratch/release/RenderBenchmark" "$2" 6 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  echo "| query | million instructions a search page |"
  echo "|---|---:|"
  for query in "${queries[@]}"; do
    one=$(count "$query" 1); six=$(count "$query" 6)
    echo "| \`$query\` | $(awk -v a="$one" -v b="$six" 'BEGIN { printf "%.2f", (b - a) / 10 / 1e6 }') |"
  done
  exit 0
fi
swift build -c release --scratch-path "$scratch" --product SearchBenchmark >&2
bin="$scratch/release/SearchBenchmark"
if [ "${INSTRUCTIONS:-0}" = 1 ]; then
  command -v valgrind >/dev/null || { echo "INSTRUCTIONS=1 needs valgrind (Debian: apt-get install -y valgrind)" >&2; exit 1; }
  # Instructions of 6 runs minus 1 run, over 5: the start-up and the warming run cancel out.
  count() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --data "$data" --runs "$2" --query "$1" 2>&1 >/dev/null \
              | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
  echo "| query | million instructions a search |"
  echo "|---|---:|"
  for query in "${queries[@]}"; do
    one=$(count "$query" 1); six=$(count "$query" 6)
    echo "| \`$query\` | $(awk -v a="$one" -v b="$six" 'BEGIN { printf "%.2f", (b - a) / 5 / 1e6 }') |"
  done
else
  "$bin" --data "$data" --runs "${2:-30}"
fi

#!/usr/bin/env bash
# Coverage-guided fuzzing of the HTTP request parser with libFuzzer.
#   bash Benchmarks/fuzz.sh [seconds]    (default 60)
# The seeded 100,000-input fuzz test in Tests/HTTPServerTests/FuzzTests.swift runs in CI; this
# is the deeper, open-ended search, run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out/corpus"
src=Sources/HTTPServer
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name HTTPServer \
  "$src/HTTPTypes.swift" "$src/URLEncoding.swift" "$src/Limits.swift" "$src/RequestParser.swift" \
  "$src/ConnectionState.swift" Benchmarks/Fuzz/main.swift -o "$out/fuzz-parser"
printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' > "$out/corpus/get"
printf 'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nT: 1\r\n\r\n' > "$out/corpus/chunked"
printf 'POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: x\r\n\r\n' > "$out/corpus/pipelined"
"$out/fuzz-parser" -max_total_time="$seconds" -max_len=4096 "$out/corpus"

#!/usr/bin/env bash
# HTTP benchmark: our server against nginx, same machine, same bytes, same certificate.
#
#   bash Benchmarks/http.sh            # 10 s per row (the README's table)
#   DURATION=5s bash Benchmarks/http.sh
#
# Release build; each server pinned to CPU 0 with taskset, wrk pinned to CPU 1; 64 keep-alive
# connections; a 13-byte and a 20 KB response over HTTP and HTTPS; then TLS with a new
# connection per request (full handshakes). Prints req/s, p50, p99 and server RSS for both,
# and our ratio to nginx. Needs: wrk, nginx (apt-get install wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
OURS_HTTP=18180; OURS_HTTPS=18543; NGINX_HTTP=18280; NGINX_HTTPS=18643

for tool in wrk nginx taskset; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y wrk nginx-light util-linux" >&2; exit 1; }
done

work=$(mktemp -d /tmp/mutuals-bench.XXXXXX)
cleanup() {
  [ -n "${ours_pid:-}" ] && kill "$ours_pid" 2>/dev/null || true
  [ -n "${nginx_pid:-}" ] && kill "$nginx_pid" 2>/dev/null || true
  [ -n "${ours_plain_pid:-}" ] && kill "$ours_plain_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

swift build -c release --product mutuals >/dev/null
bin=$(swift build -c release --show-bin-path)/mutuals

mkdir -p "$work/public/static" "$work/data" "$work/templates"
printf 'Hello, world!' > "$work/public/small.txt"                       # 13 bytes
head -c 20480 /dev/urandom | base64 -w 100 | head -c 20480 > "$work/public/large.txt"  # 20 KB
cp "$work/public/small.txt" "$work/public/large.txt" "$work/public/static/"
cp -r Templates/. "$work/templates/"

# One certificate for both servers.
"$bin" serve --data "$work/data" --port 0 --http-port 0 --public "$work/public" --templates "$work/templates" --access-log off \
  > "$work/cert.log" 2>&1 &
certgen=$!
for _ in $(seq 50); do [ -f "$work/data/tls/dev-cert.pem" ] && grep -q serving "$work/cert.log" && break; sleep 0.1; done
kill "$certgen"; wait "$certgen" 2>/dev/null || true
cert="$work/data/tls/dev-cert.pem"; key="$work/data/tls/dev-key.pem"

cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log $work/nginx-access.log combined buffer=64k flush=1s;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  default_type application/octet-stream;
  types { text/plain txt; }
  ssl_certificate $cert;
  ssl_certificate_key $key;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_tickets on;
  ssl_session_cache shared:SSL:10m;
  server {
    listen 127.0.0.1:$NGINX_HTTP;
    listen 127.0.0.1:$NGINX_HTTPS ssl;
    root $work/public;
  }
}
NGINX

start_ours() {
  taskset -c "$SERVER_CPU" "$bin" serve --data "$work/data" --host 127.0.0.1 --port "$OURS_HTTPS" --http-port 0 \
    --tls-cert "$cert" --tls-key "$key" --public "$work/public" --templates "$work/templates" \
    --access-log "$work/ours-access.log" > "$work/ours.log" 2>&1 &
  ours_pid=$!
  taskset -c "$SERVER_CPU" "$bin" serve --data "$work/data" --host 127.0.0.1 --port "$OURS_HTTP" --no-tls \
    --public "$work/public" --templates "$work/templates" --access-log "$work/ours-access-plain.log" > "$work/ours-plain.log" 2>&1 &
  ours_plain_pid=$!
  for _ in $(seq 100); do grep -q serving "$work/ours.log" 2>/dev/null && grep -q serving "$work/ours-plain.log" 2>/dev/null && break; sleep 0.1; done
}
start_nginx() {
  taskset -c "$SERVER_CPU" nginx -c "$work/nginx.conf" -g 'daemon off; master_process off;' &
  nginx_pid=$!
  sleep 0.5
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# run NAME URL PID [extra wrk args] → "req/s p50 p99 rss"
run() {
  local url=$1 pid=$2; shift 2
  local out
  out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "warning: non-2xx responses for $url" >&2; fi
  echo "$rps $p50 $p99 $(rss_kb "$pid")"
}

to_ms() {  # wrk prints 1.23ms / 456.00us / 1.02s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms/,"",v); print v+0 } else if (v ~ /s$/) { sub(/s/,"",v); print v*1000 } else print v }'
}

rows=(
  "HTTP 13 B|http://127.0.0.1:PLAIN/small.txt|"
  "HTTP 20 KB|http://127.0.0.1:PLAIN/large.txt|"
  "HTTPS 13 B|https://127.0.0.1:TLS/small.txt|"
  "HTTPS 20 KB|https://127.0.0.1:TLS/large.txt|"
  "HTTPS new connection per request|https://127.0.0.1:TLS/small.txt|close"
)

start_ours
start_nginx
declare -A ours nginx
for row in "${rows[@]}"; do
  IFS='|' read -r name template mode <<<"$row"
  extra=()
  [ "$mode" = close ] && extra=(-H "Connection: close")
  ours_url=${template/PLAIN/$OURS_HTTP}; ours_url=${ours_url/TLS/$OURS_HTTPS}; ours_url=${ours_url/small.txt/static\/small.txt}; ours_url=${ours_url/large.txt/static\/large.txt}
  nginx_url=${template/PLAIN/$NGINX_HTTP}; nginx_url=${nginx_url/TLS/$NGINX_HTTPS}
  pid=$ours_pid; [[ $template == http://* ]] && pid=$ours_plain_pid
  ours[$name]=$(run "$ours_url" "$pid" "${extra[@]}")
  nginx[$name]=$(run "$nginx_url" "$nginx_pid" "${extra[@]}")
done

printf '\n%s, %s per row, %s connections, server on CPU %s, wrk on CPU %s\n\n' "$(date -u +%Y-%m-%d)" "$DURATION" "$CONNECTIONS" "$SERVER_CPU" "$CLIENT_CPU"
printf '| row | mutuals req/s | p50 ms | p99 ms | RSS MB | nginx req/s | p50 ms | p99 ms | RSS MB | req/s ratio | p99 ratio |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for row in "${rows[@]}"; do
  IFS='|' read -r name _ _ <<<"$row"
  read -r ors op50 op99 orss <<<"${ours[$name]}"
  read -r nrs np50 np99 nrss <<<"${nginx[$name]}"
  op50=$(to_ms "$op50"); op99=$(to_ms "$op99"); np50=$(to_ms "$np50"); np99=$(to_ms "$np99")
  awk -v n="$name" -v a="$ors" -v b="$op50" -v c="$op99" -v d="$orss" -v e="$nrs" -v f="$np50" -v g="$np99" -v h="$nrss" \
    'BEGIN { printf "| %s | %.0f | %.2f | %.2f | %.1f | %.0f | %.2f | %.2f | %.1f | %.2f× | %.2f× |\n", n, a, b, c, d/1024, e, f, g, h/1024, a/e, c/g }'
done

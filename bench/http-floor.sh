#!/usr/bin/env bash
# The HTTP floor of one issuance on this machine: what its requests alone cost a server that does
# nothing else. nginx (Debian), one worker pinned to CPU 0, answers wrk (CPU 1) with a 700-byte file:
#   keep-alive    HTTPS (TLS 1.3, P-256 certificate) POSTs of a 600-byte body at concurrency C: what
#                 each of an issuance's signed POSTs costs the server before any ACME work;
#   new conn.     plain HTTP with a new connection per request (Connection: close) at C: about what
#                 an http-01 validation fetch costs the CA (a TCP set-up, one request, a tear-down).
# floor per issuance = POSTS x keep-alive + 1 x new connection (in CPU-0 microseconds: 1e6 / rate,
# nginx keeping CPU 0 busy). Added to bench/crypto-floor.sh's signature cost, it bounds what any
# HTTPS ACME server could reach on one core here.
#
#   bench/http-floor.sh [POSTS]        # default 6 (acme-load's signed POSTs per issuance)
#   C=16 DURATION=5 bench/http-floor.sh
# The last line is machine-readable: http_floor_us=... keepalive_us=... newconn_us=...
set -euo pipefail
POSTS="${1:-6}"
C="${C:-16}"
DURATION="${DURATION:-5}"
for t in nginx wrk openssl taskset curl python3; do
  command -v "$t" >/dev/null || { echo "http-floor: needs $t (apt-get install nginx wrk)" >&2; exit 2; }
done
W="$(mktemp -d /var/tmp/http-floor.XXXXXX)"
NGINX_PID=""
cleanup() {
  [[ -n "$NGINX_PID" ]] && kill "$NGINX_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
TLS_PORT=$(free_port) PLAIN_PORT=$(free_port)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/key.pem" -out "$W/cert.pem" \
  -subj /CN=127.0.0.1 -days 1 2>/dev/null
mkdir -p "$W/www" "$W/tmp"
head -c 700 /dev/urandom >"$W/www/r"
# A POST to a static file is a 405 in nginx; error_page turns it into the file with 200.
# The user namespace maps only our own user (as root): no chown to "nobody" (as bench/ocsp_bench.sh).
cat >"$W/nginx.conf" <<CONF
user root root;
worker_processes 1;
daemon off;
pid $W/nginx.pid;
error_log $W/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $W/tmp;
  server {
    listen 127.0.0.1:$TLS_PORT ssl;
    listen 127.0.0.1:$PLAIN_PORT;
    ssl_certificate $W/cert.pem;
    ssl_certificate_key $W/key.pem;
    ssl_protocols TLSv1.3;
    root $W/www;
    location / { error_page 405 =200 \$uri; }
  }
}
CONF
cat >"$W/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("a", 600)
wrk.headers["Content-Type"] = "application/jose+json"
LUA
cat >"$W/close.lua" <<'LUA'
wrk.headers["Connection"] = "close"
LUA
taskset -c 0 nginx -p "$W" -c "$W/nginx.conf" -e "$W/error.log" >"$W/nginx.log" 2>&1 &
NGINX_PID=$!
for _ in $(seq 100); do
  [[ "$(curl -sk -d x "https://127.0.0.1:$TLS_PORT/r" | wc -c)" == 700 ]] && break
  sleep 0.1
done
[[ "$(curl -sk -d x "https://127.0.0.1:$TLS_PORT/r" | wc -c)" == 700 ]] || { cat "$W/nginx.log" "$W/error.log" >&2; exit 1; }

# rate URL LUA -> requests/s (fails on any non-2xx answer or socket error)
rate() {
  local out
  out="$(taskset -c 1 wrk -t1 -c"$C" -d"${DURATION}s" -s "$2" "$1")"
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "http-floor: wrk saw errors: $out" >&2; exit 1; fi
  sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out"
}
KA=$(rate "https://127.0.0.1:$TLS_PORT/r" "$W/post.lua")
NC=$(rate "http://127.0.0.1:$PLAIN_PORT/r" "$W/close.lua")
awk -v ka="$KA" -v nc="$NC" -v posts="$POSTS" -v c="$C" 'BEGIN {
  ka_us = 1e6 / ka; nc_us = 1e6 / nc; floor = posts * ka_us + nc_us
  printf "nginx on CPU 0, wrk on CPU 1, c=%s: HTTPS keep-alive POST %.0f/s (%.1f us each), new connection per request %.0f/s (%.1f us)\n", c, ka, ka_us, nc, nc_us
  printf "per issuance: %g POSTs x %.1f us + 1 validation connection x %.1f us = %.0f us\n", posts, ka_us, nc_us, floor
  printf "http_floor_us=%.0f keepalive_us=%.1f newconn_us=%.1f\n", floor, ka_us, nc_us
}'

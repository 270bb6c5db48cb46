#!/usr/bin/env bash
# OCSP benchmark, one run: attestca's responder against OpenSSL's own (`openssl ocsp -index ...
# -port`) over the same N issued certificates (default 10,000), and against nginx serving a static
# 720-byte file (the HTTP floor). Each server runs pinned to CPU 0 (`taskset -c 0`), the load
# generator to CPU 1. Prints responses/s and p50/p99 latency per server and concurrency, the
# ratios against the issue's targets, and attestca's RSS. Not a test: nothing is asserted beyond
# every answer being a successful OCSPResponse (nginx: HTTP 200).
#
#   bench/ocsp_bench.sh [BUILD_DIR]        # default build-bench (Release: see bench/README.md)
#   N=10000 DURATION=10 KEEP=0 bench/ocsp_bench.sh
#   DATA=/tmp/ocsp-bench.XXXXXX bench/ocsp_bench.sh   # reuse the data of a KEEP=1 run (same N)
#
# Runs (C = concurrency = connections):
#   keep-alive        wrk -t1 (bench/ocsp_wrk.lua POSTs the DER requests) against attestca and nginx
#                     (GET of the static file), C = 1 and 64.
#   new connection    the same with Connection: close, C = 64, against attestca and nginx; and
#   per request       bench/ocsp_load (C threads, one request per connection) against attestca
#                     (Connection: close) and `openssl ocsp` (which closes after every answer
#                     anyway), C = 1 and 64. wrk cannot drive `openssl ocsp`: that responder spins
#                     on a connection closed without a request.
# It runs inside a private network namespace (unshare -rn): `openssl ocsp -port` binds every
# interface, and fixed ports cannot then clash with anything else on the machine.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "${1:-$SRC/build-bench}" && pwd)"
N="${N:-10000}"
DURATION="${DURATION:-10}"
if [[ -z "${OCSP_BENCH_IN_NETNS:-}" ]]; then
  exec env OCSP_BENCH_IN_NETNS=1 unshare -rn "$0" "$BUILD"
fi
ip link set lo up

ATTESTCA="$BUILD/attestca"
SETUP="$BUILD/bench/ocsp_bench_setup"
LOAD="$BUILD/bench/ocsp_load"
LUA="$SRC/bench/ocsp_wrk.lua"
for b in "$ATTESTCA" "$SETUP" "$LOAD"; do [[ -x "$b" ]] || { echo "missing $b (build it first)" >&2; exit 2; }; done
for t in wrk nginx openssl taskset; do
  command -v "$t" >/dev/null || { echo "missing $t (apt-get install wrk nginx-light openssl util-linux)" >&2; exit 2; }
done
SERVER_CPU=0
LOAD_CPU=1
if [[ -n "${DATA:-}" ]]; then W="$DATA"; KEEP=1; else W="$(mktemp -d /tmp/ocsp-bench.XXXXXX)"; fi
PIDS=()
# The work folder goes too, unless KEEP=1 (it holds the CA keys and a 50 MB database for N=10,000).
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ "${KEEP:-0}" == 1 ]] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
ATTESTCA_PORT=8080
OPENSSL_PORT=8081
NGINX_PORT=8082

if [[ -n "${DATA:-}" ]]; then
  echo "== data: reusing $W ($(grep -c . "$W/index.txt") certificates)"
  rm -rf "$W/nginx"
else
echo "== data: $N certificates in $W"
"$ATTESTCA" init --dir "$W/ca" --name "ocsp bench" --listen 127.0.0.1:8443 --http-listen "127.0.0.1:$ATTESTCA_PORT" \
  --dns-name localhost >"$W/init.log" 2>&1
# No access-log line per request (a line per answer would measure the logger).
sed -i 's/^level = .*/level = "warn"/' "$W/ca/attestca.toml"
start=$(date +%s)
"$SETUP" "$W/ca/attestca.toml" "$N" "$W" >"$W/setup.log" 2>&1 || { cat "$W/setup.log"; exit 1; }
echo "   issued and stored in $(( $(date +%s) - start )) s"
fi

taskset -c "$SERVER_CPU" "$ATTESTCA" serve --config "$W/ca/attestca.toml" >"$W/attestca.log" 2>&1 &
ATTESTCA_PID=$!
PIDS+=("$ATTESTCA_PID")
# OpenSSL's responder, as close to ours as it gets: signed by the intermediate, responder ID by
# key, no certificates in the answer, nextUpdate 4h on (our default validity).
taskset -c "$SERVER_CPU" openssl ocsp -index "$W/index.txt" -port "$OPENSSL_PORT" -rsigner "$W/ca/intermediate.crt" \
  -rkey "$W/ca/intermediate.key" -CA "$W/ca/intermediate.crt" -resp_no_certs -resp_key_id -nmin 240 \
  -ignore_err >"$W/openssl.log" 2>&1 &
PIDS+=($!)
# nginx: one worker, no access log, keep-alive without a request cap, a 720-byte file (about the
# size of a delegated-signer answer; a CA-signed one is about 300 bytes).
mkdir -p "$W/nginx/www"
head -c 720 /dev/urandom >"$W/nginx/www/static.der"
cat >"$W/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
# The user namespace maps only our own user (as root): no chown to "nobody".
user root root;
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $W/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $W/nginx/www;
    default_type application/ocsp-response;
  }
}
CONF
taskset -c "$SERVER_CPU" nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/error.log" >"$W/nginx.log" 2>&1 &
PIDS+=($!)

# Readiness with real requests: `openssl ocsp` spins forever on a connection closed without one.
ready() { for _ in $(seq 100); do "$LOAD" 127.0.0.1 "$1" "$2" "$W/requests.bin" 1 0.1 >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
ready "$ATTESTCA_PORT" /ocsp || { echo "attestca did not answer"; cat "$W/attestca.log"; exit 1; }
ready "$OPENSSL_PORT" / || { echo "openssl ocsp did not answer"; cat "$W/openssl.log"; exit 1; }
nginx_ready() { [[ "$(curl -s "http://127.0.0.1:$NGINX_PORT/static.der" | wc -c)" == 720 ]]; }
for _ in $(seq 100); do nginx_ready && break; sleep 0.1; done
nginx_ready || { echo "nginx did not answer"; cat "$W/nginx.log" "$W/nginx/error.log"; exit 1; }

rss_kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$ATTESTCA_PID/status"; }
RSS_IDLE_START=$(rss_kb VmRSS)

# attestca signs an answer on its first request and serves it from the cache afterwards (the issue's
# pre-signing; certificates issued through ACME are pre-signed at issuance, these were stored
# directly). One warm-up pass at concurrency 8 asks for every certificate once before measuring.
echo "== warm-up (attestca signs each certificate's answer once)"
taskset -c "$LOAD_CPU" "$LOAD" 127.0.0.1 "$ATTESTCA_PORT" /ocsp "$W/requests.bin" 8 5 | sed 's/^/   /'
RSS_IDLE_WARM=$(rss_kb VmRSS)

declare -A LINE
field() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" <<<"${LINE[$1]}"; }
# run KEY COMMAND...: one measurement; its last line lands in LINE[KEY].
run() {
  local key=$1
  shift
  LINE[$key]="$("$@" | tail -n 1)"
  echo "   $key: ${LINE[$key]}"
}
# The load generators, pinned to the load CPU.
wrk_ocsp() {  # wrk_ocsp C [close]
  OCSP_REQUESTS="$W/requests.bin" OCSP_PATH=/ocsp OCSP_CLOSE="${2:-0}" taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$1" -d"${DURATION}s" -s "$LUA" "http://127.0.0.1:$ATTESTCA_PORT/ocsp"
}
wrk_nginx() {  # wrk_nginx C [close]
  OCSP_CLOSE="${2:-0}" taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$1" -d"${DURATION}s" -s "$LUA" "http://127.0.0.1:$NGINX_PORT/static.der"
}
load() { taskset -c "$LOAD_CPU" "$LOAD" "$@"; }

echo "== keep-alive (wrk -t1)"
for c in 1 64; do
  run "attestca.ka.$c" wrk_ocsp "$c"
  run "nginx.ka.$c" wrk_nginx "$c"
done
echo "== a new connection per request"
run attestca.wrkclose.64 wrk_ocsp 64 1
run nginx.wrkclose.64 wrk_nginx 64 1
for c in 1 64; do
  run "attestca.close.$c" load 127.0.0.1 "$ATTESTCA_PORT" /ocsp "$W/requests.bin" "$c" "$DURATION" close
  run "openssl.close.$c" load 127.0.0.1 "$OPENSSL_PORT" / "$W/requests.bin" "$c" "$DURATION"
done
RSS_PEAK=$(rss_kb VmHWM)
sleep 1
RSS_IDLE_END=$(rss_kb VmRSS)

# A signed answer is hundreds of bytes; an error answer's body is 5: refuse to report those.
for key in attestca.ka.1 attestca.ka.64 attestca.wrkclose.64; do
  if (( $(field "$key" bytes_per_answer) < 200 || $(field "$key" errors) > 0 )); then
    echo "attestca answered errors in $key: ${LINE[$key]}" >&2
    exit 1
  fi
done

echo
echo "== OCSP, $N certificates, ${DURATION}s per run; servers on CPU $SERVER_CPU, load on CPU $LOAD_CPU;" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
printf '%-10s %-30s %5s %12s %10s %10s %7s\n' server "connections" conc "responses/s" "p50 (us)" "p99 (us)" errors
row() {  # row KEY SERVER LABEL CONC
  printf '%-10s %-30s %5s %12s %10s %10s %7s\n' "$2" "$3" "$4" "$(field "$1" rps)" "$(field "$1" p50_us)" \
    "$(field "$1" p99_us)" "$(field "$1" errors)"
}
for c in 1 64; do
  row "attestca.ka.$c" attestca "keep-alive (wrk)" "$c"
  row "nginx.ka.$c" nginx "keep-alive (wrk), static 720 B" "$c"
done
row attestca.wrkclose.64 attestca "new per request (wrk)" 64
row nginx.wrkclose.64 nginx "new per request (wrk)" 64
for c in 1 64; do
  row "attestca.close.$c" attestca "new per request (ocsp_load)" "$c"
  row "openssl.close.$c" openssl "new per request (ocsp_load)" "$c"
done

ratio() { awk -v a="$(field "$1" rps)" -v b="$(field "$2" rps)" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo
echo "== targets (issue 5)"
for c in 1 64; do
  echo "attestca keep-alive / openssl ocsp, c=$c:        $(ratio "attestca.ka.$c" "openssl.close.$c")x   (target >= 4)"
done
for c in 1 64; do
  echo "attestca new-conn / openssl ocsp, c=$c:          $(ratio "attestca.close.$c" "openssl.close.$c")x   (same load generator)"
done
for c in 1 64; do
  echo "attestca / nginx, keep-alive, c=$c:              $(ratio "attestca.ka.$c" "nginx.ka.$c")    (target >= 0.80)"
done
echo "attestca / nginx, new connection each, c=64:   $(ratio attestca.wrkclose.64 nginx.wrkclose.64)"
echo "attestca p99 at c=64, keep-alive:               $(field attestca.ka.64 p99_us) us   (target < 2000)"
echo "attestca RSS: idle at start $((RSS_IDLE_START / 1024)) MB, idle after warm-up $((RSS_IDLE_WARM / 1024)) MB," \
  "idle at the end $((RSS_IDLE_END / 1024)) MB (target < 30); peak over all runs $((RSS_PEAK / 1024)) MB (target < 150)"

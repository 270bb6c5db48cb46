#!/usr/bin/env bash
# OCSP benchmark: attestca's responder against OpenSSL's own (`openssl ocsp -index ... -port`) over
# the same N issued certificates (default 10,000), with the same load generator (bench/ocsp_load.cc)
# at concurrency 1 and 64, in one run; prints responses/s and p50/p99 latency for each, and the
# ratios. Not a test: nothing is asserted beyond every answer being a successful OCSPResponse.
#
#   bench/ocsp_bench.sh [BUILD_DIR]        # default build-bench (Release: see bench/README.md)
#   N=10000 DURATION=10 KEEP=0 bench/ocsp_bench.sh
#
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
for b in "$ATTESTCA" "$SETUP" "$LOAD"; do [[ -x "$b" ]] || { echo "missing $b (build it first)" >&2; exit 2; }; done
W="$(mktemp -d /tmp/ocsp-bench.XXXXXX)"
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

echo "== data: $N certificates in $W"
"$ATTESTCA" init --dir "$W/ca" --name "ocsp bench" --listen 127.0.0.1:8443 --http-listen "127.0.0.1:$ATTESTCA_PORT" \
  --dns-name localhost >"$W/init.log" 2>&1
# No access-log line per request (a line per answer would measure the logger).
sed -i 's/^level = .*/level = "warn"/' "$W/ca/attestca.toml"
start=$(date +%s)
"$SETUP" "$W/ca/attestca.toml" "$N" "$W" >"$W/setup.log" 2>&1 || { cat "$W/setup.log"; exit 1; }
echo "   issued and stored in $(( $(date +%s) - start )) s"

"$ATTESTCA" serve --config "$W/ca/attestca.toml" >"$W/attestca.log" 2>&1 &
PIDS+=($!)
# OpenSSL's responder, as close to ours as it gets: signed by the intermediate, responder ID by
# key, no certificates in the answer, nextUpdate 4h on (our default validity).
openssl ocsp -index "$W/index.txt" -port "$OPENSSL_PORT" -rsigner "$W/ca/intermediate.crt" \
  -rkey "$W/ca/intermediate.key" -CA "$W/ca/intermediate.crt" -resp_no_certs -resp_key_id -nmin 240 \
  -ignore_err >"$W/openssl.log" 2>&1 &
PIDS+=($!)
# Readiness with real requests: `openssl ocsp` spins forever on a connection closed without one.
ready() { for _ in $(seq 100); do "$LOAD" 127.0.0.1 "$1" "$2" "$W/requests.bin" 1 0.1 >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
ready "$ATTESTCA_PORT" /ocsp || { echo "attestca did not answer"; cat "$W/attestca.log"; exit 1; }
ready "$OPENSSL_PORT" / || { echo "openssl ocsp did not answer"; cat "$W/openssl.log"; exit 1; }

# attestca signs an answer on its first request and serves it from the cache afterwards (the issue's
# pre-signing); one warm-up pass at concurrency 8 asks for every certificate once before measuring.
echo "== warm-up (attestca signs each certificate's answer once)"
"$LOAD" 127.0.0.1 "$ATTESTCA_PORT" /ocsp "$W/requests.bin" 8 5 | sed 's/^/   /'

declare -A RPS P50 P99
for c in 1 64; do
  for server in attestca openssl; do
    if [[ $server == attestca ]]; then port=$ATTESTCA_PORT path=/ocsp; else port=$OPENSSL_PORT path=/; fi
    line="$("$LOAD" 127.0.0.1 "$port" "$path" "$W/requests.bin" "$c" "$DURATION")"
    echo "   $server c=$c: $line"
    RPS[$server.$c]="$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' <<<"$line")"
    P50[$server.$c]="$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$line")"
    P99[$server.$c]="$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")"
  done
done

echo
echo "== OCSP, $N certificates, ${DURATION}s per run, $(nproc) CPU(s) shared by servers and load generator"
printf '%-10s %5s %12s %10s %10s\n' server conc "responses/s" "p50 (us)" "p99 (us)"
for c in 1 64; do
  for server in attestca openssl; do
    printf '%-10s %5s %12s %10s %10s\n' "$server" "$c" "${RPS[$server.$c]}" "${P50[$server.$c]}" "${P99[$server.$c]}"
  done
done
for c in 1 64; do
  awk -v a="${RPS[attestca.$c]}" -v o="${RPS[openssl.$c]}" -v c="$c" \
    'BEGIN { printf "ratio attestca/openssl at c=%s: %.1fx responses/s\n", c, (o > 0 ? a / o : 0) }'
done

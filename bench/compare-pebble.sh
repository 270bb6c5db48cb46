#!/usr/bin/env bash
# Issuance benchmark: attestca against pebble (Let's Encrypt's test CA, Debian package `pebble`) on
# loopback, with the same load generator (bench/acme-load) and the same validation (http-01, both
# servers fetching from acme-load's own responder), per core: each server pinned to CPU 0 (pebble
# with GOMAXPROCS=1; pebble 2.4 deadlocks under concurrent load on two CPUs), acme-load pinned to
# CPU 1. Runs at each concurrency alternate attestca and pebble. Prints issuances/s, p50/p99
# latency, the server's CPU milliseconds per issuance, the ratios attestca/pebble, and attestca as a
# fraction of the crypto floor (bench/crypto-floor.sh); with nginx and wrk installed (HTTP_FLOOR=0
# skips it) also the HTTP floor (bench/http-floor.sh: what the same requests cost nginx) and what
# the two floors together leave of the targets. Not a test: nothing is asserted, but every run must
# end without errors or the script fails.
#
#   bench/compare-pebble.sh [BUILD_DIR]          # default build-bench (Release: see bench/README.md)
#   N=300 CONCURRENCY="1 4 16" ACCOUNT_PER_WORKER=0 DEVICE=1 REPEAT=1 KEEP=0 bench/compare-pebble.sh
#
# REPEAT=3 runs every (server, concurrency) pair three times, alternating, and reports the median
# run (by issuances/s) with the range: on a shared 2-core VM single runs vary by +-30 %.
#
# N issuances per run (at concurrency 1: N/3, it is the slowest). attestca: fresh `attestca init`
# (P-256 CA key) in a folder on disk, SQLite in its default durable mode (WAL, group commit: a write
# returns once fsynced),
# log level info (one audit line per issuance step, as in production). DEVICE=1 adds one attestca-only
# device-attest-01 run (pebble has no such challenge) at the highest concurrency.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "${1:-$SRC/build-bench}" && pwd)"
N="${N:-300}"
CONCURRENCY="${CONCURRENCY:-1 4 16}"
DEVICE="${DEVICE:-1}"
REPEAT="${REPEAT:-1}"
ATTESTCA="$BUILD/attestca"
LOAD="$BUILD/bench/acme-load"
for b in "$ATTESTCA" "$LOAD"; do [[ -x "$b" ]] || { echo "missing $b (build it first)" >&2; exit 2; }; done
for t in pebble taskset openssl curl jq python3; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 2; }; done
[[ "$(nproc)" -ge 2 ]] || { echo "needs 2 CPUs (servers on CPU 0, load generator on CPU 1)" >&2; exit 2; }

# On disk (not tmpfs): SQLite's fsyncs are part of what is measured.
W="$(mktemp -d /var/tmp/compare-pebble.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ "${KEEP:-0}" == 1 ]] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
A_PORT=$(free_port) A_HTTP=$(free_port) P_PORT=$(free_port) P_MGMT=$(free_port) HTTP01=$(free_port)
PER_WORKER=()
[[ "${ACCOUNT_PER_WORKER:-0}" == 1 ]] && PER_WORKER=(--account-per-worker)

echo "== attestca: init in $W/ca"
"$ATTESTCA" init --dir "$W/ca" --name "compare-pebble" --key-type ec-p256 --listen "127.0.0.1:$A_PORT" \
  --http-listen "127.0.0.1:$A_HTTP" --dns-name localhost --dns-name 127.0.0.1 >"$W/init.log" 2>&1
sed -i "s/^http01_port = .*/http01_port = $HTTP01/" "$W/ca/attestca.toml"
"$LOAD" --make-attest-ca "$W/attest" >/dev/null
cp "$W/attest/root.pem" "$W/ca/attest-root.pem"
cat >>"$W/ca/attestca.toml" <<'TOML'

[provisioners.loaddev]
challenges = ["device-attest-01"]
allowed_identifier_types = ["permanent-identifier"]
inventory = "off"
[provisioners.loaddev.formats.apple]
roots = ["attest-root.pem"]
builtin_roots = false
TOML
taskset -c 0 "$ATTESTCA" serve --config "$W/ca/attestca.toml" >"$W/attestca.log" 2>&1 &
A_PID=$!
PIDS+=("$A_PID")

echo "== pebble: TLS certificate, config"
mkdir -p "$W/pebble"
(
  cd "$W/pebble"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=pebble TLS root" \
    -keyout tls-root.key -out tls-root.crt 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -keyout tls.key \
    -out tls.csr 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >ext
  openssl x509 -req -in tls.csr -CA tls-root.crt -CAkey tls-root.key -days 2 -out tls.crt -extfile ext 2>/dev/null
  jq -n --arg l "127.0.0.1:$P_PORT" --arg m "127.0.0.1:$P_MGMT" --argjson h "$HTTP01" \
    '{pebble: {listenAddress: $l, managementListenAddress: $m, certificate: "tls.crt", privateKey: "tls.key",
      httpPort: $h, tlsPort: 5001, ocspResponderURL: "", externalAccountBindingRequired: false}}' >pebble.json
)
# The subshell execs env, env execs taskset, taskset execs pebble: $! is pebble's PID (for /proc).
(cd "$W/pebble" && exec env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 GOMAXPROCS=1 \
  taskset -c 0 pebble -config pebble.json >pebble.log 2>&1) &
P_PID=$!
PIDS+=("$P_PID")

A_DIR="https://127.0.0.1:$A_PORT/acme/acme/directory"
P_DIR="https://127.0.0.1:$P_PORT/dir"
wait_ready() {  # URL CA_FILE PID LOG
  for _ in $(seq 200); do
    curl -sf --cacert "$2" "$1" >/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "server exited:"; tail -20 "$4"; exit 1; }
    sleep 0.1
  done
  echo "not ready: $1"; tail -20 "$4"; exit 1
}
wait_ready "$A_DIR" "$W/ca/root.crt" "$A_PID" "$W/attestca.log"
wait_ready "$P_DIR" "$W/pebble/tls-root.crt" "$P_PID" "$W/pebble/pebble.log"

# run SERVER CONCURRENCY N [extra acme-load args]: one acme-load run on CPU 1, JSON to $W/SERVER.C.json
run() {
  local server=$1 c=$2 n=$3
  shift 3
  local args
  if [[ $server == pebble ]]; then
    args=(--directory "$P_DIR" --ca-file "$W/pebble/tls-root.crt" --server-pid "$P_PID" --http01-listen "127.0.0.1:$HTTP01")
  elif [[ $server == attestca-device ]]; then
    args=(--directory "https://127.0.0.1:$A_PORT/acme/loaddev/directory" --ca-file "$W/ca/root.crt"
          --server-pid "$A_PID" --challenge device-attest-01 --attest-ca "$W/attest")
  else
    args=(--directory "$A_DIR" --ca-file "$W/ca/root.crt" --server-pid "$A_PID" --http01-listen "127.0.0.1:$HTTP01")
  fi
  local out="$W/$server.$c.${REP:-0}.json"
  if ! taskset -c 1 "$LOAD" "${args[@]}" --n "$n" --concurrency "$c" "${PER_WORKER[@]}" --json "$@" \
      >"$out" 2>"$W/$server.$c.err"; then
    echo "   $server c=$c FAILED: $(cat "$W/$server.$c.err") $(cat "$out")"
    exit 1
  fi
  jq -r --arg s "$server" --arg c "$c" '"   \($s) c=\($c): \(.issued) issued in \(.seconds) s, \(.issuances_per_s)/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, server CPU \(.server_cpu_ms_per_issuance) ms/issuance, \(.posts_per_issuance) POSTs/issuance, badNonce \(.bad_nonce), authz reused \(.authz_reused), acme-load CPU \(.client_cpu_s) s, http-01 fetches \(.http01_served)"' \
    "$out"
  jq -r '"      step p50 ms: " + (.step_p50_ms | map("\(.step) \(.p50_ms)") | join(", "))' "$out"
}

# median SERVER C: $W/SERVER.C.json is the median run by issuances/s, with .range = "min-max".
median() {
  jq -s 'sort_by(.issuances_per_s) | .[length / 2 | floor] +
         {range: "\(.[0].issuances_per_s)-\(.[-1].issuances_per_s)"}' "$W/$1.$2".[0-9]*.json >"$W/$1.$2.json"
}

echo "== warm-up (not counted): 20 issuances each at concurrency 4"
REP=warmup run attestca 4 20 >/dev/null
REP=warmup run pebble 4 20 >/dev/null

echo "== runs: N=$N per run (N/3 at concurrency 1), alternating servers; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for c in $CONCURRENCY; do
  n=$N
  [[ $c == 1 ]] && n=$(( (N + 2) / 3 ))
  for ((REP = 1; REP <= REPEAT; REP++)); do
    run attestca "$c" "$n"
    run pebble "$c" "$n"
  done
  median attestca "$c"
  median pebble "$c"
done
MAXC=$(tr ' ' '\n' <<<"$CONCURRENCY" | sort -n | tail -1)
if [[ "$DEVICE" == 1 ]]; then
  for ((REP = 1; REP <= REPEAT; REP++)); do run attestca-device "$MAXC" "$N"; done
  median attestca-device "$MAXC"
fi
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== crypto floor (openssl speed on CPU 0)"
JWS=$(jq -r .posts_per_issuance "$W/attestca.$MAXC.json")
FLOOR_OUT="$(CPU=0 "$SRC/bench/crypto-floor.sh" "$JWS" "$W/ca/intermediate.crt")"
sed 's/^/   /' <<<"$FLOOR_OUT" | grep -v floor_issuances_per_s=
FLOOR=$(sed -n 's/^floor_issuances_per_s=\([0-9]*\).*/\1/p' <<<"$FLOOR_OUT")
FLOOR_US=$(sed -n 's/.*cost_us=\([0-9]*\).*/\1/p' <<<"$FLOOR_OUT")
HTTP_US=""
if [[ "${HTTP_FLOOR:-1}" == 1 ]] && command -v nginx >/dev/null && command -v wrk >/dev/null; then
  echo "== HTTP floor (nginx on CPU 0, wrk on CPU 1)"
  HTTP_OUT="$(C="$MAXC" "$SRC/bench/http-floor.sh" "$JWS")"
  sed 's/^/   /' <<<"$HTTP_OUT" | grep -v http_floor_us=
  HTTP_US=$(sed -n 's/^http_floor_us=\([0-9]*\).*/\1/p' <<<"$HTTP_OUT")
fi

echo
echo "== issuance, http-01 (N=$N per run; c=1: N/3; median of $REPEAT run(s), range of issuances/s), server on CPU 0,"
echo "   acme-load on CPU 1; load average after: $LOAD_AFTER"
printf '%-5s %-9s %12s %15s %9s %9s %16s %15s\n' conc server "issuances/s" "range" "p50 ms" "p99 ms" "CPU ms/issuance" "POSTs/issuance"
row='[$c, $s, .issuances_per_s, .range, .p50_ms, .p99_ms, .server_cpu_ms_per_issuance, .posts_per_issuance] | @tsv'
fmt='{ printf "%-5s %-9s %12.1f %15s %9.1f %9.1f %16.2f %15.2f%s\n", $1, $2, $3, $4, $5, $6, $7, $8, tail }'
for c in $CONCURRENCY; do
  for s in attestca pebble; do
    jq -r --arg s "$s" --arg c "$c" "$row" "$W/$s.$c.json" | awk -F'\t' -v tail="" "$fmt"
  done
done
if [[ "$DEVICE" == 1 ]]; then
  jq -r --arg s attestca --arg c "$MAXC" "$row" "$W/attestca-device.$MAXC.json" |
    awk -F'\t' -v tail="  device-attest-01 (attestca only)" "$fmt"
fi
echo
for c in $CONCURRENCY; do
  a="$W/attestca.$c.json" p="$W/pebble.$c.json"
  jq -rn --slurpfile a "$a" --slurpfile p "$p" --arg c "$c" \
    '"ratio attestca/pebble at c=\($c): \(($a[0].issuances_per_s / $p[0].issuances_per_s * 100 | round) / 100)x issuances/s, server CPU per issuance \(($a[0].server_cpu_ms_per_issuance / $p[0].server_cpu_ms_per_issuance * 100 | round) / 100)x"'
done
jq -rn --slurpfile a "$W/attestca.$MAXC.json" --argjson f "$FLOOR" --argjson us "$FLOOR_US" --arg c "$MAXC" \
  '"attestca at c=\($c): \(($a[0].issuances_per_s / $f * 1000 | round) / 10)% of the crypto floor (\($f) issuances/s per core); server CPU per issuance \(($a[0].server_cpu_ms_per_issuance * 1000 / $us * 10 | round) / 10)x the floor'"'"'s signature cost (\($us) us)"'
if [[ -n "$HTTP_US" ]]; then
  jq -rn --slurpfile a "$W/attestca.$MAXC.json" --argjson f "$FLOOR_US" --argjson h "$HTTP_US" '
    ($f + $h) as $both | ($a[0].server_cpu_ms_per_issuance * 1000) as $cpu |
    "crypto + HTTP floor: \($f) + \($h) = \($both) us per issuance: \((1e6 / $both) | round) issuances/s, \(($f / $both * 1000 | round) / 10)% of the crypto floor, the most an HTTPS ACME server reaches on this core; 1.5x the signature cost (\($f * 1.5 | round) us) leaves \(($f * 1.5 - $both) | round) us beyond both floors for JSON, storage and ACME work; attestca spends \(($cpu - $both) | round) us"'
fi

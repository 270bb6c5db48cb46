#!/usr/bin/env bash
# Storage benchmark (issue 6): issuances/s of attestca on SQLite with 1 node against PostgreSQL with
# 1 and 2 nodes, with the same load generator (bench/acme-load, http-01 answered by its own
# responder, one account) and the same N and concurrencies. Not a test: nothing is asserted, but a
# run that reports any error makes the script exit 1 (after the table).
#
#   bench/compare-storage.sh [BUILD_DIR]        # default build-bench (Release: see bench/README.md)
#   N=300 CONCURRENCY="1 16" REPEAT=2 WARMUP=20 KEEP=0 bench/compare-storage.sh build-bench
#   PG_URL=postgresql://user@host:port/db ...   # use that server (a database of our own is created
#                                               # in it and dropped) instead of starting one
#
# Setups, each a fresh `attestca init` (P-256 CA key) in /var/tmp (on disk: fsyncs are real), log
# level info:
#   sqlite   1 node, SQLite WAL with group commit (durable: a write returns once fsynced)
#   pg-1     1 node on PostgreSQL
#   pg-2     2 nodes on that same PostgreSQL database: node B is node A's config with other listen
#            ports, both keep A's external_url; acme-load --connect spreads its workers over both
#            (worker i to node i mod 2), as a DNS round robin or an L4 balancer would.
# The PostgreSQL this script starts (a throwaway cluster in the work folder, 127.0.0.1 only, trust
# authentication) keeps PostgreSQL's durable defaults (fsync = on, synchronous_commit = on), unlike
# scripts/pg-test-cluster's fsync = off for tests: a certificate row is on disk before it is handed
# out on both backends.
#
# Pinning on this 2-core machine (taskset; re-applied to the running processes before each run):
#   sqlite, pg-1: the node on CPU 0; acme-load and PostgreSQL on CPU 1.
#   pg-2:         node A on CPU 0, node B on CPU 1; acme-load and PostgreSQL on both.
# So pg-2 gives the nodes no core of their own beyond pg-1's: with 2 cores a second node can only
# take CPU 1 from the load generator and the database. It shows what the second node costs and
# that the work spreads, not how a cluster of real machines scales.
#
# Runs alternate setups (sqlite, pg-1, pg-2, sqlite, ...) at each concurrency, REPEAT rounds, after
# a warm-up of WARMUP issuances per setup at concurrency 4 (it also opens the connection pools).
# Server CPU is read by acme-load (--server-pid, nodes summed); PostgreSQL's CPU is the postmaster's
# own and reaped children's time plus its live backends' (/proc/<pid>/stat), read just before and
# after each acme-load run (so it includes acme-load's few setup requests: one newAccount and a
# newNonce per worker). Only with the PostgreSQL this script starts.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$(cd "${1:-$SRC/build-bench}" && pwd)"
N="${N:-300}"
CONCURRENCY="${CONCURRENCY:-1 16}"
REPEAT="${REPEAT:-2}"
WARMUP="${WARMUP:-20}"
PG_URL="${PG_URL:-}"
ATTESTCA="$BUILD/attestca"
LOAD="$BUILD/bench/acme-load"
for b in "$ATTESTCA" "$LOAD"; do [[ -x "$b" ]] || { echo "missing $b (build it first)" >&2; exit 2; }; done
for t in taskset curl jq python3 psql ps; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 2; }; done
[[ "$(nproc)" -ge 2 ]] || { echo "needs 2 CPUs (see the pinning above)" >&2; exit 2; }
PG_BIN="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)"
if [[ -z "$PG_URL" && ! -x "$PG_BIN/initdb" ]]; then
  echo "PostgreSQL server binaries not found (apt-get install postgresql), or set PG_URL" >&2
  exit 2
fi

W="$(mktemp -d /var/tmp/compare-storage.XXXXXX)"
chmod 711 "$W"  # the postgres user (initdb refuses root) must reach $W/pg
PIDS=()
PG_STARTED=0
PG_DB=""
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ "$PG_STARTED" == 1 ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$W/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [[ -n "$PG_DB" ]]; then
    psql "$PG_URL" -X -q -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $W" >&2; else rm -rf "$W"; fi
  return "$rc"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
S_PORT=$(free_port) S_HTTP=$(free_port) A_PORT=$(free_port) A_HTTP=$(free_port) B_PORT=$(free_port)
B_HTTP=$(free_port) HTTP01=$(free_port)

if [[ -z "$PG_URL" ]]; then
  PG_PORT=$(free_port)
  echo "== PostgreSQL: throwaway cluster in $W/pg on 127.0.0.1:$PG_PORT (fsync on)"
  mkdir -p "$W/pg"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$W/pg"
  as_pg "$PG_BIN/initdb" -D "$W/pg/data" -U attestca -A trust -E UTF8 --locale=C >"$W/pg/initdb.log" 2>&1 ||
    { cat "$W/pg/initdb.log" >&2; exit 1; }
  as_pg "$PG_BIN/pg_ctl" -D "$W/pg/data" -l "$W/pg/server.log" -w -t 60 \
    -o "-k $W/pg -h 127.0.0.1 -p $PG_PORT -c max_connections=100" start >/dev/null ||
    { cat "$W/pg/server.log" >&2; exit 1; }
  PG_STARTED=1
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U attestca attestca_bench
  DB_URL="postgresql://attestca@127.0.0.1:$PG_PORT/attestca_bench"
  PG_PID=$(head -1 "$W/pg/data/postmaster.pid")
else
  PG_DB="bench_storage_$$_$RANDOM"
  psql "$PG_URL" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
  head="${PG_URL%%\?*}"
  query="${PG_URL#"$head"}"
  DB_URL="${head%/*}/$PG_DB$query"
  PG_PID=""
  echo "== PostgreSQL: database $PG_DB on the server of PG_URL (its CPU is not measured)"
fi

# init_ca DIR PORT HTTP_PORT [init args]: a CA whose http-01 validations fetch from acme-load.
init_ca() {
  local dir=$1 port=$2 http=$3
  shift 3
  "$ATTESTCA" init --dir "$dir" --name "compare-storage" --key-type ec-p256 --listen "127.0.0.1:$port" \
    --http-listen "127.0.0.1:$http" --dns-name localhost --dns-name 127.0.0.1 "$@" >"$dir.init.log" 2>&1 ||
    { cat "$dir.init.log" >&2; exit 1; }
  sed -i "s/^http01_port = .*/http01_port = $HTTP01/" "$dir/attestca.toml"
}
echo "== attestca: init (sqlite) in $W/sqlite, (postgres) in $W/pg-ca"
init_ca "$W/sqlite" "$S_PORT" "$S_HTTP"
init_ca "$W/pg-ca" "$A_PORT" "$A_HTTP" --storage postgres --db-url "$DB_URL"
# Both nodes present node A's address as the CA's URL (a balancer's, in production).
sed -i "s|^# external_url = .*|external_url = \"https://127.0.0.1:$A_PORT\"|" "$W/pg-ca/attestca.toml"
grep -q "^external_url = " "$W/pg-ca/attestca.toml" || { echo "could not set external_url" >&2; exit 1; }
sed "s/^listen = .*/listen = \"127.0.0.1:$B_PORT\"/; s/^http_listen = .*/http_listen = \"127.0.0.1:$B_HTTP\"/" \
  "$W/pg-ca/attestca.toml" >"$W/pg-ca/node-b.toml"

"$ATTESTCA" serve --config "$W/sqlite/attestca.toml" >"$W/sqlite.log" 2>&1 &
S_PID=$!
PIDS+=("$S_PID")
"$ATTESTCA" serve --config "$W/pg-ca/attestca.toml" >"$W/node-a.log" 2>&1 &
A_PID=$!
PIDS+=("$A_PID")
"$ATTESTCA" serve --config "$W/pg-ca/node-b.toml" >"$W/node-b.log" 2>&1 &
B_PID=$!
PIDS+=("$B_PID")
wait_ready() {  # PORT CA_FILE PID LOG
  for _ in $(seq 300); do
    curl -sf --cacert "$2" "https://127.0.0.1:$1/acme/acme/directory" >/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "server exited:"; tail -20 "$4"; exit 1; }
    sleep 0.1
  done
  echo "not ready: port $1"; tail -20 "$4"; exit 1
}
wait_ready "$S_PORT" "$W/sqlite/root.crt" "$S_PID" "$W/sqlite.log"
wait_ready "$A_PORT" "$W/pg-ca/root.crt" "$A_PID" "$W/node-a.log"
wait_ready "$B_PORT" "$W/pg-ca/root.crt" "$B_PID" "$W/node-b.log"

pin() {  # CPUS PID...: every thread of each process
  local cpus=$1
  shift
  for p in "$@"; do taskset -a -cp "$cpus" "$p" >/dev/null; done
}
pg_pids() {  # the postmaster and its children (backends, WAL writer, checkpointer ...), one a line
  [[ -n "$PG_PID" ]] || return 0
  echo "$PG_PID"
  ps -o pid= --ppid "$PG_PID" | awk '{ print $1 }'
}
# pg_cpu_ticks: clock ticks of the postmaster (with its reaped children: backends that exited) and
# of its live children. Fields after "comm)": 14 utime, 15 stime, 16 cutime, 17 cstime -> $12..$15.
pg_cpu_ticks() {
  [[ -n "$PG_PID" ]] || { echo -1; return; }
  local kids
  kids=$(ps -o pid= --ppid "$PG_PID" | tr '\n' ' ')
  {
    sed 's/^.*) //' "/proc/$PG_PID/stat" | awk '{ print $12 + $13 + $14 + $15 }'
    for p in $kids; do sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'; done
  } | awk '{ s += $1 } END { print s + 0 }'
}
TCK=$(getconf CLK_TCK)

FAILED=0
# run SETUP CONCURRENCY N TAG: one acme-load run; JSON (with pg_cpu_s added) to $W/runs/SETUP.C.TAG.json
run() {
  local setup=$1 c=$2 n=$3 tag=$4 load_cpus args pgp
  mapfile -t pgp < <(pg_pids)
  args=(--ca-file "$W/pg-ca/root.crt" --directory "https://127.0.0.1:$A_PORT/acme/acme/directory")
  case $setup in
    sqlite)
      pin 0 "$S_PID"; pin 1 "$A_PID" "$B_PID" "${pgp[@]}"; load_cpus=1
      args=(--ca-file "$W/sqlite/root.crt" --directory "https://127.0.0.1:$S_PORT/acme/acme/directory"
            --server-pid "$S_PID") ;;
    pg-1)
      pin 0 "$A_PID"; pin 1 "$S_PID" "$B_PID" "${pgp[@]}"; load_cpus=1
      args+=(--server-pid "$A_PID") ;;
    pg-2)
      pin 0 "$A_PID"; pin 1 "$B_PID"; pin 0-1 "$S_PID" "${pgp[@]}"; load_cpus=0-1
      args+=(--connect "127.0.0.1:$A_PORT,127.0.0.1:$B_PORT" --server-pid "$A_PID,$B_PID") ;;
  esac
  local out="$W/runs/$setup.$c.$tag" rc=0 pg0 pg1
  mkdir -p "$W/runs"
  pg0=$(pg_cpu_ticks)
  taskset -c "$load_cpus" "$LOAD" "${args[@]}" --http01-listen "127.0.0.1:$HTTP01" --n "$n" --concurrency "$c" \
    --json >"$out.raw" 2>"$out.err" || rc=$?
  pg1=$(pg_cpu_ticks)
  if [[ $rc -ne 0 && ! -s "$out.raw" ]]; then
    echo "   $setup c=$c: acme-load failed (exit $rc): $(cat "$out.err")" >&2
    exit 1
  fi
  jq -c --argjson t0 "$pg0" --argjson t1 "$pg1" --argjson tck "$TCK" \
    '. + {pg_cpu_s: (if $t0 < 0 then -1 else ($t1 - $t0) / $tck end)}' "$out.raw" >"$out.json"
  if [[ $rc -ne 0 ]]; then
    FAILED=1
    echo "   $setup c=$c FAILED (exit $rc): $(cat "$out.err")" >&2
  fi
  [[ $tag == warmup ]] && return 0
  jq -r --arg s "$setup" --arg c "$c" '"   \($s) c=\($c): \(.issued)/\(.requested) issued in \(.seconds) s, \(.issuances_per_s)/s, p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, errors \(.errors), server CPU \(.server_cpu_ms_per_issuance // "-") ms/issuance (per node \(.server_cpu_s_each // [] | map(tostring + " s") | join(", "))), issued per node \(.issued_by_node | map(tostring) | join("/")), PostgreSQL CPU \(if .pg_cpu_s < 0 then "-" else (.pg_cpu_s * 1000 | round | tostring) + " ms" end), badNonce \(.bad_nonce), acme-load CPU \(.client_cpu_s) s"' \
    "$out.json"
}

SETUPS="sqlite pg-1 pg-2"
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), PostgreSQL $(psql "$DB_URL" -XAtc 'SHOW server_version')"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== warm-up (not counted): $WARMUP issuances per setup at concurrency 4"
for s in $SETUPS; do run "$s" 4 "$WARMUP" warmup; done
echo "== runs: N=$N, concurrency $CONCURRENCY, $REPEAT round(s), setups alternating; load average $LOAD_BEFORE"
for r in $(seq "$REPEAT"); do
  for c in $CONCURRENCY; do
    for s in $SETUPS; do run "$s" "$c" "$N" "r$r"; done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== issuance, http-01, N=$N per run, $REPEAT run(s) per row (mean; issuances/s also min-max)"
echo "   load average before: $LOAD_BEFORE, after: $LOAD_AFTER ($(nproc) CPUs)"
echo "   sqlite, pg-1: node on CPU 0, acme-load + PostgreSQL on CPU 1; pg-2: node A CPU 0, node B CPU 1,"
echo "   acme-load + PostgreSQL on both. With 2 cores the second node gets no core of its own."
grep -qw 1 <<<"$CONCURRENCY" && echo "   At c=1 acme-load has one worker, one connection: pg-2 sends everything to node A."
printf '%-7s %5s %18s %8s %8s %7s %14s %14s %9s\n' setup conc "issuances/s" "p50 ms" "p99 ms" errors \
  "node CPU ms/i" "PG CPU ms/i" "vs sqlite"
for c in $CONCURRENCY; do
  base=""
  for s in $SETUPS; do
    row=$(jq -s -r '
      def mean(f): (map(f) | add / length);
      [ mean(.issuances_per_s), (map(.issuances_per_s) | min), (map(.issuances_per_s) | max),
        mean(.p50_ms), mean(.p99_ms), (map(.errors) | add), mean(.server_cpu_ms_per_issuance // 0),
        (if any(.pg_cpu_s < 0) then -1 else mean(.pg_cpu_s * 1000 / (if .issued > 0 then .issued else 1 end)) end)
      ] | @tsv' "$W/runs/$s.$c".r*.json)
    rate=$(cut -f1 <<<"$row")
    [[ $s == sqlite ]] && base=$rate
    awk -F'\t' -v s="$s" -v c="$c" -v base="$base" '{
      pg = ($8 < 0 || s == "sqlite") ? "-" : sprintf("%.2f", $8)
      ratio = (base > 0) ? sprintf("%.2fx", $1 / base) : "-"
      printf "%-7s %5s %7.1f (%.0f-%.0f) %8.1f %8.1f %7d %14.2f %14s %9s\n", s, c, $1, $2, $3, $4, $5, $6, $7, pg, ratio
    }' <<<"$row"
  done
done
if [[ $FAILED == 1 ]]; then
  echo "FAILED: a run reported errors (see above)" >&2
  exit 1
fi

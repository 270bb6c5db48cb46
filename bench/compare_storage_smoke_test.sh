#!/usr/bin/env bash
# bench-smoke.compare_storage: bench/compare-storage.sh end to end at a tiny size (6 issuances per
# setup at concurrency 2, one round), on the PostgreSQL server of ATTESTCA_TEST_PG_URL (a database
# of its own, dropped after), as a correctness check of the script and of acme-load --connect, never
# a timing check. Each node's audit log must hold exactly the issuances acme-load counted for it:
#   - the SQLite server: every sqlite run's;
#   - node A: every pg-1 run's plus the first --connect entry's share of the pg-2 runs;
#   - node B: the second entry's share of the pg-2 runs, at least one.
# Skips (exit 77) without ATTESTCA_TEST_PG_URL. Usage: compare_storage_smoke_test.sh BUILD_DIR
set -euo pipefail
BUILD="$1"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "${ATTESTCA_TEST_PG_URL:-}" ]]; then
  echo "SKIP: needs ATTESTCA_TEST_PG_URL (scripts/pg-test-cluster)" >&2
  exit 77
fi
out=$(PG_URL="$ATTESTCA_TEST_PG_URL" N=6 CONCURRENCY=2 REPEAT=1 WARMUP=2 KEEP=1 \
  "$SRC/bench/compare-storage.sh" "$BUILD" 2>&1) || { echo "$out"; echo "FAIL: compare-storage.sh exited non-zero"; exit 1; }
echo "$out"
W=$(sed -n 's/^kept \(.*\)$/\1/p' <<<"$out")
[[ -d "$W/runs" ]] || { echo "FAIL: no kept work folder in the output"; exit 1; }
trap 'rm -rf "$W"' EXIT

for s in sqlite pg-1 pg-2; do
  awk -v s="$s" '$1 == s && $2 == 2 && $7 == 0 { found = 1 } END { exit !found }' <<<"$out" ||
    { echo "FAIL: no error-free table row for $s at concurrency 2"; exit 1; }
done

issued() {  # JQ_EXPR FILE...: the sum of JQ_EXPR over the runs' JSON
  local expr=$1
  shift
  jq -s "map($expr) | add" "$@"
}
audited() { grep -c '\[audit\] certificate issued' "$1" || true; }
want_sqlite=$(issued .issued "$W"/runs/sqlite.*.json)
want_a=$(( $(issued .issued "$W"/runs/pg-1.*.json) + $(issued '.issued_by_node[0]' "$W"/runs/pg-2.*.json) ))
want_b=$(issued '.issued_by_node[1]' "$W"/runs/pg-2.*.json)
got_sqlite=$(audited "$W/sqlite.log") got_a=$(audited "$W/node-a.log") got_b=$(audited "$W/node-b.log")
echo "issued (acme-load / server audit log): sqlite $want_sqlite/$got_sqlite, node A $want_a/$got_a, node B $want_b/$got_b"
[[ "$want_b" -ge 1 ]] || { echo "FAIL: acme-load sent no issuance to node B"; exit 1; }
[[ "$got_sqlite" == "$want_sqlite" && "$got_a" == "$want_a" && "$got_b" == "$want_b" ]] ||
  { echo "FAIL: the nodes' audit logs do not match acme-load's per-node counts"; exit 1; }
echo "ok   every node issued what acme-load sent it"

#!/usr/bin/env bash
# `attestca device ...` on a fresh CA: add (and refused values), import of a good CSV and of a bad
# one (every bad line reported with its line number, nothing imported), list/show, suspend/resume,
# and resume of a revoked device refused. There is no revoke command yet, so that device is revoked
# by writing its state into the database directly. Then, with `attestca serve` running: the CLI
# beside it, and (SQLite) a second server on the same database refused.
# Exit codes checked: 0 ok, 1 failure, 2 usage/config.
. "$(dirname "$0")/lib.sh"
if [[ "$ACME_TEST_SERVER" != attestca ]]; then
  log "the device inventory is attestca's own; nothing to check against $ACME_TEST_SERVER"
  exit 0
fi

ca_init
OUT="$TEST_TMP/out.txt"

dev() { "$ATTESTCA_BIN" device "$1" --config "$CA_CONFIG" "${@:2}"; }

# expect_rc RC DESCRIPTION CMD...: CMD must exit with RC; its output is left in $OUT
expect_rc() {
  local want=$1 what=$2 rc=0
  shift 2
  "$@" >"$OUT" 2>&1 || rc=$?
  if [[ $rc -ne $want ]]; then
    cat "$OUT" >&2
    fail "$what: exit status $rc, expected $want ($*)"
  fi
  log "$what: exit $rc"
}

refute_grep() { # refute_grep PATTERN FILE MESSAGE
  if grep -qE -- "$1" "$2"; then cat "$2" >&2; fail "$3 (unexpected match for /$1/)"; fi
}

count_devices() { dev list "$@" | tail -n +2 | grep -c . || true; }

# --- add ------------------------------------------------------------------------------------------
expect_rc 0 "add a permanent identifier" dev add --id C02TESTSERIAL1 --owner alice@example.test --note "desk 12, 2nd floor"
ID1="$(head -n1 "$OUT")"
[[ "$ID1" =~ ^[A-Za-z0-9_-]{8,}$ ]] || fail "device add printed '$ID1', not a URL-safe device id"
expect_rc 0 "add a hardware module" dev add --type hardware-module --id 7654321/1.3.6.1.4.1.41482.3.7
ID2="$(head -n1 "$OUT")"
expect_rc 0 "add a permanent identifier with an assigner" dev add --id "ABCDEF123456/1.2.3.4"

expect_rc 1 "duplicate identifier refused" dev add --id C02TESTSERIAL1
assert_grep "already in the inventory" "$OUT" "duplicate add must say why"
expect_rc 2 "two slashes refused" dev add --id "a/b/1.2.3"
expect_rc 2 "assigner that is not an OID refused" dev add --id "abc/1.40"
assert_grep "OID" "$OUT" "bad assigner must be named"
expect_rc 2 "hardware-module without /OID refused" dev add --type hardware-module --id ABCD
assert_grep "OID" "$OUT" "missing hwType OID must be named"
expect_rc 2 "unknown --type refused" dev add --type serial --id X1
expect_rc 2 "leading space refused" dev add --id " C02SPACE"
expect_rc 2 "missing config" "$ATTESTCA_BIN" device list --config "$TEST_TMP/nope.toml"
[[ "$(count_devices)" -eq 3 ]] || { dev list >&2; fail "expected 3 devices after the adds"; }

# --- import: a good file --------------------------------------------------------------------------
cat >"$TEST_TMP/good.csv" <<'CSV'
identifier,type,owner,note
C02IMPORT0001,permanent-identifier,bob@example.test,"MacBook Pro, 3rd floor"
00008030-001A2B3C4D5E802E,,carol@example.test,
"SN,WITH,COMMAS/1.2.840.113635",permanent-identifier,,"says ""hello"""
99887766/1.3.6.1.4.1.41482.3.7,hardware-module,ci@example.test,"two
lines"
CSV
expect_rc 0 "import a good CSV" dev import "$TEST_TMP/good.csv"
assert_grep "imported 4 device" "$OUT" "import must report the count"
[[ "$(count_devices)" -eq 7 ]] || { dev list >&2; fail "expected 7 devices after the good import"; }
expect_rc 0 "show an imported device by identifier" dev show "SN,WITH,COMMAS/1.2.840.113635"
assert_grep '^note: +says "hello"$' "$OUT" "quoted CSV field with doubled quotes"
expect_rc 0 "show another by identifier" dev show C02IMPORT0001
assert_grep '^note: +MacBook Pro, 3rd floor$' "$OUT" "quoted CSV field with a comma"

# --- import: a bad file (every bad line reported, nothing imported) -------------------------------
cat >"$TEST_TMP/bad.csv" <<'CSV'
identifier,type,owner,note
C02GOOD0000001,,dave@example.test,fine
abc/1.40,,,assigner is not an OID
ABCD,hardware-module,,no hwType OID
C02IMPORT0001,,,already in the inventory
C02GOOD0000002,,too,many,fields
C02GOOD0000001,,,repeats line 2
bad"quote,,,
C02GOOD0000003,bogus-type,,
C02GOOD0000004,,erin@example.test,fine too
CSV
expect_rc 1 "import a bad CSV" dev import "$TEST_TMP/bad.csv"
for n in 3 4 5 6 7 8 9; do
  assert_grep "bad\\.csv:$n: " "$OUT" "bad line $n must be reported with its number"
done
refute_grep "bad\\.csv:(1|2|10): " "$OUT" "good lines must not be reported"
assert_grep "already in the inventory" "$OUT" "line 5 reason"
assert_grep "repeats line 2" "$OUT" "line 7 reason"
assert_grep "nothing was imported" "$OUT" "import must say nothing was imported"
[[ "$(count_devices)" -eq 7 ]] || { dev list >&2; fail "the bad import must not add any device"; }
dev list >"$OUT"
refute_grep "C02GOOD000000" "$OUT" "no device of the bad file may be in the inventory"

printf 'owner,note\nx,y\n' >"$TEST_TMP/noid.csv"
expect_rc 1 "import without an identifier column" dev import "$TEST_TMP/noid.csv"
assert_grep 'noid\.csv:1: .*identifier' "$OUT" "missing identifier column names line 1"
expect_rc 1 "import of a missing file" dev import "$TEST_TMP/missing.csv"

# --- list and show --------------------------------------------------------------------------------
expect_rc 0 "list" dev list
assert_grep '^ID +TYPE +IDENTIFIER +STATE +OWNER' "$OUT" "list header"
assert_grep "^$ID1 +permanent-identifier +C02TESTSERIAL1 +active +alice@example\\.test" "$OUT" "list row"
expect_rc 0 "show" dev show "$ID1"
assert_grep "^id: +$ID1$" "$OUT" "show id"
assert_grep '^type: +permanent-identifier$' "$OUT" "show type"
assert_grep '^identifier: +C02TESTSERIAL1$' "$OUT" "show identifier"
assert_grep '^state: +active$' "$OUT" "show state"
assert_grep '^owner: +alice@example\.test$' "$OUT" "show owner"
assert_grep '^note: +desk 12, 2nd floor$' "$OUT" "show note"
assert_grep '^created: +[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$OUT" "show created"
assert_grep '^updated: +[0-9]{4}-' "$OUT" "show updated"
expect_rc 1 "show an unknown device" dev show NoSuchDevice
assert_grep "no device" "$OUT" "unknown device message"

# --- suspend and resume ---------------------------------------------------------------------------
expect_rc 0 "suspend" dev suspend "$ID1"
expect_rc 0 "show suspended" dev show "$ID1"
assert_grep '^state: +suspended$' "$OUT" "suspend must stick"
[[ "$(count_devices --state suspended)" -eq 1 ]] || fail "list --state suspended must show one device"
dev list --state suspended >"$OUT"
assert_grep "^$ID1 " "$OUT" "the suspended device is listed"
dev list --state active >"$OUT"
refute_grep "^$ID1 " "$OUT" "the suspended device is not active"
expect_rc 0 "suspend twice" dev suspend "$ID1"
assert_grep "already suspended" "$OUT" "second suspend is a no-op"
expect_rc 0 "resume" dev resume "$ID1"
expect_rc 0 "show resumed" dev show "$ID1"
assert_grep '^state: +active$' "$OUT" "resume must stick"
expect_rc 1 "suspend an unknown device" dev suspend NoSuchDevice
expect_rc 2 "list with a bad --state" dev list --state gone

# --- a revoked device cannot be resumed -----------------------------------------------------------
db_update_one "UPDATE devices SET state = 'revoked' WHERE id = ?" "$ID2" ||
  fail "could not revoke the device in the database"
expect_rc 1 "resume a revoked device" dev resume "$ID2"
assert_grep "revoked device cannot be resumed" "$OUT" "revoked resume must say why"
expect_rc 1 "suspend a revoked device" dev suspend "$ID2"
expect_rc 0 "show revoked" dev show "$ID2"
assert_grep '^state: +revoked$' "$OUT" "the revoked device stays revoked"
[[ "$(count_devices --state revoked)" -eq 1 ]] || fail "list --state revoked must show one device"

# --- beside a running server ----------------------------------------------------------------------
# The CLI works while `attestca serve` has the database; on SQLite a second server on the same
# database is refused before it listens (the server keeps accounts and orders in memory).
ca_start
expect_rc 0 "list while the server runs" dev list
expect_rc 0 "add while the server runs" dev add --id C02BESIDESERVER
if [[ "$ATTESTCA_TEST_BACKEND" == sqlite ]]; then
  expect_rc 1 "a second server on the same SQLite database" timeout 10 "$ATTESTCA_BIN" serve --config "$CA_CONFIG"
  assert_grep "another attestca server is using the database" "$OUT" "the second server must say why"
fi
ca_stop

#!/usr/bin/env bash
# `attestca migrate` on the configured backend (SQLite, or PostgreSQL under ATTESTCA_TEST_BACKEND):
# an initialised CA is up to date; a schema newer than the binary is refused by migrate, serve and
# the CLI alike, untouched; back at the binary's version everything works again. On PostgreSQL,
# init refuses a database another CA already uses.
. "$(dirname "$0")/lib.sh"
if [[ "$ACME_TEST_SERVER" != attestca ]]; then
  log "schema migrations are attestca's own; nothing to check against $ACME_TEST_SERVER"
  exit 0
fi

ca_init
OUT="$TEST_TMP/out.txt"
migrate() { "$ATTESTCA_BIN" migrate --config "$CA_CONFIG"; }

run_ok "migrate an initialised CA" "$OUT" migrate
assert_grep 'schema at version [0-9]+, up to date' "$OUT" "a fresh CA must be up to date"
known="$(sed -nE 's/.*schema at version ([0-9]+), up to date.*/\1/p' "$OUT")"
(( known >= 5 )) || fail "schema version $known: expected at least 5"
if [[ "$ATTESTCA_TEST_BACKEND" == postgres ]]; then
  grep -q 'postgresql://' "$OUT" || fail "migrate must name the PostgreSQL database it worked on"
fi

# A newer attestca migrated this database: everything refuses it, and nothing changes it.
db_update_one "UPDATE schema_migrations SET version = 999 WHERE version = CAST(? AS INTEGER)" "$known" ||
  fail "could not fake a newer schema"
expect_fail "migrate a newer schema" "$OUT" migrate
assert_grep 'at version 999, newer than this attestca knows' "$OUT" "migrate must say the schema is newer"
expect_fail "serve on a newer schema" "$OUT" timeout 20 "$ATTESTCA_BIN" serve --config "$CA_CONFIG"
assert_grep 'newer than this attestca knows' "$OUT" "serve must refuse a newer schema"
expect_fail "device list on a newer schema" "$OUT" "$ATTESTCA_BIN" device list --config "$CA_CONFIG"
assert_grep 'newer than this attestca knows' "$OUT" "the CLI must refuse a newer schema"
db_update_one "UPDATE schema_migrations SET version = CAST(? AS INTEGER) WHERE version = 999" "$known" ||
  fail "the refused schema was changed (version 999 is gone)"

# Back at this binary's version: migrate is a no-op and the server runs.
run_ok "migrate again" "$OUT" migrate
assert_grep "schema at version $known, up to date" "$OUT" "migrate must be a no-op"
ca_start
ca_stop

if [[ "$ATTESTCA_TEST_BACKEND" == postgres ]]; then
  expect_fail "init on a database in use" "$OUT" "$ATTESTCA_BIN" init --dir "$TEST_TMP/second" \
    --storage postgres --db-url "$(pg_test_db_url)"
  assert_grep 'already holds an attestca schema' "$OUT" "init must refuse a database another CA uses"
  [[ ! -e "$TEST_TMP/second" ]] || fail "a refused init must not leave a CA folder behind"
  grep -q 'password' "$OUT" && fail "init printed something about a password"
fi
exit 0

# shellcheck shell=bash
# Shared helpers for the interop tests: source it from a *_test.sh script.
#
#   . "$(dirname "$0")/lib.sh"
#   dns_start                      # knotd authoritative for acme.test (*.acme.test A 127.0.0.1)
#   ca_init                        # attestca init into a temp dir, free ports
#   ca_set validation http01_port 5002
#   ca_use_dns                     # [validation] dns_resolver = "127.0.0.1:<knot port>"
#   ca_start                       # serve in the background, wait for the directory
#   ... drive a client against "$(ca_directory acme)", trusting "$CA_TLS_ROOT" ...
#   check_cert fullchain.pem "a.acme.test b.acme.test"
#   ca_stop                        # SIGTERM, asserts a clean exit
#
# Environment: ATTESTCA_BIN (the binary), ATTESTCA_SRC (repo root). Everything runs in a fresh
# mktemp -d directory, removed on success and kept (its path printed) on failure.
#
# ACME_TEST_SERVER=pebble runs the same scripts against Let's Encrypt's pebble instead of attestca
# (one pebble process per provisioner): a way to check the client invocations themselves.
# Differences there: no lifetime/EKU checks, and EAB kids come from a pre-generated list.
#
# A missing client is a failure, never a skip: scripts/test installs the packages.
#
# ATTESTCA_TEST_BACKEND=postgres (with ATTESTCA_TEST_PG_URL, e.g. from scripts/pg-test-cluster):
# ca_init stores in a fresh PostgreSQL database of the test's own (`attestca init --storage
# postgres`), dropped when the test passes. The default is SQLite (attestca.db in the CA folder).

set -euo pipefail

IT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ACME_TEST_SERVER="${ACME_TEST_SERVER:-attestca}"
TEST_NAME="$(basename "$0" .sh)"

# Fixed challenge ports (clients cannot be told otherwise); tests are RUN_SERIAL.
# shellcheck disable=SC2034
HTTP01_PORT=5002
TLSALPN01_PORT=5001

log() { printf '== [%s] %s\n' "$TEST_NAME" "$*" >&2; }
fail() {
  printf '\nFAIL [%s]: %s\n' "$TEST_NAME" "$*" >&2
  exit 1
}

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 ||
      fail "required program '$c' is not installed (scripts/test installs the interop clients)"
  done
}

require_cmd python3 openssl curl
if [[ "$ACME_TEST_SERVER" == attestca ]]; then
  [[ -n "${ATTESTCA_BIN:-}" ]] || fail "ATTESTCA_BIN is not set"
  [[ -x "$ATTESTCA_BIN" ]] || fail "ATTESTCA_BIN=$ATTESTCA_BIN is not an executable"
else
  require_cmd pebble
fi

ATTESTCA_TEST_BACKEND="${ATTESTCA_TEST_BACKEND:-sqlite}"
case "$ATTESTCA_TEST_BACKEND" in
  sqlite) ;;
  postgres)
    require_cmd psql
    if [[ -z "${ATTESTCA_TEST_PG_URL:-}" ]]; then
      [[ "${ATTESTCA_REQUIRE_PG:-}" == 1 ]] &&
        fail "ATTESTCA_TEST_BACKEND=postgres needs ATTESTCA_TEST_PG_URL (ATTESTCA_REQUIRE_PG=1)"
      printf '[%s] SKIP: ATTESTCA_TEST_BACKEND=postgres without ATTESTCA_TEST_PG_URL\n' "$TEST_NAME" >&2
      exit 77  # ctest SKIP_RETURN_CODE
    fi
    ;;
  *) fail "ATTESTCA_TEST_BACKEND=$ATTESTCA_TEST_BACKEND: must be sqlite or postgres" ;;
esac
PG_TEST_DB=""  # the test's own database (backend postgres)

TEST_TMP="$(mktemp -d "${TMPDIR:-/tmp}/attestca-it.${TEST_NAME}.XXXXXX")"
CA_DIR="$TEST_TMP/ca"
CA_LOG="$TEST_TMP/server.log"
CA_PID=""
_BG_PIDS=()          # background helpers started by us (killed by pid on exit)
_LOGS=()             # logs printed (tail) when the test fails

# --- background processes and cleanup -----------------------------------------------------------

bg_track() { _BG_PIDS+=("$1"); }   # bg_track PID: kill it on exit
log_track() { _LOGS+=("$1"); }     # log_track FILE: show its tail on failure

_kill_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

_on_exit() {
  local rc=$?
  set +e
  local p
  for p in "${_BG_PIDS[@]}"; do _kill_pid "$p"; done
  [[ -n "$CA_PID" ]] && _kill_pid "$CA_PID"
  for p in "${_PEBBLE_PIDS[@]}"; do _kill_pid "$p"; done
  wait 2>/dev/null
  if [[ $rc -ne 0 ]]; then
    local f
    for f in "$CA_LOG" "${_LOGS[@]}"; do
      [[ -s "$f" ]] || continue
      printf '\n---- last 60 lines of %s ----\n' "$f" >&2
      tail -n 60 "$f" >&2
    done
    printf '\n[%s] FAILED (rc=%d); files kept in %s\n' "$TEST_NAME" "$rc" "$TEST_TMP" >&2
  else
    rm -rf "$TEST_TMP"
    [[ -n "$PG_TEST_DB" ]] && psql "$ATTESTCA_TEST_PG_URL" -X -q -c "DROP DATABASE IF EXISTS \"$PG_TEST_DB\" WITH (FORCE)"
    printf '[%s] PASS\n' "$TEST_NAME" >&2
  fi
  exit $rc
}
trap _on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

port_is_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

require_port_free() {
  port_is_free "$1" || fail "TCP port 127.0.0.1:$1 is already in use (a leftover client/server?)"
}

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.2 s
wait_until() {
  local secs=$1 what=$2 i
  shift 2
  for i in $(seq 1 $((secs * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  fail "timed out after ${secs}s waiting for $what"
}

# expect_fail DESCRIPTION OUTFILE CMD...: CMD must exit non-zero; its output goes to OUTFILE
expect_fail() {
  local what=$1 out=$2
  shift 2
  if "$@" >"$out" 2>&1; then
    cat "$out" >&2
    fail "$what: the command succeeded but must fail: $*"
  fi
  log "$what: failed as expected"
}

# run_ok DESCRIPTION OUTFILE CMD...: CMD must succeed; output to OUTFILE (printed on failure)
run_ok() {
  local what=$1 out=$2
  shift 2
  log "$what"
  if ! "$@" >"$out" 2>&1; then
    printf -- '---- output of: %s ----\n' "$*" >&2
    tail -n 80 "$out" >&2
    fail "$what: command failed"
  fi
}

# assert_grep PATTERN FILE MESSAGE
assert_grep() {
  grep -qiE -- "$1" "$2" || { tail -n 40 "$2" >&2; fail "$3 (no match for /$1/ in $2)"; }
}

# --- the DNS server (knotd) ----------------------------------------------------------------------

DNS_PORT=""
DNS_TSIG_NAME="attestca-it"
DNS_TSIG_ALG="hmac-sha256"
DNS_TSIG_SECRET=""
DNS_ZONE="acme.test"

# dns_start: knotd on 127.0.0.1:<free port>, authoritative for acme.test, accepting TSIG-signed
# RFC 2136 updates. Names: *.acme.test A 127.0.0.1 (so every test name resolves to loopback).
dns_start() {
  require_cmd knotd kdig knsupdate
  local d="$TEST_TMP/knot"
  mkdir -p "$d/db" "$d/zones" "$d/run"
  DNS_PORT="$(free_port)"
  DNS_TSIG_SECRET="$(openssl rand -base64 32)"
  cat >"$d/zones/$DNS_ZONE.zone" <<EOF
\$ORIGIN $DNS_ZONE.
\$TTL 60
@       SOA ns.$DNS_ZONE. hostmaster.$DNS_ZONE. 1 3600 600 86400 60
@       NS  ns.$DNS_ZONE.
ns      A   127.0.0.1
@       A   127.0.0.1
*       A   127.0.0.1
EOF
  cat >"$d/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$DNS_PORT
    rundir: "$d/run"
    pidfile: "$d/run/knot.pid"
    tcp-reuseport: on

log:
  - target: stderr
    any: info

database:
    storage: "$d/db"

key:
  - id: $DNS_TSIG_NAME
    algorithm: $DNS_TSIG_ALG
    secret: $DNS_TSIG_SECRET

acl:
  - id: acme_update
    key: $DNS_TSIG_NAME
    action: update

template:
  - id: default
    storage: "$d/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none

zone:
  - domain: $DNS_ZONE
    file: "$DNS_ZONE.zone"
    acl: acme_update
EOF
  log "starting knotd on 127.0.0.1:$DNS_PORT"
  knotd -c "$d/knot.conf" >"$d/knotd.log" 2>&1 &
  bg_track $!
  log_track "$d/knotd.log"
  wait_until 20 "knotd to answer for $DNS_ZONE" _dns_ready
  export KNOT_SERVER=127.0.0.1 KNOT_PORT="$DNS_PORT" KNOT_ZONE="$DNS_ZONE"
  export KNOT_TSIG="$DNS_TSIG_ALG:$DNS_TSIG_NAME:$DNS_TSIG_SECRET"
}

_dns_ready() {
  [[ "$(kdig @127.0.0.1 -p "$DNS_PORT" +short +timeout=1 +retry=0 "ns.$DNS_ZONE" A)" == 127.0.0.1 ]]
}

# dns_txt add|del FQDN VALUE (uses the same knsupdate commands as the lego exec hook)
dns_txt() { "$IT_DIR/dns_hook.sh" "$@"; }

# --- the CA under test ---------------------------------------------------------------------------

CA_PORT=""
CA_HTTP_PORT=""
CA_CONFIG=""
CA_TLS_ROOT=""              # what clients trust for the ACME server's own TLS certificate
CA_CERT_LIFETIME=86400      # expected notAfter - notBefore of issued certificates, seconds
# Diagnostics only: extra seconds tolerated above CA_CERT_LIFETIME (default 0 = exact, the contract)
CA_LIFETIME_SLACK="${ATTESTCA_IT_LIFETIME_SLACK:-0}"
declare -A _PEB_PORT=() _PEB_MGMT=() _PEB_EAB=()
_PEB_HTTP=80 _PEB_TLS=443 _PEB_DNS=""
_PEBBLE_PIDS=()

# pg_test_db_url: ATTESTCA_TEST_PG_URL with the test's own database instead of its own.
pg_test_db_url() {
  local base="$ATTESTCA_TEST_PG_URL" query=""
  if [[ "$base" == *\?* ]]; then query="?${base#*\?}"; base="${base%%\?*}"; fi
  printf '%s/%s%s' "${base%/*}" "$PG_TEST_DB" "$query"
}

# db_update_one SQL VALUE: runs an UPDATE with one `?` placeholder bound to VALUE on the CA's database
# (whichever backend), as another process would; fails unless exactly one row changed.
db_update_one() {
  local sql="$1" value="$2" out
  if [[ "$ATTESTCA_TEST_BACKEND" == postgres ]]; then
    out="$(printf '%s;\n' "${sql//\?/:\'v\'}" |
      psql "$(pg_test_db_url)" -X -q -v ON_ERROR_STOP=1 -v "v=$value" -c '\set QUIET off' -f - 2>&1)" || return 1
    [[ "$out" == *"UPDATE 1"* ]]
  else
    python3 - "$CA_DIR/attestca.db" "$sql" "$value" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
with db:
    n = db.execute(sys.argv[2], (sys.argv[3],)).rowcount
sys.exit(0 if n == 1 else 1)
PY
  fi
}

# ca_init [extra attestca init args...]
ca_init() {
  CA_PORT="$(free_port)"
  CA_HTTP_PORT="$(free_port)"
  if [[ "$ACME_TEST_SERVER" == attestca ]]; then
    local storage_args=() db_file=attestca.db
    if [[ "$ATTESTCA_TEST_BACKEND" == postgres ]]; then
      PG_TEST_DB="it_${TEST_NAME//[^a-z0-9]/_}_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
      psql "$ATTESTCA_TEST_PG_URL" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PG_TEST_DB\"" ||
        fail "cannot create database $PG_TEST_DB"
      storage_args=(--storage postgres --db-url "$(pg_test_db_url)")
      db_file=""
      log "storage: PostgreSQL database $PG_TEST_DB"
    fi
    log "attestca init --dir $CA_DIR (listen 127.0.0.1:$CA_PORT)"
    "$ATTESTCA_BIN" init --dir "$CA_DIR" --name "attestca interop $TEST_NAME" \
      --listen "127.0.0.1:$CA_PORT" --http-listen "127.0.0.1:$CA_HTTP_PORT" \
      --dns-name localhost --dns-name 127.0.0.1 "${storage_args[@]}" "$@" >"$TEST_TMP/init.log" 2>&1 ||
      { cat "$TEST_TMP/init.log" >&2; fail "attestca init failed"; }
    local f
    for f in attestca.toml root.crt intermediate.crt intermediate.key root.key tls.crt tls.key $db_file; do
      [[ -s "$CA_DIR/$f" ]] || fail "attestca init did not create $CA_DIR/$f"
    done
    CA_CONFIG="$CA_DIR/attestca.toml"
    CA_TLS_ROOT="$CA_DIR/root.crt"
  else
    mkdir -p "$CA_DIR"
    _PEB_PORT[acme]=$CA_PORT
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -subj "/CN=pebble test TLS root" -keyout "$CA_DIR/tls-root.key" -out "$CA_DIR/tls-root.crt" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$CA_DIR/tls.key" -out "$CA_DIR/tls.csr" 2>/dev/null
    openssl x509 -req -in "$CA_DIR/tls.csr" -CA "$CA_DIR/tls-root.crt" -CAkey "$CA_DIR/tls-root.key" \
      -days 2 -out "$CA_DIR/tls.crt" -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n') 2>/dev/null
    CA_TLS_ROOT="$CA_DIR/tls-root.crt"
    CA_CERT_LIFETIME=""
  fi
}

# ca_set SECTION KEY TOML_VALUE: replace "KEY = ..." (or the commented "# KEY = ...") inside [SECTION],
# add it to the section if absent, append the section if absent. Example:
#   ca_set validation dns_resolver '"127.0.0.1:5353"'
ca_set() {
  local section=$1 key=$2 value=$3
  if [[ "$ACME_TEST_SERVER" != attestca ]]; then
    case "$section.$key" in
      validation.http01_port) _PEB_HTTP=$value ;;
      validation.tlsalpn01_port) _PEB_TLS=$value ;;
      validation.dns_resolver) _PEB_DNS=${value//\"/} ;;
    esac
    return 0
  fi
  python3 - "$CA_CONFIG" "$section" "$key" "$value" <<'EOF' || fail "could not set [$section] $key in $CA_CONFIG"
import re, sys
path, section, key, value = sys.argv[1:]
lines = open(path).read().split("\n")
header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
start = None
for i, l in enumerate(lines):
    m = header.match(l)
    if m and m.group(1) == section:
        start = i
        break
new = f"{key} = {value}"
if start is None:
    if lines and lines[-1] == "":
        lines.pop()
    lines += ["", f"[{section}]", new, ""]
else:
    end = len(lines)
    for j in range(start + 1, len(lines)):
        if header.match(lines[j]) or lines[j].lstrip().startswith("[["):
            end = j
            break
    pat = re.compile(r"^\s*(#\s*)?" + re.escape(key) + r"\s*=")
    done = False
    for j in range(start + 1, end):   # an active line first, else the commented default
        if pat.match(lines[j]) and not lines[j].lstrip().startswith("#"):
            lines[j] = new; done = True; break
    if not done:
        for j in range(start + 1, end):
            if pat.match(lines[j]):
                lines[j] = new; done = True; break
    if not done:
        lines.insert(start + 1, new)
open(path, "w").write("\n".join(lines))
EOF
}

# ca_add_provisioner NAME 'key = value'...: append a [provisioners.NAME] table
ca_add_provisioner() {
  local name=$1
  shift
  if [[ "$ACME_TEST_SERVER" != attestca ]]; then
    _PEB_PORT[$name]="$(free_port)"
    printf '%s\n' "$@" | grep -q 'require_eab *= *true' && _PEB_EAB[$name]=1
    return 0
  fi
  { printf '\n[provisioners.%s]\n' "$name"; printf '%s\n' "$@"; } >>"$CA_CONFIG"
}

# ca_use_dns: validation lookups go to our knotd (call dns_start first)
ca_use_dns() {
  [[ -n "$DNS_PORT" ]] || fail "ca_use_dns: dns_start was not called"
  ca_set validation dns_resolver "\"127.0.0.1:$DNS_PORT\""
}

ca_directory() { # ca_directory [PROVISIONER]
  local p=${1:-acme}
  if [[ "$ACME_TEST_SERVER" == attestca ]]; then
    echo "https://127.0.0.1:$CA_PORT/acme/$p/directory"
  else
    echo "https://127.0.0.1:${_PEB_PORT[$p]}/dir"
  fi
}

ca_root() { # issuance root of PROVISIONER
  if [[ "$ACME_TEST_SERVER" == attestca ]]; then echo "$CA_DIR/root.crt"; else echo "$CA_DIR/pebble-${1:-acme}/root.crt"; fi
}
ca_intermediate() {
  if [[ "$ACME_TEST_SERVER" == attestca ]]; then echo "$CA_DIR/intermediate.crt"; else echo "$CA_DIR/pebble-${1:-acme}/intermediate.crt"; fi
}

_directory_ok() { # _directory_ok URL
  curl -fsS --max-time 2 --cacert "$CA_TLS_ROOT" "$1" -o "$TEST_TMP/directory.json"
}

ca_start() {
  if [[ "$ACME_TEST_SERVER" != attestca ]]; then _pebble_start; return; fi
  local chk
  if ! chk="$("$ATTESTCA_BIN" serve --config "$CA_CONFIG" --check-config 2>&1)"; then
    printf -- '---- attestca.toml ----\n' >&2; cat "$CA_CONFIG" >&2
    fail "attestca serve --check-config rejected the test configuration: $chk"
  fi
  log "attestca serve --config $CA_CONFIG (log: $CA_LOG)"
  "$ATTESTCA_BIN" serve --config "$CA_CONFIG" >"$CA_LOG" 2>&1 &
  CA_PID=$!
  local url i
  url="$(ca_directory acme)"
  for i in $(seq 1 100); do
    if ! kill -0 "$CA_PID" 2>/dev/null; then
      wait "$CA_PID" && rc=0 || rc=$?
      CA_PID=""
      printf -- '---- attestca.toml ----\n' >&2; cat "$CA_CONFIG" >&2
      fail "attestca serve exited (rc=$rc) before it was ready"
    fi
    if _directory_ok "$url"; then
      log "ready: $url"
      return 0
    fi
    sleep 0.2
  done
  curl -sS -v --max-time 2 --cacert "$CA_TLS_ROOT" "$url" >&2 || true
  fail "attestca serve was not ready after 20 s ($url)"
}

# ca_stop: SIGTERM, and the server must exit 0 within 10 s
ca_stop() {
  if [[ "$ACME_TEST_SERVER" != attestca ]]; then return 0; fi
  [[ -n "$CA_PID" ]] || return 0
  local pid=$CA_PID i rc
  kill -TERM "$pid"
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "attestca serve did not stop within 10 s of SIGTERM"
  fi
  wait "$pid" && rc=0 || rc=$?
  CA_PID=""
  [[ $rc -eq 0 ]] || fail "attestca serve exited with status $rc after SIGTERM (expected a clean 0)"
  log "attestca serve stopped cleanly"
}

# ca_eab_new PROVISIONER: sets EAB_KID and EAB_HMAC
ca_eab_new() {
  local p=$1 out
  if [[ "$ACME_TEST_SERVER" != attestca ]]; then
    local n
    n=$(cat "$CA_DIR/pebble-$p/eab.next")
    EAB_KID="kid-$n"
    EAB_HMAC=$(sed -n "$((n + 1))p" "$CA_DIR/pebble-$p/eab.keys")
    echo $((n + 1)) >"$CA_DIR/pebble-$p/eab.next"
    return 0
  fi
  out="$("$ATTESTCA_BIN" eab new --config "$CA_CONFIG" --provisioner "$p" 2>&1)" ||
    { echo "$out" >&2; fail "attestca eab new --provisioner $p failed"; }
  EAB_KID="$(sed -n 's/^kid: *//p' <<<"$out" | head -n1)"
  EAB_HMAC="$(sed -n 's/^hmac_key: *//p' <<<"$out" | head -n1)"
  [[ -n "$EAB_KID" && -n "$EAB_HMAC" ]] || { echo "$out" >&2; fail "eab new: no 'kid:'/'hmac_key:' lines"; }
  [[ "$EAB_HMAC" =~ ^[A-Za-z0-9_-]+$ ]] || fail "eab new: hmac_key '$EAB_HMAC' is not base64url"
}

_pebble_start() {
  local p
  for p in "${!_PEB_PORT[@]}"; do
    local d="$CA_DIR/pebble-$p" mgmt eab=false keys="{}"
    mkdir -p "$d"
    mgmt="$(free_port)"
    _PEB_MGMT[$p]=$mgmt
    if [[ -n "${_PEB_EAB[$p]:-}" ]]; then
      eab=true
      : >"$d/eab.keys"
      local i
      for _ in 0 1 2 3 4 5 6 7; do openssl rand 32 | basenc --base64url | tr -d '=\n' >>"$d/eab.keys"; echo >>"$d/eab.keys"; done
      echo 0 >"$d/eab.next"
      keys=$(python3 -c 'import json,sys; print(json.dumps({f"kid-{i}": k.strip() for i, k in enumerate(open(sys.argv[1]))}))' "$d/eab.keys")
    fi
    cat >"$d/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:${_PEB_PORT[$p]}", "managementListenAddress": "127.0.0.1:$mgmt",
  "certificate": "$CA_DIR/tls.crt", "privateKey": "$CA_DIR/tls.key",
  "httpPort": $_PEB_HTTP, "tlsPort": $_PEB_TLS, "ocspResponderURL": "",
  "externalAccountBindingRequired": $eab, "externalAccountMACKeys": $keys}}
EOF
    local args=(-config "$d/pebble.json")
    [[ -n "$_PEB_DNS" ]] && args+=(-dnsserver "$_PEB_DNS")
    PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
      taskset -c 0 pebble "${args[@]}" >"$d/pebble.log" 2>&1 &
    _PEBBLE_PIDS+=($!)
    log_track "$d/pebble.log"
    wait_until 20 "pebble ($p)" _directory_ok "$(ca_directory "$p")"
    curl -fsS -k "https://127.0.0.1:$mgmt/roots/0" -o "$d/root.crt"
    curl -fsS -k "https://127.0.0.1:$mgmt/intermediates/0" -o "$d/intermediate.crt"
  done
}

# --- certificate checks --------------------------------------------------------------------------

# check_cert CHAIN_PEM "name1 name2" [PROVISIONER]
#   CHAIN_PEM holds leaf + intermediate (exactly 2 certificates); the leaf verifies against the
#   CA root with intermediate.crt; SANs (DNS and IP) equal the names in any order; lifetime is
#   CA_CERT_LIFETIME seconds; EKU serverAuth + clientAuth.
check_cert() {
  local chain=$1 expected=$2 prov=${3:-acme}
  local root inter dir leaf n
  root="$(ca_root "$prov")"
  inter="$(ca_intermediate "$prov")"
  [[ -s "$chain" ]] || fail "check_cert: $chain is missing or empty"
  dir="$(mktemp -d "$TEST_TMP/check.XXXXXX")"
  n=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$chain" || true)
  [[ "$n" -eq 2 ]] || fail "check_cert: $chain holds $n certificates, expected 2 (leaf + intermediate)"
  awk -v d="$dir" '/-----BEGIN CERTIFICATE-----/{n++} {print > (d "/c" n ".pem")}' "$chain"
  leaf="$dir/c1.pem"
  openssl x509 -in "$leaf" -noout 2>/dev/null || fail "check_cert: first certificate of $chain does not parse"
  # The second certificate is the CA's intermediate.
  if [[ "$(openssl x509 -in "$dir/c2.pem" -outform DER | sha256sum)" != "$(openssl x509 -in "$inter" -outform DER | sha256sum)" ]]; then
    fail "check_cert: the second certificate of $chain is not $inter"
  fi
  local out
  if ! out="$(openssl verify -CAfile "$root" -untrusted "$inter" "$leaf" 2>&1)"; then
    fail "check_cert: openssl verify failed for the leaf of $chain: $out"
  fi
  # SANs
  local got want
  # typed: an expected name that is an IPv4/IPv6 address must be an iPAddress SAN, others dNSName
  got="$(openssl x509 -in "$leaf" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr ',' '\n' |
    sed -e 's/^ *//' -e 's/^IP Address:/IP:/' | grep -v '^$' | sort | tr '\n' ' ')"
  want="$(tr ' ' '\n' <<<"$expected" | grep -v '^$' |
    sed -E -e '/^[0-9.]+$|:/s/^/IP:/' -e '/^IP:/!s/^/DNS:/' | sort | tr '\n' ' ')"
  [[ "$got" == "$want" ]] || fail "check_cert: SANs of $chain are [${got% }], expected [${want% }]"
  # Lifetime
  if [[ -n "$CA_CERT_LIFETIME" ]]; then
    local nb na life
    nb="$(openssl x509 -in "$leaf" -noout -startdate | cut -d= -f2)"
    na="$(openssl x509 -in "$leaf" -noout -enddate | cut -d= -f2)"
    life=$(($(date -u -d "$na" +%s) - $(date -u -d "$nb" +%s)))
    [[ "$life" -ge "$CA_CERT_LIFETIME" && "$life" -le $((CA_CERT_LIFETIME + CA_LIFETIME_SLACK)) ]] ||
      fail "check_cert: lifetime of $chain is ${life}s (notBefore $nb, notAfter $na), expected ${CA_CERT_LIFETIME}s"
    local eku
    eku="$(openssl x509 -in "$leaf" -noout -ext extendedKeyUsage 2>/dev/null | tail -n +2)"
    [[ "$eku" == *"TLS Web Server Authentication"* && "$eku" == *"TLS Web Client Authentication"* ]] ||
      fail "check_cert: EKU of $chain is '$eku', expected serverAuth + clientAuth"
  fi
  log "certificate OK: $chain [${got% }]"
}

cert_serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
cert_key_type() { # prints the leaf's public key algorithm line, e.g. "id-ecPublicKey" / "rsaEncryption"
  openssl x509 -in "$1" -noout -text | sed -n 's/^ *Public Key Algorithm: *//p' | head -n1
}

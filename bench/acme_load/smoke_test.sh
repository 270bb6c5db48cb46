#!/usr/bin/env bash
# bench-smoke.acme_load: acme-load against a real `attestca serve` (fresh CA in a temporary folder),
# as a correctness check of the load generator, never a timing check:
#   1. http-01, 5 issuances at concurrency 2 with one account, answered by acme-load's own responder;
#   2. device-attest-01, 5 issuances at concurrency 2 with an account per worker, attestations minted
#      under acme-load's test root (trusted by the provisioner "loaddev").
# Each run must end with 5 issued, 0 errors and 2-certificate chains, and the server must list 10
# certificates. Usage: smoke_test.sh ATTESTCA_BIN ACME_LOAD_BIN
set -euo pipefail
ATTESTCA="$1"
LOAD="$2"
W="$(mktemp -d /tmp/acme-load-smoke.XXXXXX)"
SERVER=""
cleanup() {
  [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  if [[ "${ok:-0}" == 1 ]]; then rm -rf "$W"; else echo "files kept in $W" >&2; tail -30 "$W/serve.log" >&2 || true; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port) HTTP_PORT=$(free_port) HTTP01_PORT=$(free_port)

"$ATTESTCA" init --dir "$W/ca" --name "acme-load smoke" --listen "127.0.0.1:$PORT" \
  --http-listen "127.0.0.1:$HTTP_PORT" --dns-name localhost --dns-name 127.0.0.1 >"$W/init.log" 2>&1
sed -i "s/^http01_port = .*/http01_port = $HTTP01_PORT/; s/^level = .*/level = \"warn\"/" "$W/ca/attestca.toml"
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

"$ATTESTCA" serve --config "$W/ca/attestca.toml" >"$W/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do
  curl -sf --cacert "$W/ca/root.crt" "https://127.0.0.1:$PORT/acme/acme/directory" >/dev/null && break
  kill -0 "$SERVER" || { echo "attestca serve exited"; exit 1; }
  sleep 0.1
done

# expect_clean NAME JSON: 5 issued, 10 certificates (leaf + intermediate each), no error, no badNonce.
expect_clean() {
  python3 - "$1" "$2" <<'PY'
import json, sys
name, r = sys.argv[1], json.loads(sys.argv[2])
want = {"issued": 5, "certificates": 10, "errors": 0, "bad_nonce": 0}
bad = {k: r.get(k) for k, v in want.items() if r.get(k) != v}
if bad:
    sys.exit(f"FAIL {name}: {bad} (want {want}); errors_by_kind={r.get('errors_by_kind')}")
print(f"ok   {name}: {r['issued']} issued, {r['posts_per_issuance']} POSTs per issuance")
PY
}
common=(--ca-file "$W/ca/root.crt" --n 5 --concurrency 2 --json --server-pid "$SERVER" --timeout-ms 10000)
out=$("$LOAD" --directory "https://127.0.0.1:$PORT/acme/acme/directory" --http01-listen "127.0.0.1:$HTTP01_PORT" "${common[@]}")
expect_clean "http-01, one account" "$out"
out=$("$LOAD" --directory "https://127.0.0.1:$PORT/acme/loaddev/directory" --challenge device-attest-01 \
  --attest-ca "$W/attest" --account-per-worker "${common[@]}")
expect_clean "device-attest-01, an account per worker" "$out"

listed=$("$ATTESTCA" cert list --config "$W/ca/attestca.toml" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[[ "$listed" == 10 ]] || { echo "FAIL: the server lists $listed certificates, want 10"; exit 1; }
echo "ok   the server lists 10 certificates"
ok=1

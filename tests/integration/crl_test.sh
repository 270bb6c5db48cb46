#!/usr/bin/env bash
# CRLs and the revocation pointers in issued certificates, with lego as the ACME client: the leaf
# carries AIA (OCSP, caIssuers) and a CRL distribution point under [server] public_http_url; the
# caIssuers URL serves the intermediate in DER; the CRL fetched from the CRLDP parses (openssl crl),
# verifies against the intermediate, and `openssl verify -crl_check` accepts the leaf. After lego
# revokes it (keyCompromise) the next fetch has a larger CRL number, lists the serial with the
# reason, and `openssl verify -crl_check` says "certificate revoked". `attestca crl --out` writes a
# fresh CRL (DER and --pem) that says the same.
# The root CRL: `attestca init` writes it (number 1); the server serves it at /crl/root.crl (it
# verifies with the root); `openssl verify -crl_check_all` with both CRLs says OK before and
# "certificate revoked" after; `attestca crl --root` raises its number (file, output, and what the
# running server serves within seconds); an old data folder without one gets one at start.
. "$(dirname "$0")/lib.sh"
require_cmd lego curl
[[ "$ACME_TEST_SERVER" == attestca ]] || { log "attestca only (pebble publishes no CRL)"; exit 0; }
require_port_free "$HTTP01_PORT"

dns_start
ca_init
ca_set validation http01_port "$HTTP01_PORT"
ca_use_dns
BASE="http://127.0.0.1:$CA_HTTP_PORT"
grep -q "^public_http_url = \"$BASE\"" "$CA_CONFIG" || fail "attestca init did not write public_http_url = $BASE"
ca_set crl validity '"2h"'
ca_start

export LEGO_CA_CERTIFICATES="$CA_TLS_ROOT"
L="$TEST_TMP/lego"
lg() { lego --server "$(ca_directory acme)" --path "$L" --accept-tos --email it@acme.test "$@"; }
run_ok "lego run --http (crl.acme.test)" "$TEST_TMP/run.out" \
  lg --http --http.port "127.0.0.1:$HTTP01_PORT" -d crl.acme.test run
check_cert "$L/certificates/crl.acme.test.crt" "crl.acme.test"

I="$(ca_intermediate)"
R="$(ca_root)"
C="$TEST_TMP/crl"
mkdir -p "$C"
LEAF="$C/leaf.pem"
openssl x509 -in "$L/certificates/crl.acme.test.crt" -out "$LEAF"
SERIAL="$(cert_serial "$LEAF")"
header() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -n1; }

# 1. The pointers in the certificate.
openssl x509 -in "$LEAF" -noout -text >"$C/leaf.txt"
assert_grep "OCSP - URI:$BASE/ocsp\$" "$C/leaf.txt" "no AIA OCSP URL"
assert_grep "CA Issuers - URI:$BASE/ca/intermediate.crt\$" "$C/leaf.txt" "no AIA caIssuers URL"
assert_grep "X509v3 CRL Distribution Points" "$C/leaf.txt" "no CRL distribution point"
assert_grep "URI:$BASE/crl/intermediate.crl\$" "$C/leaf.txt" "the CRL distribution point URL is wrong"

# 2. caIssuers: the intermediate in DER, application/pkix-cert.
curl -fsS -D "$C/issuer.h" -o "$C/issuer.der" "$BASE/ca/intermediate.crt" || fail "GET caIssuers failed"
[[ "$(header "$C/issuer.h" Content-Type)" == application/pkix-cert ]] || fail "caIssuers Content-Type is not application/pkix-cert"
cmp -s <(openssl x509 -inform DER -in "$C/issuer.der" -outform DER) <(openssl x509 -in "$I" -outform DER) ||
  fail "caIssuers does not serve the intermediate (DER)"

# fetch_crl NAME: GET the CRLDP URL into $C/NAME.der (+ .pem, .h, .txt), checking headers and signature.
fetch_crl() {
  local n=$1
  curl -fsS -D "$C/$n.h" -o "$C/$n.der" "$BASE/crl/intermediate.crl" || fail "GET the CRL ($n) failed"
  [[ "$(header "$C/$n.h" Content-Type)" == application/pkix-crl ]] || fail "$n: Content-Type is not application/pkix-crl"
  [[ "$(header "$C/$n.h" Cache-Control)" =~ max-age=([0-9]+) ]] && (( BASH_REMATCH[1] <= 300 )) ||
    fail "$n: Cache-Control is '$(header "$C/$n.h" Cache-Control)', want a short max-age"
  [[ "$(header "$C/$n.h" Last-Modified)" == *GMT ]] || fail "$n: no Last-Modified"
  run_ok "openssl crl -text ($n)" "$C/$n.txt" openssl crl -inform DER -in "$C/$n.der" -noout -text
  run_ok "openssl crl -CAfile intermediate ($n)" "$C/$n.verify" openssl crl -inform DER -in "$C/$n.der" -CAfile "$I" -noout
  assert_grep '^verify OK' "$C/$n.verify" "$n: the CRL signature does not verify with the intermediate"
  assert_grep 'Version 2 \(0x1\)' "$C/$n.txt" "$n: not a v2 CRL"
  openssl crl -inform DER -in "$C/$n.der" -out "$C/$n.pem"
}
crl_number() { openssl crl -in "$C/$1.pem" -noout -crlnumber | sed 's/^crlNumber=0x//'; }

# 2b. The root CRL: made by init (number 1), served over HTTP as the same DER, signed by the root.
[[ -s "$CA_DIR/root.crl" ]] || fail "attestca init did not write $CA_DIR/root.crl"
curl -fsS -D "$C/root.h" -o "$C/root.der" "$BASE/crl/root.crl" || fail "GET /crl/root.crl failed"
[[ "$(header "$C/root.h" Content-Type)" == application/pkix-crl ]] || fail "root CRL: Content-Type is not application/pkix-crl"
[[ -n "$(header "$C/root.h" ETag)" ]] || fail "root CRL: no ETag"
cmp -s "$C/root.der" "$CA_DIR/root.crl" || fail "the served root CRL is not the data folder's"
run_ok "openssl crl -text (root)" "$C/root.txt" openssl crl -inform DER -in "$C/root.der" -noout -text
run_ok "openssl crl -CAfile root (root CRL)" "$C/root.verify" openssl crl -inform DER -in "$C/root.der" -CAfile "$R" -noout
assert_grep '^verify OK' "$C/root.verify" "the root CRL does not verify with the root"
assert_grep 'No Revoked Certificates' "$C/root.txt" "the root CRL lists certificates"
assert_grep 'X509v3 Authority Key Identifier' "$C/root.txt" "the root CRL has no authority key identifier"
openssl crl -inform DER -in "$C/root.der" -out "$C/root.pem"
[[ "$(openssl crl -in "$C/root.pem" -noout -crlnumber)" == crlNumber=0x01 ]] ||
  fail "the root CRL made by init is not number 1: $(openssl crl -in "$C/root.pem" -noout -crlnumber)"
u="$(openssl crl -in "$C/root.pem" -noout -lastupdate | cut -d= -f2)"
n="$(openssl crl -in "$C/root.pem" -noout -nextupdate | cut -d= -f2)"
(( $(date -d "$n" +%s) - $(date -d "$u" +%s) == 365 * 86400 - 1 )) || fail "root CRL validity is not 365d - 1s ($u, $n)"
code="$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $(header "$C/root.h" ETag)" "$BASE/crl/root.crl")"
[[ "$code" == 304 ]] || fail "root CRL: If-None-Match with its ETag gave $code, expected 304"

# 3. Before revocation: no entries, the leaf verifies with CRL checking.
fetch_crl before
assert_grep 'No Revoked Certificates' "$C/before.txt" "a fresh CA's CRL lists certificates"
assert_grep 'X509v3 CRL Number' "$C/before.txt" "no CRL number"
assert_grep 'X509v3 Authority Key Identifier' "$C/before.txt" "no authority key identifier"
u="$(openssl crl -in "$C/before.pem" -noout -lastupdate | cut -d= -f2)"
n="$(openssl crl -in "$C/before.pem" -noout -nextupdate | cut -d= -f2)"
(( $(date -d "$n" +%s) - $(date -d "$u" +%s) == 7200 )) || fail "nextUpdate - thisUpdate is not the configured 2h ($u, $n)"
run_ok "openssl verify -crl_check (good)" "$C/verify_good.out" \
  openssl verify -crl_check -CAfile "$R" -untrusted "$I" -CRLfile "$C/before.pem" "$LEAF"
assert_grep ": OK\$" "$C/verify_good.out" "verify -crl_check did not accept the unrevoked leaf"
# -crl_check_all checks the intermediate against the root's CRL too: without it, no chain.
expect_fail "openssl verify -crl_check_all (no root CRL)" "$C/verify_all_noroot.out" \
  openssl verify -crl_check_all -CAfile "$R" -untrusted "$I" -CRLfile "$C/before.pem" "$LEAF"
assert_grep 'unable to get certificate CRL' "$C/verify_all_noroot.out" "-crl_check_all passed without the root CRL"
run_ok "openssl verify -crl_check_all (good)" "$C/verify_all_good.out" \
  openssl verify -crl_check_all -CAfile "$R" -untrusted "$I" -CRLfile "$C/before.pem" -CRLfile "$C/root.pem" "$LEAF"
assert_grep ": OK\$" "$C/verify_all_good.out" "verify -crl_check_all did not accept the unrevoked leaf"

# 4. Revoke over ACME (lego, keyCompromise); the very next fetch reflects it.
run_ok "lego revoke --reason 1" "$TEST_TMP/revoke.out" lg -d crl.acme.test revoke --reason 1 --keep
fetch_crl after
b="$(crl_number before)"
a="$(crl_number after)"
(( 16#$a > 16#$b )) || fail "the CRL number did not grow ($b -> $a)"
assert_grep "Serial Number: $SERIAL\$" "$C/after.txt" "the revoked serial $SERIAL is not listed"
assert_grep 'Key Compromise' "$C/after.txt" "the entry has no keyCompromise reason"
expect_fail "openssl verify -crl_check (revoked)" "$C/verify_revoked.out" \
  openssl verify -crl_check -CAfile "$R" -untrusted "$I" -CRLfile "$C/after.pem" "$LEAF"
assert_grep 'certificate revoked' "$C/verify_revoked.out" "verify -crl_check did not say 'certificate revoked'"
expect_fail "openssl verify -crl_check_all (revoked)" "$C/verify_all_revoked.out" \
  openssl verify -crl_check_all -CAfile "$R" -untrusted "$I" -CRLfile "$C/after.pem" -CRLfile "$C/root.pem" "$LEAF"
assert_grep 'certificate revoked' "$C/verify_all_revoked.out" "verify -crl_check_all did not say 'certificate revoked'"
# Unchanged state: the same CRL (same number) and a 304 for its ETag.
etag="$(header "$C/after.h" ETag)"
code="$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$BASE/crl/intermediate.crl")"
[[ "$code" == 304 ]] || fail "If-None-Match with the current ETag gave $code, expected 304"

# HEAD: same headers, Content-Length of the DER, no body.
len="$(curl -fsS -I "$BASE/crl/intermediate.crl" | tr -d '\r' | sed -n 's/^content-length: //Ip')"
(( len == $(stat -c %s "$C/after.der") )) || fail "HEAD Content-Length $len is not the CRL's size"

# Another process changes the revocation in the database (no call into the server): the next
# fetch shows it, because a trigger bumps the revision the cache compares.
# The store keys serials as whole lowercase octets, which is what `openssl x509 -serial` prints.
db_update_one "UPDATE certificates SET revocation_reason = 4 WHERE serial = ?" \
  "$(printf '%s' "$SERIAL" | tr 'A-F' 'a-f')" || fail "could not update the database"
fetch_crl other_process
assert_grep 'Superseded' "$C/other_process.txt" "a revocation written by another process did not reach the CRL"
a="$(crl_number other_process)"

# 5. attestca crl --out (DER, then --pem), next to the running server: a newer number, same entry.
run_ok "attestca crl --out" "$C/cli.out" "$ATTESTCA_BIN" crl --config "$CA_CONFIG" --out "$C/cli.der"
run_ok "openssl crl (cli DER)" "$C/cli.txt" openssl crl -inform DER -in "$C/cli.der" -CAfile "$I" -noout -text
assert_grep "Serial Number: $SERIAL\$" "$C/cli.txt" "attestca crl does not list the revoked serial"
run_ok "attestca crl --pem --out" "$C/cli_pem.out" "$ATTESTCA_BIN" crl --config "$CA_CONFIG" --pem --out "$C/cli.pem"
grep -q -- '-----BEGIN X509 CRL-----' "$C/cli.pem" || fail "attestca crl --pem did not write PEM"
c="$(crl_number cli)"
(( 16#$c > 16#$a )) || fail "attestca crl did not take a newer CRL number ($a -> $c)"
expect_fail "openssl verify -crl_check (cli CRL)" "$C/verify_cli.out" \
  openssl verify -crl_check -CAfile "$R" -untrusted "$I" -CRLfile "$C/cli.pem" "$LEAF"
assert_grep 'certificate revoked' "$C/verify_cli.out" "the CLI's CRL does not revoke the leaf"

# 5b. attestca crl --root: the next number, in --out and in the data folder; the server serves it
# within seconds (a fetch re-reads the file every 5 s); --pem works too.
run_ok "attestca crl --root --out" "$C/root_cli.out" "$ATTESTCA_BIN" crl --config "$CA_CONFIG" --root --out "$C/root2.der"
run_ok "openssl crl -CAfile root (crl --root)" "$C/root2.verify" openssl crl -inform DER -in "$C/root2.der" -CAfile "$R" -noout -crlnumber
assert_grep '^verify OK' "$C/root2.verify" "attestca crl --root wrote a CRL the root does not verify"
assert_grep '^crlNumber=0x02$' "$C/root2.verify" "attestca crl --root did not take number 2"
cmp -s "$C/root2.der" "$CA_DIR/root.crl" || fail "attestca crl --root did not replace the data folder's root CRL"
run_ok "attestca crl --root --pem --out" "$C/root_cli_pem.out" "$ATTESTCA_BIN" crl --config "$CA_CONFIG" --root --pem --out "$C/root3.pem"
[[ "$(openssl crl -in "$C/root3.pem" -noout -crlnumber)" == crlNumber=0x03 ]] || fail "the second attestca crl --root is not number 3"
served_root3() {
  curl -fsS -o "$C/root_served.der" "$BASE/crl/root.crl" &&
    [[ "$(openssl crl -inform DER -in "$C/root_served.der" -noout -crlnumber)" == crlNumber=0x03 ]]
}
wait_until 20 "the server serves the root CRL number 3" served_root3
ca_stop

# 6. Across a restart the number keeps growing (it lives in the database).
ca_start
fetch_crl restarted
r="$(crl_number restarted)"
(( 16#$r > 16#$c )) || fail "after a restart the CRL number went back ($c -> $r)"
ca_stop

# 7. A data folder from before root CRLs (none on disk): serve makes number 1 at start (root key here).
rm -f "$CA_DIR/root.crl"
ca_start
curl -fsS -o "$C/root_new.der" "$BASE/crl/root.crl" || fail "no root CRL served for an old data folder"
[[ "$(openssl crl -inform DER -in "$C/root_new.der" -noout -crlnumber)" == crlNumber=0x01 ]] ||
  fail "serve did not make root CRL number 1 for a data folder without one"
cmp -s "$C/root_new.der" "$CA_DIR/root.crl" || fail "serve did not store the root CRL it made"
ca_stop
# ...and with the root key kept offline it serves nothing there and says so in the log.
mv "$CA_DIR/root.key" "$CA_DIR/root.key.offline"
rm -f "$CA_DIR/root.crl"
ca_start
code="$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/crl/root.crl")"
[[ "$code" == 503 ]] || fail "without a root CRL and key, /crl/root.crl gave $code, expected 503"
assert_grep 'no root CRL to serve' "$CA_LOG" "no warning about the missing root CRL"
ca_stop
mv "$CA_DIR/root.key.offline" "$CA_DIR/root.key"

#!/usr/bin/env bash
# The OCSP responder with `openssl ocsp` as the client, against a certificate lego obtained over
# ACME (http-01): POST and GET (curl), with and without a nonce, SHA-1 and SHA-256 CertIDs, each
# answer verified against the root (-CAfile); GET caching headers and 304; then lego revokes it
# (keyCompromise) and the answer is revoked with that reason; a never-issued serial and a foreign
# issuer get `unauthorized` (not cacheable), garbage gets malformedRequest (400); with
# [ocsp] echo_nonce = true the nonce comes back; with [ocsp] signer = "delegated" the answers are
# signed by an OCSP responder certificate (carried in the answer) and verify against the root alone,
# against -VAfile, and show the responder's key hash; GET bytes and strong ETag stay the same while
# cached. Revocations by the server itself re-sign the answers and the CRL before they answer (log).
# Expired certificates are never signed for again: one revoked after its notAfter answers
# `unauthorized`, not a freshly signed `revoked`.
. "$(dirname "$0")/lib.sh"
require_cmd lego
[[ "$ACME_TEST_SERVER" == attestca ]] || { log "attestca only (pebble has no such responder)"; exit 0; }
require_port_free "$HTTP01_PORT"

dns_start
ca_init
ca_set validation http01_port "$HTTP01_PORT"
ca_use_dns
ca_set ocsp validity '"4h"'
ca_start

export LEGO_CA_CERTIFICATES="$CA_TLS_ROOT"
L="$TEST_TMP/lego"
lg() { lego --server "$(ca_directory acme)" --path "$L" --accept-tos --email it@acme.test "$@"; }
run_ok "lego run --http (ocsp.acme.test)" "$TEST_TMP/run.out" \
  lg --http --http.port "127.0.0.1:$HTTP01_PORT" -d ocsp.acme.test run
check_cert "$L/certificates/ocsp.acme.test.crt" "ocsp.acme.test"

I="$(ca_intermediate)"
R="$(ca_root)"
LEAF="$TEST_TMP/leaf.pem"
openssl x509 -in "$L/certificates/ocsp.acme.test.crt" -out "$LEAF"
U="http://127.0.0.1:$CA_HTTP_PORT/ocsp"
O="$TEST_TMP/ocsp"
mkdir -p "$O"

# ocsp_ok NAME EXPECTED_STATUS openssl-ocsp-args...: must exit 0, verify, and print LEAF: STATUS
ocsp_ok() {
  local name=$1 want=$2
  shift 2
  run_ok "openssl ocsp $name" "$O/$name.out" openssl ocsp "$@"
  assert_grep "^$LEAF: $want\$" "$O/$name.out" "$name: status is not $want"
  assert_grep '^Response verify OK' "$O/$name.out" "$name: the answer does not verify against the root"
  assert_grep 'Next Update:' "$O/$name.out" "$name: no nextUpdate"
  if grep -q 'Status times invalid' "$O/$name.out"; then fail "$name: thisUpdate/nextUpdate refused by openssl"; fi
}
# b64url FILE: the URL-encoded base64 of a DER request (as RFC 6960 App. A.1 GET wants)
b64url() { openssl base64 -A -in "$1" | sed 's/+/%2B/g;s#/#%2F#g;s/=/%3D/g'; }
header() { tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | head -n1; }

# 1. POST: good, with the default nonce (not echoed: WARNING, exit 0) and without.
ocsp_ok post_nonce good -issuer "$I" -cert "$LEAF" -url "$U" -CAfile "$R" -resp_text -nonce
assert_grep 'WARNING: no nonce in response' "$O/post_nonce.out" "the nonce was echoed although echo_nonce is off"
# byKey: openssl prints the key hash (the issuerKeyHash of a SHA-1 CertID), byName a DN.
kh="$(sed -n 's/^ *Issuer Key Hash: //p' "$O/post_nonce.out")"
assert_grep "Responder Id: $kh\$" "$O/post_nonce.out" "the responder ID is not the intermediate's key hash"
ocsp_ok post_no_nonce good -issuer "$I" -cert "$LEAF" -url "$U" -CAfile "$R" -no_nonce
if grep -q WARNING "$O/post_no_nonce.out"; then fail "post_no_nonce: unexpected warning"; fi

# 2. SHA-256 CertID (the digest option comes before -cert): answered in SHA-256.
ocsp_ok post_sha256 good -issuer "$I" -sha256 -cert "$LEAF" -url "$U" -CAfile "$R" -resp_text -no_nonce
assert_grep 'Hash Algorithm: sha256' "$O/post_sha256.out" "the SHA-256 CertID was not echoed"

# 3. GET with curl; the answer is checked by openssl ocsp -respin.
openssl ocsp -issuer "$I" -cert "$LEAF" -no_nonce -reqout "$O/q.der" >/dev/null 2>&1
run_ok "GET $U/<base64>" "$O/get.curl" curl -sS -D "$O/get.h" -o "$O/r.der" "$U/$(b64url "$O/q.der")"
grep -q '^HTTP/1.1 200' "$O/get.h" || fail "GET: not 200: $(head -n1 "$O/get.h")"
[[ "$(header "$O/get.h" Content-Type)" == application/ocsp-response ]] || fail "GET: wrong Content-Type"
cc="$(header "$O/get.h" Cache-Control)"
[[ "$cc" =~ ^max-age=([0-9]+),\ public,\ no-transform,\ must-revalidate$ ]] || fail "GET: Cache-Control is '$cc'"
(( BASH_REMATCH[1] > 4 * 3600 - 120 && BASH_REMATCH[1] <= 4 * 3600 )) || fail "GET: max-age ${BASH_REMATCH[1]} is not about 4h"
etag="$(header "$O/get.h" ETag)"
[[ -n "$etag" ]] || fail "GET: no ETag"
for h in Last-Modified Expires Date; do [[ "$(header "$O/get.h" "$h")" == *GMT ]] || fail "GET: no $h"; done
ocsp_ok get_respin good -respin "$O/r.der" -issuer "$I" -cert "$LEAF" -CAfile "$R" -no_nonce
# Raw base64, a doubled slash and no padding are the same request.
raw="$(openssl base64 -A -in "$O/q.der")"
for variant in "$raw" "/$raw" "${raw%%=*}"; do
  curl -sS -o "$O/v.der" "$U/$variant"
  ocsp_ok get_variant good -respin "$O/v.der" -issuer "$I" -cert "$LEAF" -CAfile "$R" -no_nonce
done
# A request with a nonce over GET: answered, never echoed.
openssl ocsp -issuer "$I" -cert "$LEAF" -nonce -reqout "$O/qn.der" >/dev/null 2>&1
curl -sS -o "$O/rn.der" "$U/$(b64url "$O/qn.der")"
ocsp_ok get_nonce good -respin "$O/rn.der" -issuer "$I" -cert "$LEAF" -CAfile "$R" -no_nonce
# If-None-Match with the ETag: 304 without a body. The ETag covers thisUpdate (whole minutes), so
# fetch it again right before asking, and once more if a minute boundary fell in between.
for attempt in 1 2; do
  curl -sS -D "$O/get2.h" -o /dev/null "$U/$(b64url "$O/q.der")"
  etag="$(header "$O/get2.h" ETag)"
  code="$(curl -sS -D "$O/304.h" -o "$O/304.body" -w '%{http_code}' -H "If-None-Match: $etag" "$U/$(b64url "$O/q.der")")"
  [[ "$code" == 304 ]] && break
done
[[ "$code" == 304 ]] || fail "If-None-Match with the current ETag gave $code, expected 304"
[[ ! -s "$O/304.body" ]] || fail "the 304 has a body"
[[ "$(header "$O/304.h" ETag)" == "$etag" ]] || fail "the 304 carries another ETag"

# 4. Revoke over ACME (lego, keyCompromise); the next answers say revoked with that reason.
run_ok "lego revoke --reason 1" "$TEST_TMP/revoke.out" lg -d ocsp.acme.test revoke --reason 1 --keep
# The server re-signed the answers and the CRL before revokeCert answered (no OCSP or CRL fetch yet).
serial_lc="$(cert_serial "$LEAF" | tr 'A-F' 'a-f')"
assert_grep "ocsp: answers for revoked serial $serial_lc re-signed before the revocation answered" "$CA_LOG" \
  "revokeCert did not re-sign the OCSP answers"
assert_grep "crl: signed number [0-9]+ with 1 entries" "$CA_LOG" "revokeCert did not sign a new CRL"
ocsp_ok post_revoked revoked -issuer "$I" -cert "$LEAF" -url "$U" -CAfile "$R" -no_nonce
assert_grep 'Reason: keyCompromise' "$O/post_revoked.out" "revoked without the keyCompromise reason"
assert_grep 'Revocation Time:' "$O/post_revoked.out" "revoked without a revocation time"
code="$(curl -sS -o "$O/r2.der" -w '%{http_code}' -H "If-None-Match: $etag" "$U/$(b64url "$O/q.der")")"
[[ "$code" == 200 ]] || fail "after revocation the old ETag still matched ($code)"
ocsp_ok get_revoked revoked -respin "$O/r2.der" -issuer "$I" -cert "$LEAF" -CAfile "$R" -no_nonce

# 5. Never-issued serial and foreign issuer: unauthorized (6), exit 1, not cacheable.
expect_fail "never-issued serial" "$O/unknown.out" openssl ocsp -issuer "$I" -serial 0x1234 -url "$U" -no_nonce
assert_grep 'Responder Error: unauthorized \(6\)' "$O/unknown.out" "a never-issued serial was not unauthorized"
openssl ocsp -issuer "$I" -serial 0x1234 -no_nonce -reqout "$O/qu.der" >/dev/null 2>&1
curl -sS -D "$O/unknown.h" -o /dev/null "$U/$(b64url "$O/qu.der")"
[[ "$(header "$O/unknown.h" Cache-Control)" == "max-age=0, no-cache" ]] || fail "unauthorized is cacheable"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Other CA" \
  -keyout "$O/other.key" -out "$O/other.crt" 2>/dev/null
expect_fail "foreign issuer" "$O/foreign.out" openssl ocsp -issuer "$O/other.crt" -serial "0x$(cert_serial "$LEAF")" -url "$U" -no_nonce
assert_grep 'Responder Error: unauthorized \(6\)' "$O/foreign.out" "a foreign issuer's CertID was not unauthorized"

# 6. Garbage: 400 with malformedRequest; other methods: 405.
printf 'definitely not an OCSP request' >"$O/junk"
code="$(curl -sS -o "$O/junk.der" -w '%{http_code}' --data-binary @"$O/junk" -H 'Content-Type: application/ocsp-request' "$U")"
[[ "$code" == 400 ]] || fail "garbage POST gave HTTP $code, expected 400"
[[ "$(od -An -tx1 "$O/junk.der" | tr -d ' \n')" == 30030a0101 ]] || fail "garbage POST body is not malformedRequest"
expect_fail "respin of the malformed answer" "$O/junk.out" openssl ocsp -respin "$O/junk.der" -issuer "$I" -cert "$LEAF" -no_nonce
assert_grep 'Responder Error: malformedrequest \(1\)' "$O/junk.out" "openssl did not read malformedRequest"
code="$(curl -sS -D "$O/put.h" -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$O/q.der" "$U")"
[[ "$code" == 405 && "$(header "$O/put.h" Allow)" == "GET, POST" ]] || fail "PUT gave $code without Allow: GET, POST"
ca_stop

# 7. echo_nonce = true: the nonce comes back (no WARNING), and the answer still verifies.
ca_set ocsp echo_nonce true
ca_start
ocsp_ok post_echo revoked -issuer "$I" -cert "$LEAF" -url "$U" -CAfile "$R" -nonce
if grep -q 'WARNING: no nonce' "$O/post_echo.out"; then fail "echo_nonce = true did not echo the nonce"; fi
ca_stop

# 8. signer = "delegated": a fresh leaf (good) and the revoked one, verified with the root as the
# only anchor (the answer carries the responder certificate; -verify_other supplies the intermediate).
ca_set ocsp echo_nonce false
ca_set ocsp signer '"delegated"'
ca_start
run_ok "lego run --http (ocsp2.acme.test)" "$TEST_TMP/run2.out" \
  lg --http --http.port "127.0.0.1:$HTTP01_PORT" -d ocsp2.acme.test run
LEAF2="$TEST_TMP/leaf2.pem"
openssl x509 -in "$L/certificates/ocsp2.acme.test.crt" -out "$LEAF2"
run_ok "openssl ocsp delegated good" "$O/del_good.out" openssl ocsp -issuer "$I" -cert "$LEAF2" -url "$U" \
  -CAfile "$R" -verify_other "$I" -no_nonce -resp_text
assert_grep "^$LEAF2: good\$" "$O/del_good.out" "delegated: the fresh certificate is not good"
assert_grep '^Response verify OK' "$O/del_good.out" "delegated: the answer does not verify against the root"
if grep -q 'Status times invalid' "$O/del_good.out"; then fail "delegated: thisUpdate/nextUpdate refused"; fi
# The responder certificate, as the answer carries it: OCSPSigning only, nocheck, issued by I.
openssl ocsp -issuer "$I" -cert "$LEAF2" -no_nonce -reqout "$O/q2.der" >/dev/null 2>&1
curl -sS -D "$O/del.h" -o "$O/del.der" "$U/$(b64url "$O/q2.der")"
openssl ocsp -respin "$O/del.der" -resp_text -noverify 2>/dev/null |
  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' >"$O/responder.pem"
[[ -s "$O/responder.pem" ]] || fail "delegated: the answer carries no responder certificate"
openssl x509 -in "$O/responder.pem" -noout -text >"$O/responder.txt"
assert_grep 'OCSP Signing' "$O/responder.txt" "delegated: no id-kp-OCSPSigning"
assert_grep 'OCSP No Check' "$O/responder.txt" "delegated: no id-pkix-ocsp-nocheck"
if grep -q 'TLS Web' "$O/responder.txt"; then fail "delegated: EKU has more than OCSPSigning"; fi
run_ok "responder cert chains to the root" "$O/responder.verify" \
  openssl verify -CAfile "$R" -untrusted "$I" -purpose ocsphelper "$O/responder.pem"
# Responder ID by key: the SHA-1 of the responder certificate's key.
# (a P-256 SubjectPublicKeyInfo ends with the 65 key octets the hash covers).
rk="$(openssl x509 -in "$O/responder.pem" -noout -pubkey | openssl pkey -pubin -outform DER | tail -c 65 |
      openssl sha1 -binary | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
openssl ocsp -respin "$O/del.der" -resp_text -noverify >"$O/del.txt" 2>/dev/null
assert_grep "Responder Id: $rk\$" "$O/del.txt" "delegated: the responder ID is not the responder key's hash"
# -VAfile: trust the responder certificate directly.
run_ok "openssl ocsp -VAfile" "$O/del_va.out" openssl ocsp -respin "$O/del.der" -issuer "$I" -cert "$LEAF2" \
  -VAfile "$O/responder.pem" -no_nonce
assert_grep "^$LEAF2: good\$" "$O/del_va.out" "delegated -VAfile: not good"
assert_grep '^Response verify OK' "$O/del_va.out" "delegated -VAfile: does not verify"
# Cached: the same bytes and strong ETag on the next GET, and 304 for it.
curl -sS -D "$O/del2.h" -o "$O/del2.der" "$U/$(b64url "$O/q2.der")"
cmp -s "$O/del.der" "$O/del2.der" || fail "delegated: a cached answer changed bytes"
etag2="$(header "$O/del2.h" ETag)"
[[ "$etag2" == \"*\" && "$etag2" == "$(header "$O/del.h" ETag)" ]] || fail "delegated: ETag not strong or not stable ($etag2)"
code="$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag2" "$U/$(b64url "$O/q2.der")")"
[[ "$code" == 304 ]] || fail "delegated: If-None-Match gave $code"
# The first leaf (revoked earlier over ACME) is revoked under the delegated signer too, and a revocation
# straight after a cached good answer is answered at once.
ocsp_ok del_revoked revoked -issuer "$I" -cert "$LEAF" -url "$U" -CAfile "$R" -verify_other "$I" -no_nonce
run_ok "lego revoke ocsp2" "$TEST_TMP/revoke2.out" lg -d ocsp2.acme.test revoke --reason 4 --keep
run_ok "openssl ocsp delegated revoked" "$O/del_rev2.out" openssl ocsp -issuer "$I" -cert "$LEAF2" -url "$U" \
  -CAfile "$R" -verify_other "$I" -no_nonce
assert_grep "^$LEAF2: revoked\$" "$O/del_rev2.out" "delegated: a cached good outlived the revocation"
assert_grep 'Reason: superseded' "$O/del_rev2.out" "delegated: revoked without the superseded reason"
ca_stop

# 9. Expired certificates: a 1-minute certificate (notBefore is backdated a minute, so notAfter is
# its issuance time) revoked once expired answers unauthorized: nothing is signed after notAfter.
ca_set ocsp signer '"ca"'
ca_set provisioners.acme cert_lifetime '"1m"'
ca_start
run_ok "lego run --http (expired.acme.test)" "$TEST_TMP/run3.out" \
  lg --http --http.port "127.0.0.1:$HTTP01_PORT" -d expired.acme.test run
LEAF3="$TEST_TMP/leaf3.pem"
openssl x509 -in "$L/certificates/expired.acme.test.crt" -out "$LEAF3"
na3="$(date -d "$(openssl x509 -in "$LEAF3" -noout -enddate | cut -d= -f2)" +%s)"
expired_now() { (( $(date +%s) > na3 )); }  # notAfter itself is still inside the validity
wait_until 10 "the 1-minute certificate to expire" expired_now
run_ok "attestca cert revoke (expired)" "$O/rev3.out" \
  "$ATTESTCA_BIN" cert revoke "$(cert_serial "$LEAF3")" --reason keyCompromise --config "$CA_CONFIG"
expect_fail "openssl ocsp (expired, then revoked)" "$O/expired.out" \
  openssl ocsp -issuer "$I" -cert "$LEAF3" -url "$U" -CAfile "$R" -no_nonce
assert_grep 'Responder Error: unauthorized \(6\)' "$O/expired.out" "an answer was signed after the certificate's notAfter"
expect_fail "openssl ocsp -sha256 (expired, then revoked)" "$O/expired256.out" \
  openssl ocsp -issuer "$I" -sha256 -cert "$LEAF3" -url "$U" -CAfile "$R" -no_nonce
assert_grep 'Responder Error: unauthorized \(6\)' "$O/expired256.out" "a SHA-256 answer was signed after notAfter"
ca_stop

#!/usr/bin/env bash
# lego (Debian's lego 4.9) against attestca: http-01 (lego listens on 127.0.0.1:5002), tls-alpn-01
# (127.0.0.1:5001), renew, revoke (twice: the second must fail), and External Account Binding on a
# provisioner that requires it (with EAB: issued; without: refused, lego checks meta itself).
. "$(dirname "$0")/lib.sh"
require_cmd lego
require_port_free "$HTTP01_PORT"
require_port_free "$TLSALPN01_PORT"

dns_start
ca_init
ca_set validation http01_port "$HTTP01_PORT"
ca_set validation tlsalpn01_port "$TLSALPN01_PORT"
ca_use_dns
ca_add_provisioner eab 'challenges = ["http-01"]' 'require_eab = true'
ca_start

export LEGO_CA_CERTIFICATES="$CA_TLS_ROOT"
L="$TEST_TMP/lego"
lg() { # lg PROVISIONER PATH args...
  local p=$1 path=$2
  shift 2
  lego --server "$(ca_directory "$p")" --path "$path" --accept-tos --email it@acme.test "$@"
}

# 1. http-01, ECDSA P-256 (lego default), two names
run_ok "lego run --http (lego.acme.test, www.lego.acme.test)" "$TEST_TMP/http.out" \
  lg acme "$L" --http --http.port "127.0.0.1:$HTTP01_PORT" -d lego.acme.test -d www.lego.acme.test run
check_cert "$L/certificates/lego.acme.test.crt" "lego.acme.test www.lego.acme.test"
cmp -s <(openssl x509 -in "$L/certificates/lego.acme.test.issuer.crt" -outform DER) \
  <(openssl x509 -in "$(ca_intermediate)" -outform DER) || fail "lego issuer.crt is not the intermediate"

# 2. tls-alpn-01, RSA 2048
run_ok "lego run --tls (tls.lego.acme.test, rsa2048)" "$TEST_TMP/tls.out" \
  lg acme "$L" --tls --tls.port "127.0.0.1:$TLSALPN01_PORT" --key-type rsa2048 -d tls.lego.acme.test run
check_cert "$L/certificates/tls.lego.acme.test.crt" "tls.lego.acme.test"
[[ "$(cert_key_type "$L/certificates/tls.lego.acme.test.crt")" == rsaEncryption ]] || fail "tls.lego.acme.test is not RSA"

# 3. renew (forced by --days beyond the lifetime)
old="$(cert_serial "$L/certificates/lego.acme.test.crt")"
run_ok "lego renew --days 100000" "$TEST_TMP/renew.out" \
  lg acme "$L" --http --http.port "127.0.0.1:$HTTP01_PORT" -d lego.acme.test -d www.lego.acme.test \
  renew --days 100000 --no-random-sleep
new="$(cert_serial "$L/certificates/lego.acme.test.crt")"
[[ "$old" != "$new" ]] || fail "lego renew did not replace the certificate (serial $old)"
check_cert "$L/certificates/lego.acme.test.crt" "lego.acme.test www.lego.acme.test"

# 4. revoke; revoking the same certificate again must fail
run_ok "lego revoke" "$TEST_TMP/revoke.out" lg acme "$L" -d lego.acme.test revoke --keep
expect_fail "second lego revoke" "$TEST_TMP/revoke2.out" lg acme "$L" -d lego.acme.test revoke --keep
assert_grep 'alreadyRevoked' "$TEST_TMP/revoke2.out" "second revocation was not refused with alreadyRevoked"

# 5. EAB
dir_json="$(curl -fsS --cacert "$CA_TLS_ROOT" "$(ca_directory eab)")"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d.get("meta",{}).get("externalAccountRequired") is True, d' "$dir_json" ||
  fail "the eab provisioner's directory lacks meta.externalAccountRequired = true: $dir_json"
expect_fail "lego without EAB against the eab provisioner" "$TEST_TMP/noeab.out" \
  lg eab "$TEST_TMP/lego-noeab" --http --http.port "127.0.0.1:$HTTP01_PORT" -d noeab.lego.acme.test run
assert_grep 'external account' "$TEST_TMP/noeab.out" "lego without EAB failed for another reason than EAB"
ca_eab_new eab
log "EAB kid=$EAB_KID"
run_ok "lego run --eab" "$TEST_TMP/eab.out" \
  lg eab "$TEST_TMP/lego-eab" --eab --kid "$EAB_KID" --hmac "$EAB_HMAC" \
  --http --http.port "127.0.0.1:$HTTP01_PORT" -d eab.lego.acme.test run
check_cert "$TEST_TMP/lego-eab/certificates/eab.lego.acme.test.crt" "eab.lego.acme.test" eab

ca_stop

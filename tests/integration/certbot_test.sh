#!/usr/bin/env bash
# certbot (Debian's certbot 2.x) against attestca: http-01 with certbot's standalone listener on
# 127.0.0.1:5002, ECDSA and RSA certificates, forced renewal, revocation with the account key and
# with the certificate key, and a second revocation of the same certificate refused (alreadyRevoked).
. "$(dirname "$0")/lib.sh"
require_cmd certbot
require_port_free "$HTTP01_PORT"

dns_start
ca_init
ca_set validation http01_port "$HTTP01_PORT"
ca_use_dns
ca_start
DIR_URL="$(ca_directory acme)"

S="$TEST_TMP/certbot"
mkdir -p "$S"
export REQUESTS_CA_BUNDLE="$CA_TLS_ROOT"
cb() {
  certbot --config-dir "$S/c" --work-dir "$S/w" --logs-dir "$S/l" --non-interactive \
    --server "$DIR_URL" "$@"
}
log_track "$S/l/letsencrypt.log"
certonly() { # certonly CERT_NAME KEY_TYPE NAME...
  local name=$1 kt=$2
  shift 2
  local ds=() n
  for n in "$@"; do ds+=(-d "$n"); done
  run_ok "certbot certonly --key-type $kt ${*}" "$S/certonly-$name.out" \
    cb certonly --standalone --preferred-challenges http-01 --http-01-port "$HTTP01_PORT" \
    --http-01-address 127.0.0.1 --agree-tos --register-unsafely-without-email \
    --key-type "$kt" --cert-name "$name" "${ds[@]}"
}

# 1. ECDSA, two names
certonly ec ecdsa certbot.acme.test www.certbot.acme.test
check_cert "$S/c/live/ec/fullchain.pem" "certbot.acme.test www.certbot.acme.test"
[[ "$(cert_key_type "$S/c/live/ec/cert.pem")" == id-ecPublicKey ]] || fail "ec certificate has key type $(cert_key_type "$S/c/live/ec/cert.pem")"
# certbot's own chain.pem is what the server sent after the leaf
cmp -s <(openssl x509 -in "$S/c/live/ec/chain.pem" -outform DER) <(openssl x509 -in "$(ca_intermediate)" -outform DER) ||
  fail "certbot chain.pem is not the intermediate"

# 2. RSA
certonly rsa rsa rsa.certbot.acme.test
check_cert "$S/c/live/rsa/fullchain.pem" "rsa.certbot.acme.test"
[[ "$(cert_key_type "$S/c/live/rsa/cert.pem")" == rsaEncryption ]] || fail "rsa certificate has key type $(cert_key_type "$S/c/live/rsa/cert.pem")"

# 3. forced renewal of the ECDSA certificate: a new serial, same names
old_serial="$(cert_serial "$S/c/live/ec/cert.pem")"
run_ok "certbot renew --force-renewal --cert-name ec" "$S/renew.out" \
  cb renew --force-renewal --no-random-sleep-on-renew --cert-name ec
new_serial="$(cert_serial "$S/c/live/ec/cert.pem")"
[[ "$new_serial" != "$old_serial" ]] || fail "certbot renew did not produce a new certificate (serial $old_serial)"
check_cert "$S/c/live/ec/fullchain.pem" "certbot.acme.test www.certbot.acme.test"

# 4. revoke (account key), reason keyCompromise; a second revocation must fail with alreadyRevoked
run_ok "certbot revoke --reason keycompromise (account key)" "$S/revoke1.out" \
  cb revoke --cert-path "$S/c/live/ec/cert.pem" --reason keycompromise --no-delete-after-revoke
expect_fail "second certbot revoke of the same certificate" "$S/revoke2.out" \
  cb revoke --cert-path "$S/c/live/ec/cert.pem" --reason keycompromise --no-delete-after-revoke
cat "$S/l/letsencrypt.log" >>"$S/revoke2.out" 2>/dev/null || true
assert_grep 'alreadyRevoked' "$S/revoke2.out" "second revocation was not refused with urn:ietf:params:acme:error:alreadyRevoked"

# 5. revoke the RSA certificate signed with the certificate's own key (RFC 8555 7.6, second method)
run_ok "certbot revoke --key-path (certificate key)" "$S/revoke3.out" \
  cb revoke --cert-path "$S/c/live/rsa/cert.pem" --key-path "$S/c/live/rsa/privkey.pem" \
  --reason keycompromise --no-delete-after-revoke

ca_stop

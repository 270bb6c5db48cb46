#!/usr/bin/env bash
# uacme (Debian's uacme 1.7, libcurl-gnutls) against attestca: account creation, http-01 through
# uacme's own hook /usr/share/uacme/uacme.sh writing into a web root served by a small HTTP server on
# 127.0.0.1:5002, an EC and an RSA certificate, an IP identifier (RFC 8738; uacme is the only packaged
# client that sends "type": "ip"), and revocation.
# uacme has no trust option: it runs in a private mount namespace where the test root is
# bind-mounted over /etc/ssl/certs/ca-certificates.crt.
. "$(dirname "$0")/lib.sh"
require_cmd uacme unshare mount
HOOK=/usr/share/uacme/uacme.sh
[[ -x "$HOOK" ]] || fail "$HOOK is missing (package uacme)"
require_port_free "$HTTP01_PORT"

dns_start
ca_init
ca_set validation http01_port "$HTTP01_PORT"
ca_use_dns
ca_start
DIR_URL="$(ca_directory acme)"

# web root + HTTP server for http-01
WEB="$TEST_TMP/www"
mkdir -p "$WEB/.well-known/acme-challenge"
python3 -m http.server --bind 127.0.0.1 --directory "$WEB" "$HTTP01_PORT" >"$TEST_TMP/http.log" 2>&1 &
bg_track $!
log_track "$TEST_TMP/http.log"
echo ok >"$WEB/.well-known/acme-challenge/probe"
wait_until 10 "the http-01 web server" curl -fsS "http://127.0.0.1:$HTTP01_PORT/.well-known/acme-challenge/probe"
rm "$WEB/.well-known/acme-challenge/probe"
export UACME_CHALLENGE_PATH="$WEB/.well-known/acme-challenge"

U="$TEST_TMP/uacme"
mkdir -p "$U"
if [[ $(id -u) -eq 0 ]]; then NS=(unshare -m); else NS=(unshare -r -m); fi
ua() { # uacme in a mount namespace that trusts CA_TLS_ROOT
  "${NS[@]}" sh -c 'mount --bind "$1" /etc/ssl/certs/ca-certificates.crt && shift && exec "$@"' sh \
    "$CA_TLS_ROOT" uacme -v -a "$DIR_URL" -c "$U" "$@"
}

run_ok "uacme new" "$TEST_TMP/new.out" ua -y new it@acme.test
[[ -s "$U/private/key.pem" ]] || fail "uacme new did not create an account key"

# EC certificate, two names
run_ok "uacme issue uacme.acme.test www.uacme.acme.test (EC)" "$TEST_TMP/issue-ec.out" \
  ua -t EC -h "$HOOK" issue uacme.acme.test www.uacme.acme.test
check_cert "$U/uacme.acme.test/cert.pem" "uacme.acme.test www.uacme.acme.test"
[[ "$(cert_key_type "$U/uacme.acme.test/cert.pem")" == id-ecPublicKey ]] || fail "uacme EC certificate is not EC"
[[ -z "$(ls -A "$UACME_CHALLENGE_PATH")" ]] || fail "uacme hook left challenge files behind"

# RSA certificate
run_ok "uacme issue rsa.uacme.acme.test (RSA)" "$TEST_TMP/issue-rsa.out" \
  ua -t RSA -b 2048 -h "$HOOK" issue rsa.uacme.acme.test
check_cert "$U/rsa.uacme.acme.test/cert.pem" "rsa.uacme.acme.test"
[[ "$(cert_key_type "$U/rsa.uacme.acme.test/cert.pem")" == rsaEncryption ]] || fail "uacme RSA certificate is not RSA"

# IP identifier (RFC 8738): http-01 to 127.0.0.1:5002
run_ok "uacme issue 127.0.0.1 (ip identifier)" "$TEST_TMP/issue-ip.out" \
  ua -vv -t EC -h "$HOOK" issue 127.0.0.1
assert_grep '"type": ?"ip"' "$TEST_TMP/issue-ip.out" "uacme did not send an ip identifier"
check_cert "$U/127.0.0.1/cert.pem" "127.0.0.1"

# revoke (account key); uacme renames a revoked cert.pem, so keep a copy for the second attempt
cp "$U/rsa.uacme.acme.test/cert.pem" "$TEST_TMP/rsa-copy.pem"
run_ok "uacme revoke" "$TEST_TMP/revoke.out" ua revoke "$U/rsa.uacme.acme.test/cert.pem"
expect_fail "second uacme revoke" "$TEST_TMP/revoke2.out" ua revoke "$TEST_TMP/rsa-copy.pem"
assert_grep 'alreadyRevoked' "$TEST_TMP/revoke2.out" "second revocation was not refused with alreadyRevoked"

ca_stop

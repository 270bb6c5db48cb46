#!/usr/bin/env bash
# Regenerates fuzz/corpus/ocsp_request_fuzz/ with `openssl ocsp -reqout` (SHA-1 and SHA-256 CertIDs,
# with and without a nonce, two CertIDs) plus a GET request-target. Keys are fresh on every run.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)/ocsp_request_fuzz"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=seed CA" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=leaf" -keyout l.key -out l.csr 2>/dev/null
openssl x509 -req -in l.csr -CA ca.crt -CAkey ca.key -days 1 -out leaf.crt 2>/dev/null
mkdir -p "$out"
openssl ocsp -issuer ca.crt -cert leaf.crt -no_nonce -reqout "$out/sha1_no_nonce.der"
openssl ocsp -issuer ca.crt -cert leaf.crt -nonce -reqout "$out/sha1_nonce.der"
openssl ocsp -issuer ca.crt -sha256 -cert leaf.crt -no_nonce -reqout "$out/sha256_no_nonce.der"
openssl ocsp -issuer ca.crt -sha256 -cert leaf.crt -nonce -reqout "$out/sha256_nonce.der"
openssl ocsp -issuer ca.crt -cert leaf.crt -serial 0x1234 -sha256 -serial 0x5678 -no_nonce -reqout "$out/two_certids.der"
printf '/ocsp/%s' "$(openssl base64 -A -in "$out/sha1_nonce.der" | sed 's/+/%2B/g;s#/#%2F#g;s/=/%3D/g')" >"$out/get_target.txt"
printf '\x30\x03\x0a\x01\x01' >"$out/garbage.bin"

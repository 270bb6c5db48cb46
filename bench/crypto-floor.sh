#!/usr/bin/env bash
# The crypto floor of one issuance on this machine: what an issuance would cost if it cost only its
# signature operations, measured with `openssl speed` on one core. Per issuance attestca:
#   verifies  JWS_PER_ISSUANCE account signatures (every signed POST of acme-load's flow: newOrder,
#             authz, challenge, authz poll(s), finalize, order poll(s), certificate; 6 when nothing
#             has to be polled) and the CSR's self-signature (1);
#   signs     the certificate (1) and its two pre-signed OCSP answers (SHA-1 and SHA-256 CertIDs: 2).
# The account keys are P-256 (acme-load); the CA key's curve is read from CA_CERT (default P-256).
#
#   bench/crypto-floor.sh [JWS_PER_ISSUANCE] [CA_CERT]     # default 6, P-256
#   CPU=0 SECONDS_PER_ALG=2 bench/crypto-floor.sh          # the core to pin openssl speed to
# The last line is machine-readable: floor_issuances_per_s=... cost_us=... (compare-pebble.sh reads it).
set -euo pipefail
JWS="${1:-6}"
CA_CERT="${2:-}"
CPU="${CPU:-0}"
SECS="${SECONDS_PER_ALG:-2}"

ca_alg=ecdsap256
if [[ -n "$CA_CERT" ]]; then
  case "$(openssl x509 -in "$CA_CERT" -noout -text | sed -n 's/.*ASN1 OID: //p' | head -1)" in
    prime256v1) ca_alg=ecdsap256 ;;
    secp384r1) ca_alg=ecdsap384 ;;
    *) echo "crypto-floor: only EC P-256 and P-384 CA keys are supported ($CA_CERT)" >&2; exit 2 ;;
  esac
fi

# speed ALG -> "sign/s verify/s" (openssl speed's last two columns for that curve).
speed() {
  local curve=${1#ecdsa}
  taskset -c "$CPU" openssl speed -seconds "$SECS" "$1" 2>/dev/null |
    awk -v c="(nist$curve)" '$0 ~ "ecdsa " && index($0, c) { print $(NF-1), $NF }'
}
read -r p256_sign p256_verify < <(speed ecdsap256)
if [[ $ca_alg == ecdsap256 ]]; then
  ca_sign=$p256_sign
else
  read -r ca_sign _ < <(speed "$ca_alg")
fi
[[ -n "${p256_verify:-}" && -n "${ca_sign:-}" ]] || { echo "crypto-floor: could not read openssl speed's output" >&2; exit 1; }

awk -v jws="$JWS" -v v="$p256_verify" -v s256="$p256_sign" -v cs="$ca_sign" -v ca="$ca_alg" -v cpu="$CPU" 'BEGIN {
  verify_us = 1e6 / v; sign_us = 1e6 / cs
  verifies = jws + 1; signs = 3
  cost = verifies * verify_us + signs * sign_us
  printf "openssl speed on CPU %s: ecdsap256 %.0f sign/s, %.0f verify/s", cpu, s256, v
  if (ca != "ecdsap256") printf "; %s %.0f sign/s", ca, cs
  printf "\n"
  printf "per issuance: %g P-256 verifications (%g JWS + 1 CSR) x %.1f us + %d %s signatures (certificate + 2 OCSP) x %.1f us = %.0f us\n",
    verifies, jws, verify_us, signs, ca, sign_us, cost
  printf "crypto floor: %.0f issuances/s per core\n", 1e6 / cost
  printf "floor_issuances_per_s=%.0f cost_us=%.0f\n", 1e6 / cost, cost
}'

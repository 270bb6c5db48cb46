// Apple Enterprise Attestation Root CA, the trust anchor of Apple Managed Device Attestation.
//   Subject  C=US, O=Apple Inc., CN=Apple Enterprise Attestation Root CA (ECDSA P-384)
//   Validity 2022-02-16T19:01:24Z .. 2047-02-20T00:00:00Z, serial 42C0C2BB2C727C5C5EABF6F1A66F1FAC5D798737
//   SHA-256  ccf59ef8fcb3017d97f8b5fa6fa90e7a3f9283f76b55ac6cf6eda8b8b949f05b (DER)
// Published by Apple at https://www.apple.com/certificateauthority/private/ ; this copy is
// src/attestation/roots/apple_enterprise_attestation_root.pem, taken from the project's vector set
// (shared/vectors/roots/apple-enterprise-attestation-root-ca.pem, itself from smallstep/certificates
// acme/challenge.go @1c44aeca, same DER as brandonweeks/nanoca). tests/attestation/apple_test.cc
// checks that the two stay byte-identical and that the fingerprint above holds.
#include "attestation/roots/builtin_pem.h"

namespace ca::attestation::builtin {

const std::string_view kAppleEnterpriseAttestationRootPem = R"PEM(
-----BEGIN CERTIFICATE-----
MIICJDCCAamgAwIBAgIUQsDCuyxyfFxeq/bxpm8frF15hzcwCgYIKoZIzj0EAwMw
UTEtMCsGA1UEAwwkQXBwbGUgRW50ZXJwcmlzZSBBdHRlc3RhdGlvbiBSb290IENB
MRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzAeFw0yMjAyMTYxOTAx
MjRaFw00NzAyMjAwMDAwMDBaMFExLTArBgNVBAMMJEFwcGxlIEVudGVycHJpc2Ug
QXR0ZXN0YXRpb24gUm9vdCBDQTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UE
BhMCVVMwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAAT6Jigq+Ps9Q4CoT8t8q+UnOe2p
oT9nRaUfGhBTbgvqSGXPjVkbYlIWYO+1zPk2Sz9hQ5ozzmLrPmTBgEWRcHjA2/y7
7GEicps9wn2tj+G89l3INNDKETdxSPPIZpPj8VmjQjBAMA8GA1UdEwEB/wQFMAMB
Af8wHQYDVR0OBBYEFPNqTQGd8muBpV5du+UIbVbi+d66MA4GA1UdDwEB/wQEAwIB
BjAKBggqhkjOPQQDAwNpADBmAjEA1xpWmTLSpr1VH4f8Ypk8f3jMUKYz4QPG8mL5
8m9sX/b2+eXpTv2pH4RZgJjucnbcAjEA4ZSB6S45FlPuS/u4pTnzoz632rA+xW/T
ZwFEh9bhKjJ+5VQ9/Do1os0u3LEkgN/r
-----END CERTIFICATE-----
)PEM";

}  // namespace ca::attestation::builtin

// Google "Key Attestation CA1" (C=US, O=Google LLC, OU=Android), the EC P-384 root of Android Key
// Attestation from 2025 on (format "android-key").
//   Validity 2025-07-17T22:32:18Z .. 2035-07-15T22:32:18Z, serial 84A9D0297B0EB58AE7FF0E80DE760605
//   SHA-256  6d9db4ce6c5c0b293166d08986e05774a8776ceb525d9e4329520de12ba4bcc0 (DER)
// Published by Google (developer.android.com, security-key-attestation#root_certificate; also in
// smallstep/certificates acme/challenge.go); this copy is
// src/attestation/roots/google_key_attestation_ca1.pem, taken from
// shared/vectors/roots/google-key-attestation-ca1-ec-p384.pem.
#include "attestation/roots/builtin_pem.h"

namespace ca::attestation::builtin {

const std::string_view kGoogleKeyAttestationCa1Pem = R"PEM(
-----BEGIN CERTIFICATE-----
MIICIjCCAaigAwIBAgIRAISp0Cl7DrWK5/8OgN52BgUwCgYIKoZIzj0EAwMwUjEc
MBoGA1UEAwwTS2V5IEF0dGVzdGF0aW9uIENBMTEQMA4GA1UECwwHQW5kcm9pZDET
MBEGA1UECgwKR29vZ2xlIExMQzELMAkGA1UEBhMCVVMwHhcNMjUwNzE3MjIzMjE4
WhcNMzUwNzE1MjIzMjE4WjBSMRwwGgYDVQQDDBNLZXkgQXR0ZXN0YXRpb24gQ0Ex
MRAwDgYDVQQLDAdBbmRyb2lkMRMwEQYDVQQKDApHb29nbGUgTExDMQswCQYDVQQG
EwJVUzB2MBAGByqGSM49AgEGBSuBBAAiA2IABCPaI3FO3z5bBQo8cuiEas4HjqCt
G/mLFfRT0MsIssPBEEU5Cfbt6sH5yOAxqEi5QagpU1yX4HwnGb7OtBYpDTB57uH5
Eczm34A5FNijV3s0/f0UPl7zbJcTx6xwqMIRq6NCMEAwDwYDVR0TAQH/BAUwAwEB
/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFFIyuyz7RkOb3NaBqQ5lZuA0QepA
MAoGCCqGSM49BAMDA2gAMGUCMETfjPO/HwqReR2CS7p0ZWoD/LHs6hDi422opifH
EUaYLxwGlT9SLdjkVpz0UUOR5wIxAIoGyxGKRHVTpqpGRFiJtQEOOTp/+s1GcxeY
uR2zh/80lQyu9vAFCj6E4AXc+osmRg==
-----END CERTIFICATE-----
)PEM";

}  // namespace ca::attestation::builtin

#pragma once
// The signature over the key authorization that formats "step" and "android-key" carry in
// attStmt.sig, made by the attested key (step-ca acme/challenge.go; shared/spec/device-attest.md §2).
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "ossl/unique.h"

namespace ca::attestation {

// CheckKeyAuthSignature verifies sig with key over key_authorization, as step-ca does: ECDSA P-256
// (DER signature over SHA-256), RSA PKCS#1 v1.5 with SHA-256, or Ed25519 over the raw bytes. Any
// other key type or curve is refused. Errors: kBadAttestation, detail "<format>: ...".
Result<void> CheckKeyAuthSignature(EVP_PKEY* key, ByteView sig, std::string_view key_authorization,
                                   const std::string& format);

}  // namespace ca::attestation

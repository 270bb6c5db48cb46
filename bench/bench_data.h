#pragma once
// Inputs of the attestation benchmarks: real samples from shared/vectors (read once, before any
// timing) and minted YubiKey-like "step" chains. Anything missing or failing aborts the process: a
// benchmark of a verification that fails measures the wrong path, and the bench-smoke ctest must
// notice.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attestation/object.h"
#include "attestation/roots.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "support/android_builders.h"
#include "support/attest_builders.h"

namespace ca::bench {

// Require aborts, printing what and detail, unless ok.
void Require(bool ok, std::string_view what, std::string_view detail = {});

// Check aborts with r's error detail unless r holds a value.
template <class T>
void Check(const Result<T>& r, std::string_view what) {
  if (!r) Require(false, what, r.error().detail);
}

// Must returns r's value or aborts with its error detail.
template <class T>
T Must(Result<T> r, std::string_view what) {
  Check(r, what);
  return std::move(*r);
}

// ReadShared returns shared/<rel>: $ATTESTCA_SHARED_DIR if set, else the source tree's ../shared.
std::string ReadShared(const std::string& rel);
std::vector<Bytes> DerChainFromPem(const std::string& pem);  // leaf first, as the PEM orders them
UnixTime At(const std::string& rfc3339);

// AttObjCbor encodes {"fmt": fmt, "attStmt": {["alg": alg,] ["sig": sig,] "x5c": [x5c...]}}, the
// device-attest-01 attObj (definite lengths, as clients send it).
Bytes AttObjCbor(std::string_view fmt, const std::vector<Bytes>& x5c, std::optional<int64_t> alg = std::nullopt,
                 const std::optional<Bytes>& sig = std::nullopt);

// AppleSample is darkbloom-f99b7905, the one real Mac attestation whose nonce preimage is published,
// so VerifyApple runs to success at its pinned time.
struct AppleSample {
  std::vector<Bytes> x5c;  // leaf, Apple Enterprise Attestation Sub CA 1
  std::string token;
  UnixTime at = 0;
};
AppleSample RealApple();

// YubiKeySample is a real slot attestation as a client sends it (leaf, f9) with its pinned time.
struct YubiKeySample {
  std::vector<Bytes> x5c;
  UnixTime at = 0;
};
// name: a shared/vectors/samples/yubikey-piv basename, e.g. "pivgo-fw5.4.3-9a-p256".
YubiKeySample RealYubiKey(const std::string& name, const std::string& pinned);

// MintedStep is a YubiKey-like chain: test root -> "f9" device CA -> slot leaf carrying the Yubico
// serial, firmware, policy and form factor extensions. Its key is ours, so sig can be real.
struct MintedStep {
  testing::TestCert root, f9, leaf;
  attestation::TrustRoots roots{"step"};  // the test root only
  std::vector<Bytes> x5c;                 // leaf, f9
  std::string serial = "15732500";
  UnixTime at = 0;  // inside every validity window
};
MintedStep MintStep();

// StepSig is the attStmt sig for msg: CBOR bstr(DER ECDSA P-256 over SHA-256(msg)) by key.
Bytes StepSig(EVP_PKEY* key, std::string_view msg);

// TpmSample is a real Windows Hello "tpm" attStmt (shared/vectors/samples/webauthn/tpm), the
// extraData its WebAuthn ceremony expects (hash(authData || clientDataHash), as recorded in
// tests/attestation/tpm_vectors_test.cc), Microsoft TPM Root CA 2014 as the only anchor, and its
// pinned time.
struct TpmSample {
  attestation::AttStmt st;
  Bytes extra_data;
  attestation::TrustRoots roots{"tpm"};
  UnixTime at = 0;
};
TpmSample RealTpm(const std::string& name, const std::string& extra_data_hex, const std::string& pinned);

// MintedTpm is a TPM attestation of our own (tests/support attest_builders_tpm.cc: test root ->
// intermediate -> AK certificate with a PermanentIdentifier, ES256 AK signature, attested key
// P-256) whose certInfo.extraData is SHA-256(kKeyAuthorization), so VerifyTpm runs whole.
struct MintedTpm {
  testing::TpmTestAttestation att;
  attestation::TrustRoots roots{"tpm"};  // the test root only
  UnixTime at = 0;
};
MintedTpm MintTpm();

// AndroidChainSample is a real Android attestation chain, leaf first, with its pinned time: the x5c
// of a WebAuthn android-key object (shared/vectors/samples/webauthn/android-key/<name>) or one of
// google/android-key-attestation's chains (samples/android-key-chains/<dir>/cert0..3.der).
struct AndroidChainSample {
  std::vector<Bytes> x5c;
  UnixTime at = 0;
};
AndroidChainSample RealAndroidWebAuthn(const std::string& name, const std::string& pinned);
AndroidChainSample RealAndroidChain(const std::string& dir, const std::string& pinned);

// MintedAndroid is an android-key attestation of our own (tests/support android_builders: P-384
// test root -> intermediate -> P-256 leaf with a TEE KeyDescription whose challenge is
// kKeyAuthorization), sig a real ECDSA signature over kKeyAuthorization.
struct MintedAndroid {
  testing::AndroidTestChain chain;
  attestation::AttStmt st;
  attestation::TrustRoots roots{"android-key"};  // the test root only
  UnixTime at = 0;
};
MintedAndroid MintAndroid();

// KeyDescriptionOf returns the KeyDescription extnValue contents of a certificate (DER); aborts if
// it has none.
Bytes KeyDescriptionOf(const Bytes& cert_der);

// kKeyAuthorization is a key authorization of the usual shape (token "." thumbprint).
inline constexpr std::string_view kKeyAuthorization =
    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

}  // namespace ca::bench

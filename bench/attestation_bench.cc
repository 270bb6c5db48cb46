// Device attestation benchmarks: each format's full verification on real data where the data
// allows it, and the pieces (attObj CBOR decode, chain verification, leaf parsing). Inputs are read
// and built before the timed loop; every iteration's result is checked, so a regression that makes
// verification fail aborts instead of timing an error path.
//
// Adding a format: one BM_Verify<Format> function below that reads its samples (bench_data.h), calls
// the verifier in the loop through Verified(), and one BENCHMARK line.
#include <benchmark/benchmark.h>

#include "attestation/android.h"
#include "attestation/apple.h"
#include "attestation/key_description.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "attestation/step.h"
#include "attestation/tpm.h"
#include "attestation/tpm_structs.h"
#include "bench_data.h"

namespace ca::bench {
namespace {

using attestation::AttestedDevice;

// Verified keeps the optimiser from dropping the call and aborts if verification failed.
void Verified(const Result<AttestedDevice>& r, std::string_view what) {
  Check(r, what);
  benchmark::DoNotOptimize(r->spki_sha256_hex.data());
}

// --- full verification, one function a format ----------------------------------------------------

// apple: VerifyApple on a real Mac MDA chain (leaf + Apple Sub CA 1 to the built-in Apple root, nonce
// = SHA-256(token), leaf extensions) at its pinned time.
void BM_VerifyApple_RealMda(benchmark::State& state) {
  const AppleSample s = RealApple();
  const attestation::TrustRoots roots = attestation::BuiltinRoots("apple");
  for (auto _ : state) {
    Verified(attestation::VerifyApple(s.x5c, s.token, /*require_nonce=*/true, roots, s.at), "VerifyApple");
  }
}
BENCHMARK(BM_VerifyApple_RealMda);

// step: VerifyStep on a minted YubiKey-like chain (EC P-384 root and f9, P-256 slot key), sig a real
// ECDSA P-256 signature over the key authorization. Real YubiKey chains cannot be used whole: no
// one holds their slot keys, so no sig over our key authorization exists (see the next two).
void BM_VerifyStep_MintedP256(benchmark::State& state) {
  const MintedStep m = MintStep();
  attestation::AttStmt st;
  st.alg = -7;
  st.sig = StepSig(m.leaf.key.get(), kKeyAuthorization);
  st.x5c = m.x5c;
  for (auto _ : state) Verified(attestation::VerifyStep(st, kKeyAuthorization, m.roots, m.at), "VerifyStep");
}
BENCHMARK(BM_VerifyStep_MintedP256);

// step on real YubiKeys, without the signature: VerifyChain of (leaf, f9) to the built-in Yubico
// roots at the pinned time, then ParseStepLeaf. The sig check VerifyStep adds is one ECDSA P-256 or
// RSA-2048 verification (compare BM_VerifyStep_MintedP256 with BM_VerifyChain_MintedStep).
void BM_StepChainAndLeaf_RealYubiKey(benchmark::State& state, const char* name, const char* pinned) {
  const YubiKeySample s = RealYubiKey(name, pinned);
  const attestation::TrustRoots roots = attestation::BuiltinRoots("step");
  for (auto _ : state) {
    auto chain = attestation::VerifyChain(s.x5c, roots, s.at);
    Check(chain, "VerifyChain");
    Verified(attestation::ParseStepLeaf(s.x5c[0]), "ParseStepLeaf");
  }
}
// fw 5.4.3, P-256 slot key, f9 under Yubico PIV Root CA Serial 263751 (RSA-2048): 2 links.
BENCHMARK_CAPTURE(BM_StepChainAndLeaf_RealYubiKey, pivgo_fw543_p256, "pivgo-fw5.4.3-9a-p256", "2016-03-15T00:00:00Z");
// fw 5.7.4, RSA-2048 slot key, 2024 hierarchy: f9 -> PIV Attestation B 1 -> Intermediate B 1 ->
// Attestation Root 1, the two intermediates taken from the built-in pool: 4 links.
BENCHMARK_CAPTURE(BM_StepChainAndLeaf_RealYubiKey, ovh_fw574_rsa2048, "ovh-fw5.7.4-9a-rsa2048", "2024-12-02T00:00:00Z");

// tpm on a real Windows Hello attestation: the whole pipeline (chain to Microsoft TPM Root CA 2014,
// AK certificate profile, certInfo/pubArea parse, RS1 signature, extraData, Name, key attributes)
// through VerifyTpmWithExtraData, at the sample's pinned time. VerifyTpm itself refuses these: a
// Windows AK certificate names no device identifier, and their extraData is WebAuthn's, not
// SHA-256 of a key authorization.
void BM_VerifyTpm_RealWindowsHello(benchmark::State& state, const char* name, const char* extra_data,
                                   const char* pinned) {
  const TpmSample s = RealTpm(name, extra_data, pinned);
  for (auto _ : state) {
    Verified(attestation::VerifyTpmWithExtraData(s.st, s.extra_data, s.roots, s.at), "VerifyTpmWithExtraData");
  }
}
// Nuvoton NPCT75x, RSA-2048 attested key.
BENCHMARK_CAPTURE(BM_VerifyTpm_RealWindowsHello, ntc_rsa2048, "jws-tpm-ntc-windows-hello",
                  "6a3a5e35eedc963ec2ea7e107258584b8ba5be39", "2022-01-21T19:54:16Z");
// STMicro ST33, ECC P-256 attested key.
BENCHMARK_CAPTURE(BM_VerifyTpm_RealWindowsHello, stm_p256, "jws-tpm-stm-thinkpad",
                  "2e0cc0ef40893c34fa300ae1f1351c74e433cbb7", "2021-09-16T05:50:16Z");

// tpm: VerifyTpm, fully, on a minted attestation (P-384 test root and intermediate, P-256 AK with a
// PermanentIdentifier, ES256 sig over certInfo, extraData = SHA-256(key authorization)).
void BM_VerifyTpm_MintedP256(benchmark::State& state) {
  const MintedTpm m = MintTpm();
  for (auto _ : state) Verified(attestation::VerifyTpm(m.att.stmt, kKeyAuthorization, m.roots, m.at), "VerifyTpm");
}
BENCHMARK(BM_VerifyTpm_MintedP256);

// android-key: VerifyAndroidKey, fully, on a minted chain (P-384 test root and intermediate, P-256
// leaf with a TEE KeyDescription), sig a real ECDSA P-256 signature over the key authorization, no
// status list. Real chains cannot be used whole: no one holds their keys (see the next one).
void BM_VerifyAndroidKey_MintedP256(benchmark::State& state) {
  const MintedAndroid m = MintAndroid();
  for (auto _ : state) {
    Verified(attestation::VerifyAndroidKey(m.st, kKeyAuthorization, m.roots, m.at, attestation::RevocationStatus{}),
             "VerifyAndroidKey");
  }
}
BENCHMARK(BM_VerifyAndroidKey_MintedP256);

// android-key on real devices, without the signature: VerifyChainPath to the built-in Google roots
// (anchors tried one by one, leaf dates ignored), as VerifyAndroidKey does, then the leaf's
// KeyDescription (certificate DER parse, extension lookup, ParseKeyDescription).
void BM_AndroidChainAndKeyDescription_Real(benchmark::State& state, const AndroidChainSample& s) {
  const attestation::TrustRoots roots = attestation::BuiltinRoots("android-key");
  attestation::ChainOptions opts;
  opts.ignore_leaf_validity = true;
  opts.anchor_by_signature = true;
  for (auto _ : state) {
    auto path = attestation::VerifyChainPath(s.x5c, roots, s.at, opts);
    Check(path, "VerifyChainPath");
    auto kd = attestation::ReadKeyDescription(s.x5c[0]);
    Check(kd, "ReadKeyDescription");
    Require(kd->has_value(), "ReadKeyDescription", "the leaf has no KeyDescription");
    benchmark::DoNotOptimize((*kd)->attestation_challenge.data());
  }
}
// Pixel 8a, RKP-provisioned chain (5 certificates, x5c of the WebAuthn object) to Google root 2.
BENCHMARK_CAPTURE(BM_AndroidChainAndKeyDescription_Real, pixel8a_rkp,
                  RealAndroidWebAuthn("pyw-android-key-pixel8a-rkp", "2025-01-08T00:00:00Z"));
// Galaxy S9+ (4 certificates) to Google root 1.
BENCHMARK_CAPTURE(BM_AndroidChainAndKeyDescription_Real, galaxy_s9plus,
                  RealAndroidWebAuthn("sw-android-key-galaxy-s9plus", "2025-07-15T10:00:00Z"));
// google/android-key-attestation's EC TEE chain (4 certificates) to Google root 1.
BENCHMARK_CAPTURE(BM_AndroidChainAndKeyDescription_Real, google_ec_tee,
                  RealAndroidChain("algorithm_EC_SecurityLevel_TEE", "2019-06-01T00:00:00Z"));

// --- pieces ----------------------------------------------------------------------------------------

// attObj CBOR decode (DecodeAttestationObject) of what an Apple device sends: 2 certificates.
void BM_DecodeAttObj_Apple(benchmark::State& state) {
  const Bytes att_obj = AttObjCbor("apple", RealApple().x5c);
  for (auto _ : state) {
    auto obj = attestation::DecodeAttestationObject(att_obj);
    Check(obj, "DecodeAttestationObject");
    benchmark::DoNotOptimize(obj->att_stmt.x5c.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * att_obj.size()));
}
BENCHMARK(BM_DecodeAttObj_Apple);

// attObj CBOR decode of a step answer: alg, sig and a real (leaf, f9).
void BM_DecodeAttObj_Step(benchmark::State& state) {
  const MintedStep m = MintStep();
  const Bytes att_obj =
      AttObjCbor("step", RealYubiKey("pivgo-fw5.4.3-9a-p256", "2016-03-15T00:00:00Z").x5c, -7,
                 StepSig(m.leaf.key.get(), kKeyAuthorization));
  for (auto _ : state) {
    auto obj = attestation::DecodeAttestationObject(att_obj);
    Check(obj, "DecodeAttestationObject");
    benchmark::DoNotOptimize(obj->att_stmt.sig->data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * att_obj.size()));
}
BENCHMARK(BM_DecodeAttObj_Step);

// Chain verification alone (VerifyChain: DER parse of every certificate, X509_verify_cert).
void BM_VerifyChain_RealApple(benchmark::State& state) {
  const AppleSample s = RealApple();
  const attestation::TrustRoots roots = attestation::BuiltinRoots("apple");
  for (auto _ : state) {
    auto chain = attestation::VerifyChain(s.x5c, roots, s.at);
    Check(chain, "VerifyChain");
  }
}
BENCHMARK(BM_VerifyChain_RealApple);

void BM_VerifyChain_MintedStep(benchmark::State& state) {
  const MintedStep m = MintStep();
  for (auto _ : state) {
    auto chain = attestation::VerifyChain(m.x5c, m.roots, m.at);
    Check(chain, "VerifyChain");
  }
}
BENCHMARK(BM_VerifyChain_MintedStep);

// Leaf parsing alone (no trust decision): the vendor extensions and the attested key.
void BM_ParseAppleLeaf_Real(benchmark::State& state) {
  const Bytes leaf = RealApple().x5c[0];
  for (auto _ : state) {
    auto r = attestation::ParseAppleLeaf(leaf);
    Check(r, "ParseAppleLeaf");
    benchmark::DoNotOptimize(r->device.spki_der.data());
  }
}
BENCHMARK(BM_ParseAppleLeaf_Real);

void BM_ParseStepLeaf_Real(benchmark::State& state) {
  const Bytes leaf = RealYubiKey("pivgo-fw5.4.3-9a-p256", "2016-03-15T00:00:00Z").x5c[0];
  for (auto _ : state) Verified(attestation::ParseStepLeaf(leaf), "ParseStepLeaf");
}
BENCHMARK(BM_ParseStepLeaf_Real);

// TPM structure parsers alone, on a real Windows Hello certInfo (TPMS_ATTEST) and pubArea
// (TPMT_PUBLIC, RSA-2048): syntax only, no hashing or key conversion.
void BM_ParseTpmStructs_Real(benchmark::State& state) {
  const TpmSample s = RealTpm("jws-tpm-ntc-windows-hello", "6a3a5e35eedc963ec2ea7e107258584b8ba5be39",
                              "2022-01-21T19:54:16Z");
  Require(s.st.cert_info.has_value() && s.st.pub_area.has_value(), "tpm sample", "no certInfo or pubArea");
  for (auto _ : state) {
    auto attest = attestation::tpm::ParseAttest(*s.st.cert_info);
    Check(attest, "ParseAttest");
    auto pub = attestation::tpm::ParsePublic(*s.st.pub_area);
    Check(pub, "ParsePublic");
    benchmark::DoNotOptimize(attest->extra_data.data());
    benchmark::DoNotOptimize(pub->type);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (s.st.cert_info->size() + s.st.pub_area->size())));
}
BENCHMARK(BM_ParseTpmStructs_Real);

// KeyDescription parse alone (ParseKeyDescription, der::Reader), on the real Pixel 8a leaf's
// extension: attestation version 300, both authorization lists.
void BM_ParseKeyDescription_Real(benchmark::State& state) {
  const Bytes kd_der =
      KeyDescriptionOf(RealAndroidWebAuthn("pyw-android-key-pixel8a-rkp", "2025-01-08T00:00:00Z").x5c.at(0));
  for (auto _ : state) {
    auto kd = attestation::ParseKeyDescription(kd_der);
    Check(kd, "ParseKeyDescription");
    benchmark::DoNotOptimize(kd->attestation_challenge.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kd_der.size()));
}
BENCHMARK(BM_ParseKeyDescription_Real);

}  // namespace
}  // namespace ca::bench

// Device attestation benchmarks: each format's full verification on real data where the data
// allows it, and the pieces (attObj CBOR decode, chain verification, leaf parsing). Inputs are read
// and built before the timed loop; every iteration's result is checked, so a regression that makes
// verification fail aborts instead of timing an error path.
//
// Adding a format (tpm, android-key): one BM_Verify<Format> function below that reads its samples
// (bench_data.h), calls the verifier in the loop through Verified(), and one BENCHMARK line.
#include <benchmark/benchmark.h>

#include "attestation/apple.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "attestation/step.h"
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

}  // namespace
}  // namespace ca::bench

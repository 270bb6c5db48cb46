// YubiKey PIV attestation ("step" format): the real slot attestations in
// shared/vectors/samples/yubikey-piv (chains verified at their pinned times against the built-in
// Yubico roots, facts as the vectors README records them; YubiKey 4 refused), and a minted
// root -> "f9" -> leaf chain for the signature over the key authorization.
#include "attestation/step.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <string>

#include "attestation/leaf_extensions.h"
#include "attestation/roots.h"
#include "attestation/roots/builtin_pem.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "support/attest_builders.h"
#include "support/vectors.h"

#ifndef ATTESTCA_SHARED_DIR
#error "tests/CMakeLists.txt defines ATTESTCA_SHARED_DIR for attestation_test"
#endif

namespace ca::attestation {
namespace {

using testing::DerChainFromPem;
// Short local names for the shared vector helpers.
std::string ReadFile(const std::string& rel) { return testing::ReadShared(rel); }
UnixTime T(const std::string& rfc3339) { return testing::At(rfc3339); }

Bytes ReadDer(const std::string& rel) { return ToBytes(ReadFile(rel)); }

std::string CommonName(X509* cert) {
  char cn[128] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return n > 0 ? std::string(cn, static_cast<size_t>(n)) : std::string();
}

// FirmwareOf reads the 3-byte Yubico firmware extension (1.3.6.1.4.1.41482.3.3) as "a.b.c".
std::string FirmwareOf(X509* cert) {
  static const ExtInfo kFirmware[] = {{"1.3.6.1.4.1.41482.3.3", "firmware"}};
  std::optional<ByteView> v;
  EXPECT_TRUE(FindExtensions(cert, kFirmware, 1, "step", &v).has_value());
  if (!v || v->size() != 3) return "";
  return std::to_string((*v)[0]) + "." + std::to_string((*v)[1]) + "." + std::to_string((*v)[2]);
}

// PolicyOf reads the 2-byte PIN/touch policy extension (1.3.6.1.4.1.41482.3.8) as raw bytes.
Bytes PolicyOf(X509* cert) {
  static const ExtInfo kPolicy[] = {{"1.3.6.1.4.1.41482.3.8", "policy"}};
  std::optional<ByteView> v;
  EXPECT_TRUE(FindExtensions(cert, kPolicy, 1, "step", &v).has_value());
  return v ? Bytes(v->begin(), v->end()) : Bytes{};
}

// SignedBy: cert's signature verifies under issuer's key (signatures only, no path rules).
bool SignedBy(X509* cert, X509* issuer) { return X509_verify(cert, X509_get0_pubkey(issuer)) == 1; }

AttStmt Stmt(std::vector<Bytes> x5c) {
  AttStmt st;
  st.x5c = std::move(x5c);
  return st;
}

// The README rows whose "openssl verify at pinned" is OK.
struct Sample {
  const char* name;
  const char* pinned;
  const char* chain_end;  // the chain's notAfter: OpenSSL counts a certificate expired from then on
  const char* serial;
  const char* firmware;
  const char* pin;
  const char* touch;
  const char* form_factor;
  const char* spki_sha256;
  const char* slot;
  const char* f9_cn;  // the f9 certificate's subject CN (both spellings occur)
};

constexpr const char* k2016 = "2016-03-15T00:00:00Z";
constexpr const char* k2024 = "2024-12-02T00:00:00Z";
constexpr const char* k2052 = "2052-04-17T00:00:00Z";
// The 2024 hierarchy ends at 9999-12-31T23:59:59Z (GeneralizedTime's last second); OpenSSL cannot
// represent a later time, so that second is the only one at which these chains are seen expired.
constexpr const char* k9999 = "9999-12-31T23:59:59Z";

const Sample kSamples[] = {
    {"pivgo-fw5.4.3-9a-p256", k2016, k2052, "15732500", "5.4.3", "once", "never", "USB-C nano", "82f591c0350747c80f98368a4b959a8f7789ab37c6e47073abc5b7d73f4155b3", "9a", "Yubico PIV Attestation"},
    {"ovh-fw5.7.4-9a-rsa2048", k2024, k9999, "32718477", "5.7.4", "always", "never", "USB-C nano", "5e541dd8e1f87204f7949a5c31907dc0ba574a3fdc5cf55b24f48d65211394b1", "9a", "YubiKey PIV Attestation"},
    {"tmc-fw5.2.7-9a-rsa2048", k2016, k2052, "15890263", "5.2.7", "once", "never", "USB-A keychain", "1eacbde695ed491c15aac9d403ae83277aef977c93bdae17332e54270783d349", "9a", "Yubico PIV Attestation"},
    {"tmc-fw5.4.3-9a-p256", k2016, k2052, "19661687", "5.4.3", "always", "never", "USB-A keychain", "36edd8fa749da5cbf464e5636e9b75df3d43a7a0508ace9c9142e66bf7bc4bf8", "9a", "Yubico PIV Attestation"},
    {"tmc-fw5.4.3-9a-p384", k2016, k2052, "19661687", "5.4.3", "once", "cached", "USB-A keychain", "d12a8630a6ee0cc27d57ca9d07fd5434821356a356b6e139ed3519f3e5a53d60", "9a", "Yubico PIV Attestation"},
    {"tmc-fw5.4.3-9a-rsa2048-fips", k2016, k2052, "28989702", "5.4.3", "once", "cached", "USB-A keychain (FIPS)", "96106c8cb1b21011e7931a255d06d24d546731475289733522eb66fdd89727c7", "9a", "Yubico PIV Attestation"},
    {"tmc-fw5.7.1-9c-p384", k2016, k2052, "30041834", "5.7.1", "always", "always", "USB-C keychain", "ff13780fc0df3522467dc6565df4c2d15f6568675362a81a9fcf826ae32f33eb", "9c", "Yubico PIV Attestation"},
    {"tmc-fw5.7.2-9a-rsa2048-bio", k2016, k2052, "30000948", "5.7.2", "once", "never", "USB-C Bio", "705aa338caa2716f53f26d543fb0d2f1663c6bbd33505a409609aad273ac3500", "9a", "Yubico PIV Attestation"},
    {"tmc-fw5.7.4-9a-p384", k2024, k9999, "33064031", "5.7.4", "once", "cached", "USB-C keychain", "65c83ded9cd7dab1cc019cc2642602165cffa3a2886f1ee03bf6ab919ba509dd", "9a", "YubiKey PIV Attestation"},
    {"pkb-fw5.7.4-9c-p256-A", k2024, k9999, "38906121", "5.7.4", "always", "always", "USB-C keychain", "9dcc09c04ce07ea23d39313e48196bf22d25ab39ed642a7059b956f77772223a", "9c", "Yubico PIV Attestation"},
    {"pkb-fw5.7.4-9c-p256-B", k2024, k9999, "38906327", "5.7.4", "always", "always", "USB-C keychain", "f43a3154746cf0966d13a8e8b5c1a7155e8edf6ae951736f4f256b228df019bb", "9c", "Yubico PIV Attestation"},
    {"pkb-fw5.7.4-9c-p256-C", k2024, k9999, "38906331", "5.7.4", "always", "always", "USB-C keychain", "7627be5850c765d9bf415eef74a39e79bc0653be92d96a8380ab661865f85caf", "9c", "Yubico PIV Attestation"},
};

class RealYubiKey : public ::testing::TestWithParam<Sample> {
 protected:
  std::string Base() const { return std::string("vectors/samples/yubikey-piv/") + GetParam().name; }
  std::vector<Bytes> LeafAndF9() const { return {ReadDer(Base() + ".leaf.der"), ReadDer(Base() + ".f9.der")}; }
  std::vector<Bytes> FullChain() const { return DerChainFromPem(ReadFile(Base() + ".chain.pem")); }
};

TEST_P(RealYubiKey, LeafFacts) {
  const Sample& s = GetParam();
  auto dev = ParseStepLeaf(ReadDer(Base() + ".leaf.der"));
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->format, "step");
  EXPECT_EQ(dev->identifiers, (std::vector<AttestedIdentifier>{{"serial", s.serial}}));
  EXPECT_EQ(dev->facts, (std::map<std::string, std::string>{{"firmware", s.firmware},
                                                             {"pin_policy", s.pin},
                                                             {"touch_policy", s.touch},
                                                             {"form_factor", s.form_factor}}));
  EXPECT_EQ(dev->spki_sha256_hex, s.spki_sha256);
}

// The chain as sent (leaf + f9; 5.7.4+ keys need the built-in 2024 intermediates) and with the
// intermediates of chain.pem verifies at the pinned time. Without a sig the verifier gets past the
// chain and the leaf and stops at the signature: the key itself is not available to sign.
TEST_P(RealYubiKey, ChainVerifiesAtPinnedTime) {
  const TrustRoots roots = BuiltinRoots("step");
  const UnixTime at = T(GetParam().pinned);
  for (const auto& x5c : {LeafAndF9(), FullChain()}) {
    auto chain = VerifyChain(x5c, roots, at);
    EXPECT_TRUE(chain.has_value()) << chain.error().detail;
    auto dev = VerifyStep(Stmt(x5c), "token.thumbprint", roots, at);
    ASSERT_FALSE(dev.has_value());
    EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
    EXPECT_EQ(dev.error().detail, "step: sig is missing");
  }
}

TEST_P(RealYubiKey, RefusedAfterExpiryAndWithoutRoots) {
  const Sample& s = GetParam();
  EXPECT_TRUE(VerifyChain(LeafAndF9(), BuiltinRoots("step"), T(s.chain_end) - 1).has_value());
  auto expired = VerifyStep(Stmt(LeafAndF9()), "k", BuiltinRoots("step"), T(s.chain_end));
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().detail.rfind("step: attestation chain does not verify: certificate has expired", 0), 0u)
      << expired.error().detail;
  auto dev = VerifyStep(Stmt(FullChain()), "k", TrustRoots("step"), T(s.pinned));
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail.rfind("step: attestation chain does not verify", 0), 0u) << dev.error().detail;
}

// The README's f9 facts: subject, basicConstraints CA with pathlen 0, firmware extension equal to
// the leaf's; and the slot, which the leaf names in its subject.
TEST_P(RealYubiKey, F9AndSlotFacts) {
  const Sample& s = GetParam();
  auto leaf = ossl::CertFromDer(ReadDer(Base() + ".leaf.der"));
  auto f9 = ossl::CertFromDer(ReadDer(Base() + ".f9.der"));
  ASSERT_TRUE(leaf.has_value() && f9.has_value());
  EXPECT_EQ(CommonName(leaf->get()), std::string("YubiKey PIV Attestation ") + s.slot);
  EXPECT_EQ(CommonName(f9->get()), s.f9_cn);
  EXPECT_NE(X509_get_extension_flags(f9->get()) & EXFLAG_CA, 0u);
  EXPECT_EQ(X509_get_pathlen(f9->get()), 0);
  EXPECT_EQ(FirmwareOf(f9->get()), s.firmware);
}

INSTANTIATE_TEST_SUITE_P(Vectors, RealYubiKey, ::testing::ValuesIn(kSamples), [](const auto& tp) {
  std::string n = tp.param.name;
  for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
});

// YubiKey 4: the f9 certificate has no basicConstraints, so RFC 5280 path validation fails and we
// refuse (see roots.cc). The signatures themselves are valid.
TEST(YubiKey4, RefusedInvalidCaCertificate) {
  const std::string base = "vectors/samples/yubikey-piv/ovh-fw4.3.5-9a-rsa2048";
  auto dev = VerifyStep(Stmt({ReadDer(base + ".leaf.der"), ReadDer(base + ".f9.der")}), "k", BuiltinRoots("step"),
                        T(k2016));
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "step: attestation chain does not verify: invalid CA certificate (depth 1)");
  // Its leaf is readable all the same (no trust): serial 5970478, fw 4.3.5.
  auto leaf = ParseStepLeaf(ReadDer(base + ".leaf.der"));
  ASSERT_TRUE(leaf.has_value()) << leaf.error().detail;
  EXPECT_EQ(leaf->identifiers[0].value, "5970478");
  EXPECT_EQ(leaf->facts.at("firmware"), "4.3.5");
}

TEST(YubiKey4, U2fRootedF9Refused) {
  const std::string base = "vectors/samples/yubikey-piv/pivgo-fw4.3.7-9a-p256-u2froot";
  const std::vector<Bytes> x5c = {ReadDer(base + ".leaf.der"), ReadDer(base + ".f9.der")};
  auto dev = VerifyStep(Stmt(x5c), "k", BuiltinRoots("step"), T("2014-08-02T00:00:00Z"));
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail.rfind("step: attestation chain does not verify", 0), 0u) << dev.error().detail;
  // Even with the U2F root trusted, the chain is not RFC 5280 valid.
  auto u2f = TrustRoots::FromPem("step", ReadFile("vectors/roots/yubico-u2f-root-ca-serial-457200631.pem"));
  ASSERT_TRUE(u2f.has_value());
  dev = VerifyStep(Stmt(x5c), "k", *u2f, T("2014-08-02T00:00:00Z"));
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail.rfind("step: attestation chain does not verify", 0), 0u) << dev.error().detail;
  // And it has no serial number extension at all.
  auto leaf = ParseStepLeaf(x5c[0]);
  ASSERT_FALSE(leaf.has_value());
  EXPECT_EQ(leaf.error().detail, "step: leaf has no serial number extension (1.3.6.1.4.1.41482.3.7)");
}

// The README: "all chain signatures valid" for both YubiKey 4 chains, so the refusals above are
// RFC 5280 rules (basicConstraints, pathlen), not bad signatures. Their listed facts hold.
TEST(YubiKey4, SignaturesValidAndFacts) {
  struct Row {
    const char* name;
    const char* root;
    const char* firmware;
    const char* f9_firmware;
    Bytes policy;  // PIN policy (1 never, 2 once, 3 always), touch policy (1 never, 2 always, 3 cached)
    const char* spki_sha256;
  };
  const Row rows[] = {
      {"ovh-fw4.3.5-9a-rsa2048", "yubico-piv-root-ca-serial-263751.pem", "4.3.5", "4.3.4", {3, 1},
       "4195eeca90c83dc9bbb63a8e13ebb0c91cff8c73fae02997ee5979b7e6196586"},
      {"pivgo-fw4.3.7-9a-p256-u2froot", "yubico-u2f-root-ca-serial-457200631.pem", "4.3.7", "4.3.7", {2, 1},
       "9f5c5a15ecce5e285c7aa1fb76208a920c357f6057d55e0e5f3a50f24583e102"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    const std::string base = std::string("vectors/samples/yubikey-piv/") + r.name;
    auto leaf = ossl::CertFromDer(ReadDer(base + ".leaf.der"));
    auto f9 = ossl::CertFromDer(ReadDer(base + ".f9.der"));
    auto root = ossl::CertsFromPem(ReadFile(std::string("vectors/roots/") + r.root));
    ASSERT_TRUE(leaf.has_value() && f9.has_value() && root.has_value() && root->size() == 1);
    EXPECT_TRUE(SignedBy(leaf->get(), f9->get()));
    EXPECT_TRUE(SignedBy(f9->get(), (*root)[0].get()));
    EXPECT_FALSE(SignedBy(leaf->get(), (*root)[0].get()));
    EXPECT_EQ(X509_get_extension_flags(f9->get()) & EXFLAG_CA, 0u);  // no basicConstraints
    EXPECT_EQ(CommonName(leaf->get()), "YubiKey PIV Attestation 9a");
    EXPECT_EQ(CommonName(f9->get()), "Yubico PIV Attestation");
    EXPECT_EQ(FirmwareOf(leaf->get()), r.firmware);
    EXPECT_EQ(FirmwareOf(f9->get()), r.f9_firmware);
    EXPECT_EQ(PolicyOf(leaf->get()), r.policy);
    auto spki = ossl::PublicKeyToDer(X509_get0_pubkey(leaf->get()));
    ASSERT_TRUE(spki.has_value());
    EXPECT_EQ(Hex(ossl::Sha256(*spki)), r.spki_sha256);
  }
}

TEST(BuiltinRoots, StepIsTheVectorRootsAndIntermediates) {
  EXPECT_EQ(builtin::kYubicoPivRootCaPem, "\n" + ReadFile("vectors/roots/yubico-piv-root-ca-serial-263751.pem"));
  EXPECT_EQ(builtin::kYubicoAttestationRoot1Pem, "\n" + ReadFile("vectors/roots/yubico-attestation-root-1.pem"));
  const TrustRoots roots = BuiltinRoots("step");
  EXPECT_EQ(roots.size(), 2u);
  EXPECT_EQ(roots.intermediates().size(), 4u);
}

// --- Signature over the key authorization, on a minted chain -------------------------------------

constexpr const char* kKeyAuth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

struct Minted {
  testing::TestCert root, f9, leaf;
  TrustRoots roots{"step"};
  std::vector<Bytes> x5c;
};

Minted Mint() {
  Minted m;
  testing::CertSpec root;
  root.common_name = "Test PIV Root";
  root.is_ca = true;
  m.root = testing::MakeCert(root, nullptr);
  testing::CertSpec f9;
  f9.common_name = "Test PIV Attestation";
  f9.is_ca = true;
  m.f9 = testing::MakeCert(f9, &m.root);
  testing::CertSpec leaf;
  leaf.common_name = "Test PIV Attestation 9a";
  leaf.key_group = "P-256";
  leaf.extensions = {{"1.3.6.1.4.1.41482.3.7", Bytes{0x02, 0x04, 0x00, 0xf0, 0x0f, 0x14}},  // 15732500
                     {"1.3.6.1.4.1.41482.3.3", Bytes{5, 7, 4}},
                     {"1.3.6.1.4.1.41482.3.8", Bytes{2, 3}}};
  m.leaf = testing::MakeCert(leaf, &m.f9);
  EXPECT_TRUE(m.roots.AddRootsPem(m.root.pem).has_value());
  m.x5c = {m.leaf.der, m.f9.der};
  return m;
}

// SignDer: ECDSA P-256 over SHA-256(msg), DER signature (what a YubiKey returns).
Bytes SignDer(EVP_PKEY* key, std::string_view msg) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, AsBytes(msg).data(), msg.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, AsBytes(msg).data(), msg.size()), 1);
  sig.resize(len);
  return sig;
}

// CborBytes wraps b as a CBOR byte string (major type 2; DER ECDSA signatures are < 256 bytes).
Bytes CborBytes(const Bytes& b) {
  Bytes out = b.size() < 24 ? Bytes{static_cast<uint8_t>(0x40 | b.size())}
                            : Bytes{0x58, static_cast<uint8_t>(b.size())};
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

const UnixTime kNow = 1700000000 + 86400;

TEST(MintedStep, GoodSignatureVerifies) {
  Minted m = Mint();
  AttStmt st = Stmt(m.x5c);
  st.alg = -7;
  st.sig = CborBytes(SignDer(m.leaf.key.get(), kKeyAuth));
  auto dev = VerifyStep(st, kKeyAuth, m.roots, kNow);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->identifiers, (std::vector<AttestedIdentifier>{{"serial", "15732500"}}));
  EXPECT_EQ(dev->facts, (std::map<std::string, std::string>{
                            {"firmware", "5.7.4"}, {"pin_policy", "once"}, {"touch_policy", "cached"}}));
  auto spki = ossl::PublicKeyToDer(m.leaf.key.get());
  ASSERT_TRUE(spki.has_value());
  EXPECT_EQ(dev->spki_der, *spki);
  EXPECT_EQ(dev->spki_sha256_hex, Hex(ossl::Sha256(*spki)));
  EXPECT_EQ(dev->chain_der, m.x5c);
}

TEST(MintedStep, SignatureOverAnotherKeyAuthorizationRefused) {
  Minted m = Mint();
  AttStmt st = Stmt(m.x5c);
  st.sig = CborBytes(SignDer(m.leaf.key.get(), std::string(kKeyAuth) + "x"));
  auto dev = VerifyStep(st, kKeyAuth, m.roots, kNow);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
  EXPECT_EQ(dev.error().detail, "step: signature over the key authorization does not verify");
}

TEST(MintedStep, MissingSigRefused) {
  Minted m = Mint();
  auto dev = VerifyStep(Stmt(m.x5c), kKeyAuth, m.roots, kNow);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "step: sig is missing");
}

TEST(MintedStep, SigNotCborWrappedRefused) {
  Minted m = Mint();
  AttStmt st = Stmt(m.x5c);
  st.sig = SignDer(m.leaf.key.get(), kKeyAuth);  // DER SEQUENCE 0x30..., not a CBOR byte string
  auto dev = VerifyStep(st, kKeyAuth, m.roots, kNow);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "step: sig is malformed (not a CBOR byte string)");
}

TEST(MintedStep, EmptyX5cAndForeignRootRefused) {
  Minted m = Mint();
  auto dev = VerifyStep(AttStmt{}, kKeyAuth, m.roots, kNow);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "step: x5c is empty");
  AttStmt st = Stmt(m.x5c);
  st.sig = CborBytes(SignDer(m.leaf.key.get(), kKeyAuth));
  dev = VerifyStep(st, kKeyAuth, BuiltinRoots("step"), kNow);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail.rfind("step: attestation chain does not verify", 0), 0u) << dev.error().detail;
}

}  // namespace
}  // namespace ca::attestation

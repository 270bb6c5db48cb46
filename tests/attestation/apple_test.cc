// Apple Managed Device Attestation: the six real Mac leaves in shared/vectors/samples/apple-mda
// (verified at their pinned times, refused after expiry and without Apple's root), and minted
// Apple-like chains for what the real ones cannot show (nonce mismatch, missing serial, tampering).
#include "attestation/apple.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include <openssl/x509v3.h>

#include "attestation/roots.h"
#include "der/oid.h"
#include "der/reader.h"
#include "ossl/pem.h"
#include "support/attest_builders.h"
#include "support/csr_builder.h"
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

// The facts shared/vectors/manifest.json records for each sample (checked there with openssl and
// Python cryptography).
struct Sample {
  const char* name;
  const char* pinned;
  const char* not_before;
  const char* not_after;
  const char* serial;
  const char* udid;
  const char* os;
  const char* sep_os;
  const char* llb;
  const char* sw_update_id;
  const char* spki_sha256;
  const char* nonce;  // 8.11.1, hex
};

const Sample kSamples[] = {
    {"darkbloom-46a8fd75", "2026-04-25T13:03:27Z", "2026-04-24T13:03:27Z", "2026-07-24T13:03:27Z", "HH0K6TJY0J", "00006041-0002315A3E0A401C", "26.4.1", "26.4.1", "26.4.1", "J575cAP", "82b036927517e6b64535e2dec1cd2b28c9e0ef9ff71ed60154ad231a5509fda2",
     "50b295bd88cf6977d95e000845d9dd8250d64e9ce08371f80e33f4ac14ff3d26"},
    {"darkbloom-17ca90f7", "2026-05-06T13:10:12Z", "2026-05-05T13:10:12Z", "2026-08-04T13:10:12Z", "WV0NCDC2TX", "00006032-001C704A1A92401C", "26.2", "26.2", "26.2", "J575dAP", "f6e8f16a73ffc0342b636a0f68b8f47c6be98ea19da8275658a887c51f96ace0",
     "c97fdba5344f1a3e10f571e9331b252a7e34b2a600fa28e9ee6be0d5981d0032"},
    {"darkbloom-53d12f24", "2026-05-01T01:32:54Z", "2026-04-30T01:32:54Z", "2026-07-30T01:32:54Z", "FXXNF6YCRF", "00006040-001C49E00289801C", "26.4.1", "26.4.1", "26.4.1", "J616sAP", "5eef7994ec09c8d2d19c12aa3fe046f62fbf70a24b02dae8cc3b04e2cba681d2",
     "674a54648215fd09593c71f0a6ada3a6db85ba641b1a16b55401db6d87aa1d4f"},
    {"darkbloom-db9b4c03", "2026-05-09T22:12:53Z", "2026-05-08T22:12:53Z", "2026-08-07T22:12:53Z", "JH3FYC9XM9", "00006031-001409193AD9001C", "26.5", "26.5", "26.5", "J516cAP", "8710b993e8d2827b1981635066b6c6fde1402bf0464df820ba5e85038b18481b",
     "cf7bf2b3965d2092d5be8da810f78d36cf828302b18b20f30b17bf3a1c599ab5"},
    {"darkbloom-f99b7905", "2026-04-29T19:37:06Z", "2026-04-28T19:37:06Z", "2026-07-28T19:37:06Z", "WRPWFW61H9", "00006021-0014182A11C0201E", "26.2", "26.2", "26.2", "J416cAP", "079078c432eb1da1cd7c0a27082e678ccaf706ffa38987cbb6c02b3d669abae3",
     "984a169f28cd03dd50df4772724174bf3573486b20384918fe44eca467d86a98"},
    {"nanoca-TMWFWWWP67", "2025-07-14T09:38:07Z", "2025-07-13T09:38:07Z", "2025-10-12T09:38:07Z", "TMWFWWWP67", "00006030-000651690A84001C", "15.5", "15.5", "15.5", "J514sAP", "8f879ebba151359d13f34e9056c80fd71c3724431917db2d547bd34dbee4f9b4",
     "9ff219c2831313c8190b63e9dd8f80aa0a4a9737a58daa931da8abde2f2d5d62"},
};

// The one sample whose freshness preimage is published (amiller/devproof-audits-guide
// CHAIN-OF-TRUST.md): 8.11.1 == SHA-256 of this ASCII string.
constexpr const char* kF99b7905Token =
    "qKxKds4zZk81flmOxcOmQVYSL0xkeg88tLBfXd7ghhJ/QYjW5ZKBAzASJ0TPwseWv38jW61NESGDtGsJqdzJ9Q==";
constexpr UnixTime k20261128 = 1795824000;  // 2026-11-28T00:00:00Z: every sample has expired

class RealApple : public ::testing::TestWithParam<Sample> {
 protected:
  std::vector<Bytes> Chain() const {
    return DerChainFromPem(ReadFile(std::string("vectors/samples/apple-mda/") + GetParam().name + ".chain.pem"));
  }
  Bytes Leaf() const {
    return ToBytes(ReadFile(std::string("vectors/samples/apple-mda/") + GetParam().name + ".leaf.der"));
  }
};

TEST_P(RealApple, VerifiesAtPinnedTimeWithFacts) {
  const Sample& s = GetParam();
  const auto x5c = Chain();
  ASSERT_EQ(x5c.size(), 2u);
  EXPECT_EQ(x5c[0], Leaf());
  auto chain = VerifyChain(x5c, BuiltinRoots("apple"), T(s.pinned));
  ASSERT_TRUE(chain.has_value()) << chain.error().detail;
  // The tokens behind these nonces are unpublished (except f99b7905, below), so VerifyApple cannot
  // pass; ParseAppleLeaf shows what it would return.
  auto leaf = ParseAppleLeaf(x5c[0]);
  ASSERT_TRUE(leaf.has_value()) << leaf.error().detail;
  ASSERT_TRUE(leaf->nonce.has_value());
  EXPECT_EQ(Hex(*leaf->nonce), s.nonce);
  const AttestedDevice& dev = leaf->device;
  EXPECT_EQ(dev.format, "apple");
  ASSERT_EQ(dev.identifiers.size(), 2u);
  EXPECT_EQ(dev.identifiers[0], (AttestedIdentifier{"serial", s.serial}));
  EXPECT_EQ(dev.identifiers[1], (AttestedIdentifier{"udid", s.udid}));
  EXPECT_EQ(dev.spki_sha256_hex, s.spki_sha256);
  EXPECT_EQ(Hex(ossl::Sha256(dev.spki_der)), s.spki_sha256);
  const std::map<std::string, std::string> want = {
      {"os_version", s.os},       {"sep_os_version", s.sep_os}, {"llb_version", s.llb},
      {"software_update_device_id", s.sw_update_id}, {"secure_boot", "full"}, {"sip", "true"},
      {"third_party_kexts", "false"}};
  EXPECT_EQ(dev.facts, want);
}

TEST_P(RealApple, ValidityWindowIsEnforced) {
  const Sample& s = GetParam();
  const auto x5c = Chain();
  const auto roots = BuiltinRoots("apple");
  EXPECT_TRUE(VerifyChain(x5c, roots, T(s.not_before)).has_value());
  EXPECT_TRUE(VerifyChain(x5c, roots, T(s.not_after) - 1).has_value());
  for (UnixTime at : {T(s.not_after) + 1, k20261128}) {
    auto c = VerifyChain(x5c, roots, at);
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().code, Errc::kBadAttestation);
    EXPECT_EQ(c.error().detail, "attestation chain does not verify: certificate has expired (depth 0)");
    // VerifyApple refuses on the chain before it looks at the nonce.
    auto r = VerifyApple(x5c, "", false, roots, at);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kBadAttestation);
    EXPECT_EQ(r.error().detail, "apple: attestation chain does not verify: certificate has expired (depth 0)");
  }
  auto early = VerifyApple(x5c, "", false, roots, T(s.not_before) - 1);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().detail, "apple: attestation chain does not verify: certificate is not yet valid (depth 0)");
}

TEST_P(RealApple, RefusedWithoutApplesRoot) {
  const Sample& s = GetParam();
  auto other = TrustRoots::FromPem("apple", ReadFile("vectors/roots/apple-webauthn-root-ca.pem"));
  ASSERT_TRUE(other.has_value());
  auto r = VerifyApple(Chain(), "", false, *other, T(s.pinned));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadAttestation);
  EXPECT_NE(r.error().detail.find("unable to get local issuer certificate"), std::string::npos) << r.error().detail;

  auto none = VerifyApple(Chain(), "", false, BuiltinRoots("tpm"), T(s.pinned));
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().detail.find("no trust anchors"), std::string::npos) << none.error().detail;
}

TEST_P(RealApple, PresentNonceIsCheckedEvenWhenNotRequired) {
  for (bool require : {true, false}) {
    auto r = VerifyApple(Chain(), "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", require, BuiltinRoots("apple"),
                         T(GetParam().pinned));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().detail, "apple: nonce does not match the challenge");
  }
}

TEST_P(RealApple, LeafAloneNeedsTheSubCaFromConfiguration) {
  const Sample& s = GetParam();
  const std::vector<Bytes> leaf_only = {Leaf()};
  auto refused = VerifyChain(leaf_only, BuiltinRoots("apple"), T(s.pinned));
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().detail.find("unable to get local issuer certificate"), std::string::npos);

  auto roots = BuiltinRoots("apple");
  ASSERT_TRUE(roots.AddIntermediatesPem(ReadFile("vectors/intermediates/apple-enterprise-attestation-sub-ca-1.pem")));
  auto ok = VerifyChain(leaf_only, roots, T(s.pinned));
  EXPECT_TRUE(ok.has_value()) << ok.error().detail;
}

TEST_P(RealApple, DerReaderFindsTheSameExtensions) {
  // Walk Certificate -> tbsCertificate -> [3] extensions with der::Reader (RFC 5280 §4.1).
  const Bytes leaf = Leaf();
  der::Reader top(leaf);
  auto cert = top.ReadTag(der::kSequence);
  ASSERT_TRUE(cert && top.Empty());
  auto tbs = cert->ReadTag(der::kSequence);
  ASSERT_TRUE(tbs);
  ASSERT_TRUE(tbs->Skip(der::ContextTag(0, true)));
  ASSERT_TRUE(tbs->ReadUnsignedIntegerBytes());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(tbs->Skip(der::kSequence));
  auto outer = tbs->ReadTag(der::ContextTag(3, true));
  ASSERT_TRUE(outer && tbs->Empty());
  auto exts = outer->ReadTag(der::kSequence);
  ASSERT_TRUE(exts && outer->Empty());
  std::map<std::string, Bytes> apple;
  while (!exts->Empty()) {
    auto ext = exts->ReadTag(der::kSequence);
    ASSERT_TRUE(ext);
    auto oid = ext->ReadOid();
    ASSERT_TRUE(oid);
    if (ext->Peek(der::kBoolean)) {
      ASSERT_TRUE(ext->ReadBoolean());
    }
    auto value = ext->ReadOctetString();
    ASSERT_TRUE(value && ext->Empty());
    auto text = der::OidToText(*oid);
    ASSERT_TRUE(text);
    if (text->rfind("1.2.840.113635.100.8.", 0) == 0) apple[*text] = Bytes(value->begin(), value->end());
  }
  EXPECT_EQ(apple.size(), 10u);
  EXPECT_EQ(ToString(apple["1.2.840.113635.100.8.9.1"]), GetParam().serial);
  EXPECT_EQ(apple["1.2.840.113635.100.8.13.1"], (Bytes{0x02, 0x01, 0x00}));
  EXPECT_EQ(apple["1.2.840.113635.100.8.11.1"].size(), 32u);
}

// README facts the verifier does not return: the leaf key is EC P-384, the EKU is Apple's
// 1.2.840.113635.100.4.24 (the July 2025 nanoca leaf has no EKU at all), and the chain's second
// certificate is intermediates/apple-enterprise-attestation-sub-ca-1.pem byte for byte.
TEST_P(RealApple, KeyEkuAndSubCa) {
  const Sample& s = GetParam();
  const auto x5c = Chain();
  ASSERT_EQ(x5c.size(), 2u);
  EXPECT_EQ(x5c[1], DerChainFromPem(ReadFile("vectors/intermediates/apple-enterprise-attestation-sub-ca-1.pem")).at(0));
  auto leaf = ossl::CertFromDer(x5c[0]);
  ASSERT_TRUE(leaf.has_value());
  EVP_PKEY* key = X509_get0_pubkey(leaf->get());
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 384);
  char curve[64] = {};
  size_t curve_len = 0;
  ASSERT_EQ(EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &curve_len), 1);
  EXPECT_STREQ(curve, "secp384r1");

  int crit = 0;
  std::unique_ptr<EXTENDED_KEY_USAGE, decltype(&EXTENDED_KEY_USAGE_free)> eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(leaf->get(), NID_ext_key_usage, &crit, nullptr)),
      &EXTENDED_KEY_USAGE_free);
  std::vector<std::string> oids;
  for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    char text[80] = {};
    OBJ_obj2txt(text, sizeof text, sk_ASN1_OBJECT_value(eku.get(), i), 1);
    oids.emplace_back(text);
  }
  const bool nanoca = std::string(s.name).rfind("nanoca-", 0) == 0;
  EXPECT_EQ(oids, nanoca ? std::vector<std::string>{} : std::vector<std::string>{"1.2.840.113635.100.4.24"});
}

INSTANTIATE_TEST_SUITE_P(Vectors, RealApple, ::testing::ValuesIn(kSamples), [](const auto& tp) {
  std::string n = tp.param.name;
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
});

TEST(RealAppleNonce, PublishedPreimageMatches) {
  const auto x5c = DerChainFromPem(ReadFile("vectors/samples/apple-mda/darkbloom-f99b7905.chain.pem"));
  const UnixTime at = T("2026-04-29T19:37:06Z");
  auto dev = VerifyApple(x5c, kF99b7905Token, /*require_nonce=*/true, BuiltinRoots("apple"), at);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->identifiers,
            (std::vector<AttestedIdentifier>{{"serial", "WRPWFW61H9"}, {"udid", "00006021-0014182A11C0201E"}}));
  EXPECT_EQ(dev->spki_sha256_hex, "079078c432eb1da1cd7c0a27082e678ccaf706ffa38987cbb6c02b3d669abae3");
  EXPECT_EQ(dev->facts.at("os_version"), "26.2");
  EXPECT_EQ(dev->chain_der, x5c);
  std::string off_by_one = kF99b7905Token;
  off_by_one.back() = 'A';
  auto bad = VerifyApple(x5c, off_by_one, true, BuiltinRoots("apple"), at);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().detail, "apple: nonce does not match the challenge");
}

TEST(BuiltinRoots, AppleIsTheVectorRoot) {
  const auto roots = BuiltinRoots("apple");
  EXPECT_EQ(roots.format(), "apple");
  ASSERT_EQ(roots.size(), 1u);
  auto der = ossl::CertToDer(roots.roots()[0].get());
  ASSERT_TRUE(der.has_value());
  EXPECT_EQ(Hex(ossl::Sha256(*der)), "ccf59ef8fcb3017d97f8b5fa6fa90e7a3f9283f76b55ac6cf6eda8b8b949f05b");
  const auto file = DerChainFromPem(ReadFile("vectors/roots/apple-enterprise-attestation-root-ca.pem"));
  ASSERT_EQ(file.size(), 1u);
  EXPECT_EQ(*der, file[0]);
  EXPECT_TRUE(BuiltinRoots("tpm").empty());
}

TEST(TrustRoots, RefusesBadPem) {
  EXPECT_FALSE(TrustRoots::FromPem("apple", "").has_value());
  EXPECT_FALSE(TrustRoots::FromPem("apple", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}

// ---- minted chains ------------------------------------------------------------------------------

constexpr const char* kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

struct Minted {
  testing::AppleTestChain chain;
  TrustRoots roots;
  UnixTime at;
};

Minted Mint(const testing::AppleLeafSpec& spec) {
  Minted m{testing::MakeAppleChain(spec), TrustRoots("apple"), spec.not_before + 3600};
  EXPECT_TRUE(m.roots.AddRootsPem(m.chain.root.pem).has_value());
  return m;
}

testing::AppleLeafSpec WithNonce(std::string_view token) {
  testing::AppleLeafSpec spec;
  spec.nonce = testing::AppleNonceFor(token);
  return spec;
}

std::string Refusal(const Minted& m, std::string_view token, bool require_nonce) {
  auto r = VerifyApple(m.chain.x5c, token, require_nonce, m.roots, m.at);
  if (r.has_value()) return "accepted";
  EXPECT_EQ(r.error().code, Errc::kBadAttestation);
  return r.error().detail;
}

TEST(MintedApple, NonceMatches) {
  const auto m = Mint(WithNonce(kToken));
  auto dev = VerifyApple(m.chain.x5c, kToken, true, m.roots, m.at);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->identifiers,
            (std::vector<AttestedIdentifier>{{"serial", "C02XK1TESTQ6"}, {"udid", "00008103-001A2B3C4D5E6F70"}}));
  EXPECT_EQ(dev->facts.at("os_version"), "14.2");
  EXPECT_EQ(dev->facts.at("sep_os_version"), "14.2.1");
  EXPECT_EQ(dev->facts.at("llb_version"), "14.2.2");
  auto spki = ossl::PublicKeyToDer(m.chain.leaf.key.get());
  ASSERT_TRUE(spki.has_value());
  EXPECT_EQ(dev->spki_der, *spki);
}

TEST(MintedApple, WrongNonceRefused) {
  const auto m = Mint(WithNonce("another-token"));
  EXPECT_EQ(Refusal(m, kToken, true), "apple: nonce does not match the challenge");
  EXPECT_EQ(Refusal(m, kToken, false), "apple: nonce does not match the challenge");  // present: checked
}

TEST(MintedApple, NonceOfTheKeyAuthorizationRefused) {
  // ietf-03+: Apple hashes the token alone, not token "." thumbprint.
  const auto m = Mint(WithNonce(std::string(kToken) + ".thumbprint"));
  EXPECT_EQ(Refusal(m, kToken, true), "apple: nonce does not match the challenge");
}

TEST(MintedApple, MissingNonce) {
  const auto m = Mint(testing::AppleLeafSpec{});
  EXPECT_EQ(Refusal(m, kToken, false), "accepted");
  EXPECT_EQ(Refusal(m, kToken, true), "apple: leaf has no nonce (freshness) extension");
}

TEST(MintedApple, NonceOfWrongLengthRefused) {
  auto spec = WithNonce(kToken);
  spec.nonce->pop_back();
  EXPECT_EQ(Refusal(Mint(spec), kToken, false), "apple: nonce extension is not 32 bytes");
  spec.nonce = Bytes{0x04, 0x20};  // an OCTET STRING header in front of the digest is not accepted
  const Bytes digest = testing::AppleNonceFor(kToken);
  spec.nonce->insert(spec.nonce->end(), digest.begin(), digest.end());
  EXPECT_EQ(Refusal(Mint(spec), kToken, false), "apple: nonce extension is not 32 bytes");
}

TEST(MintedApple, MissingSerialRefused) {
  auto spec = WithNonce(kToken);
  spec.serial.reset();
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: leaf has no serial number extension");
  spec.serial = "";
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: leaf has an empty serial number extension");
  spec.udid.reset();
  spec.serial.reset();  // User Enrollment: neither identifier
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: leaf has no serial number extension");
}

TEST(MintedApple, UdidIsOptional) {
  auto spec = WithNonce(kToken);
  spec.udid.reset();
  const auto m = Mint(spec);
  auto dev = VerifyApple(m.chain.x5c, kToken, true, m.roots, m.at);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->identifiers, (std::vector<AttestedIdentifier>{{"serial", "C02XK1TESTQ6"}}));
}

TEST(MintedApple, TamperedLeafSignatureRefused) {
  auto m = Mint(WithNonce(kToken));
  m.chain.x5c[0] = testing::CorruptSignature(m.chain.x5c[0]);
  const std::string why = Refusal(m, kToken, true);
  EXPECT_EQ(why.rfind("apple: attestation chain does not verify: ", 0), 0u) << why;
  EXPECT_NE(why.find("signature"), std::string::npos) << why;
}

TEST(MintedApple, LeafFromAnotherRootRefused) {
  const auto a = Mint(WithNonce(kToken));
  const auto b = Mint(WithNonce(kToken));
  auto r = VerifyApple(a.chain.x5c, kToken, true, b.roots, a.at);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kBadAttestation);
  // Swapping in b's intermediate: a's leaf signature does not verify under it.
  auto swapped = a.chain.x5c;
  swapped[1] = b.chain.x5c[1];
  EXPECT_FALSE(VerifyApple(swapped, kToken, true, b.roots, a.at).has_value());
}

TEST(MintedApple, PostureFacts) {
  auto spec = WithNonce(kToken);
  spec.sip = Bytes{0x02, 0x01, 0x01};
  spec.kexts = Bytes{0x02, 0x01, 0x01};
  spec.secure_boot = "Reduced Security";
  spec.os_version = "";  // blanked by Apple: omitted from facts
  spec.llb_version.reset();
  const auto m = Mint(spec);
  auto dev = VerifyApple(m.chain.x5c, kToken, true, m.roots, m.at);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->facts.at("sip"), "false");
  EXPECT_EQ(dev->facts.at("third_party_kexts"), "true");
  EXPECT_EQ(dev->facts.at("secure_boot"), "reduced");
  EXPECT_EQ(dev->facts.count("os_version"), 0u);
  EXPECT_EQ(dev->facts.count("llb_version"), 0u);
  spec.secure_boot = "Permissive Security";
  const auto p = Mint(spec);
  EXPECT_EQ(VerifyApple(p.chain.x5c, kToken, true, p.roots, p.at)->facts.at("secure_boot"), "permissive");
}

TEST(MintedApple, MalformedPolicyIntegersRefused) {
  auto spec = WithNonce(kToken);
  spec.sip = Bytes{0x02, 0x01, 0x00, 0x00};  // trailing byte
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: SIP status extension is not a DER INTEGER");
  spec.sip = Bytes{0x02, 0x02, 0x00, 0x00};  // non-minimal
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: SIP status extension is not a DER INTEGER");
  spec.sip.reset();
  spec.kexts = ToBytes("0");
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: kernel extension policy extension is not a DER INTEGER");
}

TEST(MintedApple, NonAsciiTextRefused) {
  auto spec = WithNonce(kToken);
  spec.serial = std::string("C02\nX", 5);
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: serial number extension is not printable ASCII");
  spec.serial = "C02X";
  spec.udid = "\x0c\x04" "abcd";  // a UTF8String wrapper is not what Apple sends
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: UDID extension is not printable ASCII");
}

TEST(MintedApple, DuplicateExtensionRefused) {
  auto spec = WithNonce(kToken);
  spec.extra.push_back({"1.2.840.113635.100.8.9.1", ToBytes("OTHERSERIAL"), false});
  EXPECT_EQ(Refusal(Mint(spec), kToken, true), "apple: leaf has more than one serial number extension");
}

TEST(MintedApple, MalformedInputRefused) {
  const auto m = Mint(WithNonce(kToken));
  auto empty = VerifyApple({}, kToken, true, m.roots, m.at);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().detail, "apple: x5c is empty");
  auto junk = VerifyApple({ToBytes("not a certificate")}, kToken, true, m.roots, m.at);
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().code, Errc::kBadAttestation);
  EXPECT_EQ(junk.error().detail, "apple: attestation chain: certificate 0 does not parse");
  auto trailing = m.chain.x5c;
  trailing[0].push_back(0x00);
  EXPECT_FALSE(VerifyApple(trailing, kToken, true, m.roots, m.at).has_value());
}

}  // namespace
}  // namespace ca::attestation

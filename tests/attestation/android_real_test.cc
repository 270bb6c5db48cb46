// Android Key Attestation ("android-key") against the real samples in shared/vectors: the eight
// leaves of google/android-key-attestation's four chains (challenge "abc") and three WebAuthn
// android-key objects (Pixel 8a RKP -> Google root 2, Galaxy S9+ -> root 1, a software
// attestation). Facts as the vectors README records them; chains at the README's pinned times.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "attestation/android.h"
#include "attestation/key_auth_signature.h"
#include "attestation/key_description.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "attestation/roots/builtin_pem.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "support/vectors.h"
#include "support/webauthn_vectors.h"

namespace ca::attestation {
namespace {

using testing::At;
using testing::ReadShared;

constexpr const char* kChains = "vectors/samples/android-key-chains/";
constexpr const char* kWebAuthn = "vectors/samples/webauthn/android-key/";
constexpr const char* kPinnedChains = "2019-06-01T00:00:00Z";

Bytes ReadDer(const std::string& rel) { return ToBytes(ReadShared(rel)); }

std::string SpkiSha256(ByteView cert_der) {
  auto cert = ossl::CertFromDer(cert_der);
  EXPECT_TRUE(cert.has_value());
  if (!cert) return "";
  auto spki = ossl::PublicKeyToDer(X509_get0_pubkey(cert->get()));
  EXPECT_TRUE(spki.has_value());
  return spki ? Hex(ossl::Sha256(*spki)) : "";
}

Bytes RootDer(const std::string& file) {
  auto certs = ossl::CertsFromPem(ReadShared("vectors/roots/" + file));
  EXPECT_TRUE(certs.has_value() && certs->size() == 1);
  return *ossl::CertToDer((*certs)[0].get());
}

Bytes DerOf(X509* c) { return *ossl::CertToDer(c); }

KeyDescription MustKeyDescription(ByteView cert_der) {
  auto kd = ReadKeyDescription(cert_der);
  EXPECT_TRUE(kd.has_value()) << kd.error().detail;
  EXPECT_TRUE(kd.has_value() && kd->has_value());
  return kd && *kd ? **kd : KeyDescription{};
}

ChainOptions AndroidOptions() {
  ChainOptions o;
  o.ignore_leaf_validity = true;
  o.anchor_by_signature = true;
  return o;
}

// ---- google/android-key-attestation chains ----------------------------------------------------

struct ChainLeaf {
  const char* dir;
  const char* leaf;
  bool strongbox;
  bool rsa;
  const char* spki_sha256;
};

const ChainLeaf kLeaves[] = {
    {"algorithm_EC_SecurityLevel_TEE", "cert0.der", false, false, "dce4b840683a564a6da6f12603cd1146c00f24019be6093122b87dfd39166fc8"},
    {"algorithm_EC_SecurityLevel_TEE", "cert0-alt.der", false, false, "b5abcd47c0d0f0f8bce979c94506d55c1a19fae0aa478c6fa07d80a59ee1606d"},
    {"algorithm_RSA_SecurityLevel_TEE", "cert0.der", false, true, "e366eb0924d55eb55d866f08d59a45b33f848c766d545d4a9c584d61704559b3"},
    {"algorithm_RSA_SecurityLevel_TEE", "cert0-alt.der", false, true, "7e22521d45aa4de6c5338d35252ee66db8564363637ff5c99ad212dbc414c4c6"},
    {"algorithm_EC_SecurityLevel_StrongBox", "cert0.der", true, false, "d8861eed22c0acd716b1b49858c1ca0b2c2e37bdbdd4b263289c7cdd84e3d25a"},
    {"algorithm_EC_SecurityLevel_StrongBox", "cert0-alt.der", true, false, "b17d35c0a45dce16fcdba4237bfe1c5a62454557f7ac674dcf45e155052c0f08"},
    {"algorithm_RSA_SecurityLevel_StrongBox", "cert0.der", true, true, "a7eff9217552068b98a9015f25f695b0ee2a7e9ae19aca4271cbadfd34e3c92e"},
    {"algorithm_RSA_SecurityLevel_StrongBox", "cert0-alt.der", true, true, "f0195220c3f22e5999c9951d6678f71e62d021aa1b8a864c18193ace12117ca4"},
};

class RealChainLeaf : public ::testing::TestWithParam<ChainLeaf> {
 protected:
  std::string Dir() const { return std::string(kChains) + GetParam().dir + "/"; }
  std::vector<Bytes> X5c() const {
    return {ReadDer(Dir() + GetParam().leaf), ReadDer(Dir() + "cert1.der"), ReadDer(Dir() + "cert2.der"),
            ReadDer(Dir() + "cert3.der")};
  }
};

TEST_P(RealChainLeaf, KeyDescriptionFacts) {
  const ChainLeaf& s = GetParam();
  const Bytes leaf = ReadDer(Dir() + s.leaf);
  const KeyDescription kd = MustKeyDescription(leaf);
  const SecurityLevel level = s.strongbox ? SecurityLevel::kStrongBox : SecurityLevel::kTrustedEnvironment;
  EXPECT_EQ(kd.attestation_version, 3);
  EXPECT_EQ(kd.attestation_security_level, level);
  EXPECT_EQ(kd.keymint_version, 4);
  EXPECT_EQ(kd.keymint_security_level, level);
  EXPECT_EQ(ToString(kd.attestation_challenge), "abc");
  const AuthorizationList& hw = kd.hardware_enforced;
  EXPECT_EQ(hw.algorithm, s.rsa ? 1 : 3);
  EXPECT_EQ(hw.key_size, s.rsa ? 2048 : 256);
  EXPECT_EQ(hw.origin, 0);
  EXPECT_EQ(hw.os_version, 0);
  EXPECT_EQ(hw.os_patch_level, 201907);
  ASSERT_TRUE(hw.root_of_trust.has_value());
  EXPECT_EQ(hw.root_of_trust->verified_boot_key, Bytes(32, 0x00));
  EXPECT_FALSE(hw.root_of_trust->device_locked);
  EXPECT_EQ(hw.root_of_trust->verified_boot_state, VerifiedBootState::kUnverified);
  EXPECT_TRUE(hw.root_of_trust->verified_boot_hash.has_value());
  EXPECT_FALSE(hw.attestation_id_serial.has_value());
  EXPECT_FALSE(kd.software_enforced.root_of_trust.has_value());
  EXPECT_EQ(SpkiSha256(leaf), s.spki_sha256);

  const auto facts = AndroidFacts(kd);
  EXPECT_EQ(facts.at("security_level"), s.strongbox ? "strongbox" : "tee");
  EXPECT_EQ(facts.at("verified_boot_state"), "unverified");
  EXPECT_EQ(facts.at("device_locked"), "false");
  EXPECT_EQ(facts.at("os_patch_level"), "201907");
  EXPECT_EQ(facts.at("attestation_version"), "3");
}

// TEE chains: verify at the pinned time to Google root 1, the only one of the four RSA roots valid
// in June 2019; with root 1 left out of the pool, nothing verifies them then.
// Then the verifier gets past chain, KeyDescription, security level and challenge ("abc") and
// stops at the signature, which these samples do not carry.
// StrongBox chains: they end at a self-signed root Google never published; refused, saying so.
TEST_P(RealChainLeaf, ChainAtPinnedTime) {
  const ChainLeaf& s = GetParam();
  const TrustRoots roots = BuiltinRoots("android-key");
  const UnixTime at = At(kPinnedChains);
  AttStmt st;
  st.x5c = X5c();
  auto dev = VerifyAndroidKey(st, "abc", roots, at, RevocationStatus{});
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
  if (s.strongbox) {
    EXPECT_EQ(dev.error().detail,
              "android-key: the chain ends at serialNumber=e35d38c6897d47e8, which is not a trusted Google "
              "attestation root")
        << dev.error().detail;
    return;
  }
  EXPECT_EQ(dev.error().detail, "android-key: sig is missing");

  auto path = VerifyChainPath(st.x5c, roots, at, AndroidOptions());
  ASSERT_TRUE(path.has_value()) << path.error().detail;
  ASSERT_EQ(path->path.size(), 4u);
  EXPECT_EQ(DerOf(path->path.back().get()), RootDer("google-hardware-attestation-root-1-2016.pem"));

  TrustRoots without_root1("android-key");
  for (const char* f : {"google-hardware-attestation-root-2-2019.pem", "google-hardware-attestation-root-3-2021.pem",
                        "google-hardware-attestation-root-4-2022.pem", "google-key-attestation-ca1-ec-p384.pem"}) {
    ASSERT_TRUE(without_root1.AddRootsPem(ReadShared(std::string("vectors/roots/") + f)).has_value());
  }
  EXPECT_FALSE(VerifyChainPath(st.x5c, without_root1, at, AndroidOptions()).has_value());
  // Wrong challenge: refused before the signature.
  auto wrong = VerifyAndroidKey(st, "abd", roots, at, RevocationStatus{});
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().detail, "android-key: attestationChallenge does not match the key authorization");
}

// The README's anchors: root 1 for the TEE chains, the device-sent self-signed cert3 for StrongBox
// (not a Google root). TEE: OK at the pinned time under root 1 alone, refused once root 1 has
// expired (2026-05-24), and refused by the built-in pool too once cert1/cert2 have (2028-03-18).
// StrongBox RSA: OK under cert3 at the pinned time, refused after 2028-03-18. StrongBox EC: the
// leaf's issuer name is not cert1's subject (README quirk), so it never verifies.
TEST_P(RealChainLeaf, ReadmeAnchorAndExpiry) {
  const ChainLeaf& s = GetParam();
  const auto x5c = X5c();
  TrustRoots anchor("android-key");
  if (s.strongbox) {
    auto top = ossl::CertFromDer(x5c.back());
    ASSERT_TRUE(top.has_value());
    ASSERT_TRUE(anchor.AddRootsPem(*ossl::CertToPem(top->get())).has_value());
  } else {
    ASSERT_TRUE(anchor.AddRootsPem(ReadShared("vectors/roots/google-hardware-attestation-root-1-2016.pem")));
  }
  auto pinned = VerifyChainPath(x5c, anchor, At(kPinnedChains), AndroidOptions());
  if (s.strongbox && !s.rsa) {
    ASSERT_FALSE(pinned.has_value());
    EXPECT_EQ(pinned.error().code, Errc::kBadAttestation);
    return;
  }
  ASSERT_TRUE(pinned.has_value()) << pinned.error().detail;
  const char* anchor_end = s.strongbox ? "2028-03-18T03:55:01Z" : "2026-05-24T16:28:52Z";
  EXPECT_TRUE(VerifyChainPath(x5c, anchor, At(anchor_end) - 1, AndroidOptions()).has_value());
  auto expired = VerifyChainPath(x5c, anchor, At(anchor_end) + 1, AndroidOptions());
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().detail.rfind("attestation chain does not verify: certificate has expired", 0), 0u)
      << expired.error().detail;
  auto builtin = VerifyChainPath(x5c, BuiltinRoots("android-key"), At("2028-03-19T00:00:00Z"), AndroidOptions());
  ASSERT_FALSE(builtin.has_value());
  if (!s.strongbox) {
    EXPECT_EQ(builtin.error().detail.rfind("attestation chain does not verify: certificate has expired", 0), 0u)
        << builtin.error().detail;
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, RealChainLeaf, ::testing::ValuesIn(kLeaves), [](const auto& tp) {
  std::string n = std::string(tp.param.dir) + "_" + tp.param.leaf;
  for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
});

// ---- WebAuthn android-key objects --------------------------------------------------------------

AttestationObject ReadObject(const std::string& name) {
  auto obj = DecodeAttestationObject(ReadDer(std::string(kWebAuthn) + name + ".attestationObject.cbor"));
  EXPECT_TRUE(obj.has_value()) << obj.error().detail;
  EXPECT_TRUE(obj && obj->fmt == "android-key");
  return obj ? *obj : AttestationObject{};
}

struct WebAuthnSample {
  const char* name;
  const char* pinned;
  const char* root;  // the Google root it chains to
  int64_t version;
  const char* challenge_hex;
  const char* boot_key_hex;
  int64_t os_version;
  int64_t os_patch;
  const char* spki_sha256;
  int64_t keymint_version;
  int64_t vendor_patch;  // YYYYMMDD
  int64_t boot_patch;
  const char* rp_id;
};

const WebAuthnSample kWebAuthnSamples[] = {
    {"pyw-android-key-pixel8a-rkp", "2025-01-08T00:00:00Z", "google-hardware-attestation-root-2-2019.pem", 300,
     "5652e2dc45549a96f96afa225502f87fadc08a60bc021392c0be8c5062fd5f5e",
     "9de25fb02bb5530d44149d148437c82e267e557322530aa6f03b0ac2e92931da", 150000, 202501,
     "b28dae296735a1c8979992272a74123f5db729a9771de9118d105d1954528971", 300, 20250105, 20250105, "localhost"},
    {"sw-android-key-galaxy-s9plus", "2025-07-15T10:00:00Z", "google-hardware-attestation-root-1-2016.pem", 3,
     "ad0cf00aa4c67d84c6d838ed5723037ebff81530e4c60230de7ebae806c8f6f9",
     "d8ed9b9aadb9cff9543fdea9d4d5f86e3a1e1aa35e48415eb73aeaa030de7d81", 110000, 202111,
     "14beefb1e388a05374e31b43cdca54f2e32eef6e25eff1c15e9e70fa4991fa80", 4, 20211101, 20211101, "portal.fxon.com"},
};

class RealWebAuthn : public ::testing::TestWithParam<WebAuthnSample> {};

TEST_P(RealWebAuthn, KeyDescriptionFacts) {
  const WebAuthnSample& s = GetParam();
  const AttestationObject obj = ReadObject(s.name);
  ASSERT_FALSE(obj.att_stmt.x5c.empty());
  const KeyDescription kd = MustKeyDescription(obj.att_stmt.x5c[0]);
  EXPECT_EQ(kd.attestation_version, s.version);
  EXPECT_EQ(kd.keymint_version, s.keymint_version);
  EXPECT_EQ(kd.attestation_security_level, SecurityLevel::kTrustedEnvironment);
  EXPECT_EQ(kd.keymint_security_level, SecurityLevel::kTrustedEnvironment);
  EXPECT_EQ(Hex(kd.attestation_challenge), s.challenge_hex);
  const AuthorizationList& hw = kd.hardware_enforced;
  ASSERT_TRUE(hw.root_of_trust.has_value());
  EXPECT_EQ(Hex(hw.root_of_trust->verified_boot_key), s.boot_key_hex);
  EXPECT_TRUE(hw.root_of_trust->device_locked);
  EXPECT_EQ(hw.root_of_trust->verified_boot_state, VerifiedBootState::kVerified);
  EXPECT_EQ(hw.os_version, s.os_version);
  EXPECT_EQ(hw.os_patch_level, s.os_patch);
  EXPECT_EQ(hw.vendor_patch_level, s.vendor_patch);
  EXPECT_EQ(hw.boot_patch_level, s.boot_patch);
  EXPECT_EQ(hw.algorithm, 3);  // EC P-256 credential keys (hw.ecCurve is not parsed by KeyDescription)
  EXPECT_EQ(hw.key_size, 256);
  EXPECT_EQ(hw.origin, 0);
  EXPECT_EQ(SpkiSha256(obj.att_stmt.x5c[0]), s.spki_sha256);
  const auto facts = AndroidFacts(kd);
  EXPECT_EQ(facts.at("security_level"), "tee");
  EXPECT_EQ(facts.at("verified_boot_state"), "verified");
  EXPECT_EQ(facts.at("device_locked"), "true");
  EXPECT_EQ(facts.at("os_version"), std::to_string(s.os_version));
  EXPECT_EQ(facts.at("os_patch_level"), std::to_string(s.os_patch));
}

// The chain verifies at the pinned time; the root the device sent (x5c's last element) is the
// README's one, and the anchor used has its key (see GoogleRsaRootsAreOneKey). With the
// challenge (WebAuthn's clientDataHash) as "key authorization" the verifier passes chain, levels
// and challenge and refuses the signature: WebAuthn signs authData || clientDataHash, not that.
TEST_P(RealWebAuthn, ChainVerifiesUnderTheGoogleRootKey) {
  const WebAuthnSample& s = GetParam();
  const AttestationObject obj = ReadObject(s.name);
  const TrustRoots roots = BuiltinRoots("android-key");
  const UnixTime at = At(s.pinned);
  auto path = VerifyChainPath(obj.att_stmt.x5c, roots, at, AndroidOptions());
  ASSERT_TRUE(path.has_value()) << path.error().detail;
  EXPECT_EQ(obj.att_stmt.x5c.back(), RootDer(s.root));
  EXPECT_EQ(SpkiSha256(DerOf(path->path.back().get())), SpkiSha256(RootDer(s.root)));

  Bytes challenge;
  for (size_t i = 0; i + 1 < std::string(s.challenge_hex).size(); i += 2) {
    challenge.push_back(static_cast<uint8_t>(std::stoi(std::string(s.challenge_hex).substr(i, 2), nullptr, 16)));
  }
  auto dev = VerifyAndroidKey(obj.att_stmt, AsChars(challenge), roots, at, RevocationStatus{});
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "android-key: signature over the key authorization does not verify");

  // Listed in the status list: the intermediate's serial, refused by name.
  auto status = std::make_shared<StatusList>();
  const std::string serial = SerialKey([&] {
    auto c = ossl::CertFromDer(obj.att_stmt.x5c[1]);
    const ASN1_INTEGER* sn = X509_get0_serialNumber(c->get());
    return Bytes(ASN1_STRING_get0_data(sn), ASN1_STRING_get0_data(sn) + ASN1_STRING_length(sn));
  }());
  status->entries[serial] = {"REVOKED", "KEY_COMPROMISE"};
  RevocationStatus revocation{true, status, ""};
  auto revoked = VerifyAndroidKey(obj.att_stmt, AsChars(challenge), roots, at, revocation);
  ASSERT_FALSE(revoked.has_value());
  EXPECT_NE(revoked.error().detail.find("certificate serial " + serial), std::string::npos) << revoked.error().detail;
  EXPECT_NE(revoked.error().detail.find("is REVOKED in the attestation status list (reason KEY_COMPROMISE)"),
            std::string::npos)
      << revoked.error().detail;
}

Bytes FromHex(std::string_view hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// WebAuthn's own checks on the sample (README: rpIdHashOK, sigOK, leafKeyEqualsCredKey,
// attestationChallengeEqualsClientDataHash): the challenge is SHA-256(clientDataJSON), the leaf
// key is the credential key, and sig is the leaf's signature over authData || clientDataHash.
void CheckWebAuthnSide(const std::string& name, ByteView client_data_hash, const char* aaguid,
                       const char* spki_sha256) {
  const std::string cbor = ReadShared(std::string(kWebAuthn) + name + ".attestationObject.cbor");
  const AttestationObject obj = ReadObject(name);
  ASSERT_FALSE(obj.att_stmt.x5c.empty());
  ASSERT_TRUE(obj.att_stmt.sig.has_value());
  EXPECT_EQ(obj.att_stmt.alg, -7);
  auto auth_data = testing::ReadAuthData(AsBytes(cbor));
  ASSERT_TRUE(auth_data.has_value());
  auto ad = testing::ParseAuthData(*auth_data);
  ASSERT_TRUE(ad.has_value());
  EXPECT_EQ(Hex(ad->aaguid), aaguid);
  auto cred = testing::CoseKeySpki(ad->credential_public_key);
  ASSERT_TRUE(cred.has_value());
  EXPECT_EQ(Hex(ossl::Sha256(*cred)), spki_sha256);
  EXPECT_EQ(SpkiSha256(obj.att_stmt.x5c[0]), spki_sha256);

  auto leaf = ossl::CertFromDer(obj.att_stmt.x5c[0]);
  ASSERT_TRUE(leaf.has_value());
  Bytes signed_bytes = *auth_data;
  signed_bytes.insert(signed_bytes.end(), client_data_hash.begin(), client_data_hash.end());
  auto ok = CheckKeyAuthSignature(X509_get0_pubkey(leaf->get()), *obj.att_stmt.sig, AsChars(signed_bytes),
                                  "android-key");
  EXPECT_TRUE(ok.has_value()) << ok.error().detail;
  signed_bytes.back() ^= 0x01;
  EXPECT_FALSE(CheckKeyAuthSignature(X509_get0_pubkey(leaf->get()), *obj.att_stmt.sig, AsChars(signed_bytes),
                                     "android-key")
                   .has_value());
}

TEST_P(RealWebAuthn, ClientDataRpIdAndSignature) {
  const WebAuthnSample& s = GetParam();
  const Bytes client_data_hash =
      ossl::Sha256(AsBytes(ReadShared(std::string(kWebAuthn) + s.name + ".clientDataJSON.json")));
  EXPECT_EQ(Hex(client_data_hash), s.challenge_hex);
  const std::string cbor = ReadShared(std::string(kWebAuthn) + s.name + ".attestationObject.cbor");
  auto auth_data = testing::ReadAuthData(AsBytes(cbor));
  ASSERT_TRUE(auth_data.has_value());
  auto ad = testing::ParseAuthData(*auth_data);
  ASSERT_TRUE(ad.has_value());
  EXPECT_EQ(ad->rp_id_hash, ossl::Sha256(AsBytes(s.rp_id)));
  CheckWebAuthnSide(s.name, client_data_hash, "b93fd961f2e6462fb12282002247de78", s.spki_sha256);
}

// The software sample publishes no clientDataJSON; its clientDataHash is the attestation challenge.
TEST(RealWebAuthn, SoftwareSampleSignature) {
  CheckWebAuthnSide("w4j-android-key-software",
                    FromHex("2a4382d7bbd89d8b5bdf1772cfecca14392487b9fd571f2eb72bdf97de06d4b6"),
                    "28f37d2b92b841c4b02a860cef7cc034",
                    "6eb7a84b67296150d020cf0272889bace9bcef62e8820c7d3623db933c090881");
}

INSTANTIATE_TEST_SUITE_P(Vectors, RealWebAuthn, ::testing::ValuesIn(kWebAuthnSamples), [](const auto& tp) {
  std::string n = tp.param.name;
  for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
});

// Pixel 8a (RKP): its short-lived intermediate ends 2025-02-02T10:35:27Z; after that nothing
// verifies the chain, whichever Google root is tried.
TEST(RealWebAuthn, Pixel8aRefusedAfterExpiry) {
  const AttestationObject obj = ReadObject("pyw-android-key-pixel8a-rkp");
  const TrustRoots roots = BuiltinRoots("android-key");
  EXPECT_TRUE(VerifyChainPath(obj.att_stmt.x5c, roots, At("2025-02-02T10:35:27Z") - 1, AndroidOptions()).has_value());
  auto r = VerifyChainPath(obj.att_stmt.x5c, roots, At("2025-02-02T10:35:27Z") + 1, AndroidOptions());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail.rfind("attestation chain does not verify: certificate has expired", 0), 0u)
      << r.error().detail;
}

// The four Google RSA roots are one RSA-4096 key certified four times (same subject, same key
// identifier, same key), so "root 1 or root 2" cannot be told apart by signature: any of them
// verifies any chain under that key, and only validity periods differ. OpenSSL's issuer lookup
// prefers a time-valid match, so even the one shared store would do; VerifyChainPath tries each
// anchor alone anyway (robust when operators add roots that share a subject but not a key).
// Consequence, proven here: the Galaxy S9+ chain, whose device-sent root 1 expired 2026-05-24,
// still verifies in November 2026 through root 2, with either strategy.
TEST(RealWebAuthn, GoogleRsaRootsAreOneKey) {
  const std::string k = SpkiSha256(RootDer("google-hardware-attestation-root-1-2016.pem"));
  for (const char* f : {"google-hardware-attestation-root-2-2019.pem", "google-hardware-attestation-root-3-2021.pem",
                        "google-hardware-attestation-root-4-2022.pem"}) {
    EXPECT_EQ(SpkiSha256(RootDer(f)), k) << f;
  }
  const AttestationObject obj = ReadObject("sw-android-key-galaxy-s9plus");
  const UnixTime late = At("2026-11-28T00:00:00Z");
  for (bool by_signature : {true, false}) {
    ChainOptions opts = AndroidOptions();
    opts.anchor_by_signature = by_signature;
    auto path = VerifyChainPath(obj.att_stmt.x5c, BuiltinRoots("android-key"), late, opts);
    ASSERT_TRUE(path.has_value()) << path.error().detail;
    EXPECT_EQ(DerOf(path->path.back().get()), RootDer("google-hardware-attestation-root-2-2019.pem"));
  }
  // With root 1 alone, it has expired.
  auto only1 = TrustRoots::FromPem("android-key", ReadShared("vectors/roots/google-hardware-attestation-root-1-2016.pem"));
  ASSERT_TRUE(only1.has_value());
  auto dev = VerifyAndroidKey(obj.att_stmt, "x", *only1, late, RevocationStatus{});
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "android-key: attestation chain does not verify: certificate has expired (depth 3)");
}

// The software attestation: refused by the Google pool (its root is "Android Keystore Software
// Attestation Root"), and, even when that root is trusted, for its security level.
TEST(RealWebAuthn, SoftwareAttestationRefused) {
  const AttestationObject obj = ReadObject("w4j-android-key-software");
  const UnixTime at = At("2018-12-03T09:10:25Z");
  const KeyDescription kd = MustKeyDescription(obj.att_stmt.x5c[0]);
  EXPECT_EQ(kd.attestation_version, 2);
  EXPECT_EQ(kd.attestation_security_level, SecurityLevel::kSoftware);
  EXPECT_EQ(kd.keymint_security_level, SecurityLevel::kTrustedEnvironment);
  EXPECT_EQ(Hex(kd.attestation_challenge), "2a4382d7bbd89d8b5bdf1772cfecca14392487b9fd571f2eb72bdf97de06d4b6");
  EXPECT_EQ(kd.keymint_version, 1);
  EXPECT_EQ(kd.hardware_enforced.algorithm, 3);
  EXPECT_EQ(kd.hardware_enforced.key_size, 256);
  EXPECT_EQ(kd.hardware_enforced.origin, 0);
  EXPECT_EQ(SpkiSha256(obj.att_stmt.x5c[0]), "6eb7a84b67296150d020cf0272889bace9bcef62e8820c7d3623db933c090881");

  auto google = VerifyAndroidKey(obj.att_stmt, AsChars(kd.attestation_challenge), BuiltinRoots("android-key"), at,
                                 RevocationStatus{});
  ASSERT_FALSE(google.has_value());
  EXPECT_NE(google.error().detail.find("Android Keystore Software Attestation Root"), std::string::npos);
  EXPECT_NE(google.error().detail.find("which is not a trusted Google attestation root"), std::string::npos);

  auto top = ossl::CertFromDer(obj.att_stmt.x5c.back());
  ASSERT_TRUE(top.has_value());
  auto pool = TrustRoots::FromPem("android-key", *ossl::CertToPem(top->get()));
  ASSERT_TRUE(pool.has_value());
  // The chain itself verifies under its own (untrusted by us) root at the pinned time, and not
  // after its intermediate ends (2026-01-08T00:46:09Z).
  auto chain = VerifyChainPath(obj.att_stmt.x5c, *pool, at, AndroidOptions());
  EXPECT_TRUE(chain.has_value()) << chain.error().detail;
  auto late = VerifyChainPath(obj.att_stmt.x5c, *pool, At("2026-01-08T00:46:09Z") + 1, AndroidOptions());
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().detail.rfind("attestation chain does not verify: certificate has expired", 0), 0u)
      << late.error().detail;
  auto sw = VerifyAndroidKey(obj.att_stmt, AsChars(kd.attestation_challenge), *pool, at, RevocationStatus{});
  ASSERT_FALSE(sw.has_value());
  EXPECT_EQ(sw.error().detail,
            "android-key: software attestation refused (attestationSecurityLevel software, keyMintSecurityLevel "
            "tee); TEE or StrongBox is required");
}

// The compiled-in roots are the published ones, byte for byte.
TEST(AndroidRoots, BuiltinMatchSharedVectors) {
  const TrustRoots roots = BuiltinRoots("android-key");
  ASSERT_EQ(roots.size(), 5u);
  const char* files[] = {"google-hardware-attestation-root-1-2016.pem", "google-hardware-attestation-root-2-2019.pem",
                         "google-hardware-attestation-root-3-2021.pem", "google-hardware-attestation-root-4-2022.pem",
                         "google-key-attestation-ca1-ec-p384.pem"};
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(DerOf(roots.roots()[i].get()), RootDer(files[i])) << files[i];
  EXPECT_EQ(ReadShared("vectors/roots/google-key-attestation-ca1-ec-p384.pem"),
            std::string(builtin::kGoogleKeyAttestationCa1Pem.substr(1)));
}

}  // namespace
}  // namespace ca::attestation

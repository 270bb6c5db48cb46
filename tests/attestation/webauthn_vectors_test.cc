// The WebAuthn samples of formats attestca does not serve, shared/vectors/samples/webauthn/packed
// (3 real YubiKeys, to Yubico U2F Root CA Serial 457200631) and .../apple (5 Apple anonymous
// attestations, to Apple WebAuthn Root CA): each decodes with DecodeAttestationObject, its x5c
// verifies with VerifyChain at the README's pinned time against the README's root and is refused
// after the chain's end, and the README's facts hold: clientDataHash, rpIdHash, AAGUID, credential
// id, COSE alg, credential key SPKI, leaf subject/issuer; packed: the AAGUID extension and the
// signature over authData || clientDataHash; apple: the nonce extension and leaf key = credential key.
#include <gtest/gtest.h>

#include <cctype>
#include <iterator>
#include <string>

#include <openssl/x509.h>

#include "attestation/key_auth_signature.h"
#include "attestation/leaf_extensions.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "common/base64.h"
#include "der/reader.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "ossl/unique.h"
#include "support/vectors.h"
#include "support/webauthn_vectors.h"

namespace ca::attestation {
namespace {

using testing::At;
using testing::ReadShared;

// One row of shared/vectors/README.md (values as manifest.json records them).
struct Sample {
  const char* fmt;  // "packed" or "apple": also the samples/webauthn/ subdirectory
  const char* name;
  const char* root;       // under vectors/
  const char* pinned;     // a moment inside every certificate's validity
  const char* chain_end;  // the earliest notAfter of the chain (x5c and root)
  size_t x5c_len;
  const char* rp_id;
  uint8_t flags;
  uint32_t sign_count;
  const char* aaguid;
  const char* credential_id_b64u;
  int64_t cose_alg;  // the credential key's
  const char* credential_spki_sha256;
  const char* client_data_hash;
  const char* leaf_subject;
  const char* leaf_issuer;
  const char* apple_nonce;  // 1.2.840.113635.100.8.2; "" for packed
  int64_t att_alg = 0;      // attStmt.alg; 0: absent
};

constexpr const char* kU2fRoot = "roots/yubico-u2f-root-ca-serial-457200631.pem";
constexpr const char* kAppleRoot = "roots/apple-webauthn-root-ca.pem";
constexpr const char* kAppleCa1 = "ST=California,O=Apple Inc.,CN=Apple WebAuthn CA 1";
constexpr const char* kU2fRootName = "CN=Yubico U2F Root CA Serial 457200631";

const Sample kSamples[] = {
    {"packed", "pyw-packed-yubikey5ci-ed25519", kU2fRoot, "2014-08-02T00:00:00Z", "2050-09-04T00:00:00Z", 1,
     "localhost", 0x41, 2, "c5ef55ffad9a4b9fb580adebafe026d0",
     "WlHiMqH6UhUs-d43z-aGlE3nsXuEOQpa9P9pwpqb4tmvtBMBfGvAV2wUrqBCDENjkkxd6kIRzZQKcluyOFlyW_vXVZSAEgod1xj-1QmFpuwyBVnlkQGefRbmUjbEt5iE4q3tdjy65EWIekO0SNjCQx3LxIJMzi25fgUkI9Y-gg0",
     -8, "628f5ab1ee3ebd4e8316de078f8400b547baaf668d94adaddca7e8fab914ef94",
     "06c23d8dfd352173540f6291d01a61cfacaca9ed0f88ad6843cfabb5c9f7d19f",
     "CN=Yubico U2F EE Serial 737246328,OU=Authenticator Attestation,O=Yubico AB,C=SE", kU2fRootName, "", -7},
    {"packed", "jws-packed-yubikey5ci-fips", kU2fRoot, "2014-08-02T00:00:00Z", "2050-09-04T00:00:00Z", 1,
     "demo.yubico.com", 0x41, 2, "8520342148f943559bc88a53846e5083",
     "qeNy9WGd6KRAq4aXf_xCgOrgjJoRH7Ve8KC7UJ3cpjDaFrv5egr5kJ7mBlrGiHlZ0OkD_Xtsd-lQTu_Ymr1crg", -7,
     "999e0adc6e4ea281c9a1b2dd2058dd131498a4606c95823e55277b7b96f5eb35",
     "ec4725e40dc859b6c74a97768a605ac1ef40a65b6ba5bff125e8ea92fb6f24f5",
     "CN=Yubico U2F EE Serial 2014804379,OU=Authenticator Attestation,O=Yubico AB,C=SE", kU2fRootName, "", -7},
    {"packed", "jws-packed-yubikey-bio-5.5.4", kU2fRoot, "2014-08-02T00:00:00Z", "2050-09-04T00:00:00Z", 1,
     "demo.yubico.com", 0x45, 1, "d8522d9f575b486688a9ba99fa02f35b",
     "vPVBBCgvthNO8DNbim45zueAndDzuMAQDBXL_bVsH9uXfKkrza7ya2DM_xka1hYW-K2d97qNRJmoAeetc5haaA", -7,
     "c49b1c0c282f278491189d4a0e8ee7daa6a513a03f9c8c41f56f948cc5a0e993",
     "ab2e70a911220bf3cb6bf0387166af66bb3534c09184a0298343f1d40b1a18e4",
     "CN=Yubico U2F EE Serial 1049544373,OU=Authenticator Attestation,O=Yubico AB,C=SE", kU2fRootName, "", -7},
    {"apple", "pyw-apple-passkey-2021", kAppleRoot, "2021-09-01T00:00:00Z", "2021-09-03T23:02:07Z", 2,
     "dev2.dontneeda.pw", 0x45, 0, "f24a8e70d0d3f82c293732523cc4de5a", "0yhsKG_gCzynIgNbvXWkqJKL8Uc", -7,
     "42aa9a36e0dbeb002d0a8c321f03df40cdf4a84d3fbaacc369c4c5e3f31c417c",
     "8b293fe7870342cda991729e051a81f61defc13bb8b2e933ca755c8d4658f09d",
     "ST=California,O=Apple Inc.,OU=AAA Certification,CN=b10f718bc5dd758886a1d8cfb5b8b631729f4d7e4ba069ab0a992c1c08478af9",
     kAppleCa1, "e457e5bc292f1635210248ed2e776ba129c7cc469524a75356836caef2f058a0"},
    {"apple", "sw-apple-dontneeda", kAppleRoot, "2020-09-14T02:49:17Z", "2020-09-14T02:59:17Z", 2,
     "dev.dontneeda.pw", 0x45, 0, "00000000000000000000000000000000", "J4lAqPXhefDrUD7oh5LQMbBH5TE", -7,
     "78611fd0e8c164056c0d79982632b19db949c6d2ede1a98a11871e0d0cb86f56",
     "bfcf9606b9b4c365f1babca6d58a9f786176045f78a8cb7a08481798b359ac14",
     "ST=California,O=Apple Inc.,OU=AAA Certification,CN=327eb588f157d6bb6454f97f5e56c86f44b507c8818ff230bd0f625bdb65bcb6",
     kAppleCa1, "fbb0475110bdc0ad60245a8672568acab3e9860b1005c7d7aa745976cb7d8ead", -7},
    {"apple", "jws-apple-ios", kAppleRoot, "2021-04-12T12:37:18Z", "2021-04-14T12:37:18Z", 2, "demo.yubico.com",
     0x45, 0, "00000000000000000000000000000000", "StK4O785nfwQGrQzZF1-mgYT2Uk", -7,
     "a6be0bdfb612af9de22aeea73824ddc32e927ee69b87b185bc881f1defc73119",
     "05a9a8b9316de1a11bf33e2e36cf8cb69e5e327f006ad3e5659ca27937da1db4",
     "ST=California,O=Apple Inc.,OU=AAA Certification,CN=31c4e936c80f65cec771efd8ca5c147ee81f68f5a819a5341b0596bdbe8ab491",
     kAppleCa1, "be07abb9114a6cccd062921151a4eb81a255fb8cf45e4aa1a422f06bd28ac464"},
    {"apple", "jws-apple-macos", kAppleRoot, "2021-04-12T13:07:20Z", "2021-04-14T13:07:20Z", 2, "demo.yubico.com",
     0x45, 0, "00000000000000000000000000000000", "YWAoIeNG-lI9VnY3JMDwHQsHeHw", -7,
     "d97f81a8d95a81b7e5c8de43c625d240a616334a58f00cb6dedda3fc684bf8f3",
     "191f78aa7080ffb7574b14dfddc057f337b2d991f7f152e49301631badd5daf6",
     "ST=California,O=Apple Inc.,OU=AAA Certification,CN=61bd97683be19455c8bc9ea46a26875435c2b06ee128c68d1b0a847389058326",
     kAppleCa1, "10ea27f2a3b296951f3ab9e4b424c02e222eba818909b17f95c4072f6ed10471"},
    {"apple", "gow-apple-ngrok", kAppleRoot, "2020-10-08T09:46:12Z", "2020-10-08T09:56:12Z", 2,
     "6cc3c9e7967a.ngrok.io", 0x45, 0, "00000000000000000000000000000000", "omGfdaNI-cYgWrq2klNk97zkcg8", -7,
     "1cc99f34024525fe0af2156799b6b8031c41853751db1ed668dfdb9d4e9ca416",
     "670e802a0625b2c506dee617fa1357feac4c3bff7373d0054b90a4d7ae3e242a",
     "ST=California,O=Apple Inc.,OU=AAA Certification,CN=61276fc02d3fe8d16b33b5549d819236c81746a83f2e94a6e4bee1c70f81b5bc",
     kAppleCa1, "9c60021540b3e19834dfe37ec62445c89e1b294f792ce46b9413c3230ef38681", -7},
};

std::string NameOf(const X509_NAME* name) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

std::string SpkiSha256(X509* cert) {
  auto spki = ossl::PublicKeyToDer(X509_get0_pubkey(cert));
  EXPECT_TRUE(spki.has_value());
  return spki ? Hex(ossl::Sha256(*spki)) : "";
}

Bytes Concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

class WebAuthnUnservedFormat : public ::testing::TestWithParam<Sample> {
 protected:
  std::string Base() const {
    return std::string("vectors/samples/webauthn/") + GetParam().fmt + "/" + GetParam().name;
  }
  std::string Cbor() const { return ReadShared(Base() + ".attestationObject.cbor"); }
  std::string ClientDataJson() const { return ReadShared(Base() + ".clientDataJSON.json"); }
  AttestationObject Object() const {
    auto obj = DecodeAttestationObject(AsBytes(Cbor()));
    EXPECT_TRUE(obj.has_value()) << obj.error().detail;
    return obj ? *obj : AttestationObject{};
  }
  testing::AuthData Auth() const {
    auto raw = testing::ReadAuthData(AsBytes(Cbor()));
    if (!raw) return {};
    auto ad = testing::ParseAuthData(*raw);
    return ad ? *ad : testing::AuthData{};
  }
  static TrustRoots Roots() {
    auto roots = TrustRoots::FromPem(GetParam().fmt, ReadShared(std::string("vectors/") + GetParam().root));
    EXPECT_TRUE(roots.has_value());
    return roots ? std::move(*roots) : TrustRoots(GetParam().fmt);
  }
  ossl::UniquePtr<X509> Leaf() const {
    const AttestationObject obj = Object();
    EXPECT_FALSE(obj.att_stmt.x5c.empty());
    if (obj.att_stmt.x5c.empty()) return nullptr;
    auto cert = ossl::CertFromDer(obj.att_stmt.x5c[0]);
    EXPECT_TRUE(cert.has_value());
    return cert ? std::move(*cert) : nullptr;
  }
};

TEST_P(WebAuthnUnservedFormat, DecodesWithTheListedShape) {
  const Sample& s = GetParam();
  const AttestationObject obj = Object();
  EXPECT_EQ(obj.fmt, s.fmt);
  EXPECT_EQ(obj.att_stmt.x5c.size(), s.x5c_len);
  // packed: the attestation signature is by the P-256 leaf (ES256), whatever the credential's alg.
  // apple: attStmt is {x5c} alone (WebAuthn §8.8), but the two 2020 (iOS 14) samples also carry
  // alg -7, which verifiers ignore.
  if (s.att_alg != 0) {
    EXPECT_EQ(obj.att_stmt.alg, s.att_alg);
  } else {
    EXPECT_FALSE(obj.att_stmt.alg.has_value());
  }
  EXPECT_EQ(obj.att_stmt.sig.has_value(), std::string(s.fmt) == "packed");
  auto leaf = Leaf();
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(NameOf(X509_get_subject_name(leaf.get())), s.leaf_subject);
  EXPECT_EQ(NameOf(X509_get_issuer_name(leaf.get())), s.leaf_issuer);
}

TEST_P(WebAuthnUnservedFormat, AuthDataAndClientDataFacts) {
  const Sample& s = GetParam();
  EXPECT_EQ(Hex(ossl::Sha256(AsBytes(ClientDataJson()))), s.client_data_hash);
  const testing::AuthData ad = Auth();
  EXPECT_EQ(Hex(ad.rp_id_hash), Hex(ossl::Sha256(AsBytes(s.rp_id))));
  EXPECT_EQ(ad.flags, s.flags);
  EXPECT_EQ(ad.sign_count, s.sign_count);
  EXPECT_EQ(Hex(ad.aaguid), s.aaguid);
  EXPECT_EQ(std::optional<Bytes>(ad.credential_id), Base64UrlDecode(s.credential_id_b64u));
  EXPECT_EQ(testing::CoseKeyAlg(ad.credential_public_key), s.cose_alg);
  auto spki = testing::CoseKeySpki(ad.credential_public_key);
  ASSERT_TRUE(spki.has_value());
  EXPECT_EQ(Hex(ossl::Sha256(*spki)), s.credential_spki_sha256);
}

TEST_P(WebAuthnUnservedFormat, ChainVerifiesAtPinnedTime) {
  const Sample& s = GetParam();
  auto ok = VerifyChain(Object().att_stmt.x5c, Roots(), At(s.pinned));
  EXPECT_TRUE(ok.has_value()) << ok.error().detail;
  // The last second of the chain's window still verifies: the refusal below is the expiry.
  auto last = VerifyChain(Object().att_stmt.x5c, Roots(), At(s.chain_end) - 1);
  EXPECT_TRUE(last.has_value()) << last.error().detail;
}

TEST_P(WebAuthnUnservedFormat, RefusedAfterExpiry) {
  const Sample& s = GetParam();
  for (UnixTime at : {At(s.chain_end) + 1, At(s.chain_end) + 86400}) {
    auto r = VerifyChain(Object().att_stmt.x5c, Roots(), at);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kBadAttestation);
    EXPECT_EQ(r.error().detail.rfind("attestation chain does not verify: certificate has expired", 0), 0u)
        << r.error().detail;
  }
}

// The other vendor's WebAuthn root does not anchor the chain, nor does the production "apple"
// (Managed Device Attestation) pool: an Apple passkey attestation is not an MDA attestation.
TEST_P(WebAuthnUnservedFormat, RefusedUnderAnotherRoot) {
  const Sample& s = GetParam();
  const bool apple = std::string(s.fmt) == "apple";
  auto other = TrustRoots::FromPem(s.fmt, ReadShared(std::string("vectors/") + (apple ? kU2fRoot : kAppleRoot)));
  ASSERT_TRUE(other.has_value());
  auto r = VerifyChain(Object().att_stmt.x5c, *other, At(s.pinned));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("unable to get local issuer certificate"), std::string::npos) << r.error().detail;
  EXPECT_FALSE(VerifyChain(Object().att_stmt.x5c, BuiltinRoots("apple"), At(s.pinned)).has_value());
}

// Apple anonymous attestation (WebAuthn §8.8): the leaf's nonce extension is
// SEQUENCE { [1] EXPLICIT OCTET STRING (SHA-256(authData || clientDataHash)) }, and the leaf key is
// the credential key.
class AppleAnonymous : public WebAuthnUnservedFormat {};

TEST_P(AppleAnonymous, NonceAndCredentialKey) {
  const Sample& s = GetParam();
  auto leaf = Leaf();
  ASSERT_NE(leaf, nullptr);
  EXPECT_EQ(SpkiSha256(leaf.get()), s.credential_spki_sha256);

  static const ExtInfo kNonce[] = {{"1.2.840.113635.100.8.2", "nonce"}};
  std::optional<ByteView> ext;
  ASSERT_TRUE(FindExtensions(leaf.get(), kNonce, 1, "apple", &ext).has_value());
  ASSERT_TRUE(ext.has_value());
  der::Reader top(*ext);
  auto seq = top.ReadTag(der::kSequence);
  ASSERT_TRUE(seq && top.Empty());
  auto tagged = seq->ReadTag(der::ContextTag(1, true));
  ASSERT_TRUE(tagged && seq->Empty());
  auto nonce = tagged->ReadOctetString();
  ASSERT_TRUE(nonce && tagged->Empty());
  EXPECT_EQ(Hex(*nonce), s.apple_nonce);

  auto auth_data = testing::ReadAuthData(AsBytes(Cbor()));
  ASSERT_TRUE(auth_data.has_value());
  const Bytes client_data_hash = ossl::Sha256(AsBytes(ClientDataJson()));
  EXPECT_EQ(Hex(ossl::Sha256(Concat(*auth_data, client_data_hash))), s.apple_nonce);
  // One flipped bit of authData gives another nonce.
  Bytes tampered = *auth_data;
  tampered.back() ^= 0x01;
  EXPECT_NE(Hex(ossl::Sha256(Concat(tampered, client_data_hash))), s.apple_nonce);
}

// Packed full attestation (WebAuthn §8.2): the AAGUID extension 1.3.6.1.4.1.45724.1.1.4 (an OCTET
// STRING) equals authData's AAGUID, and sig is the leaf's signature over authData || clientDataHash.
class PackedFull : public WebAuthnUnservedFormat {};

TEST_P(PackedFull, AaguidExtensionAndSignature) {
  const Sample& s = GetParam();
  auto leaf = Leaf();
  ASSERT_NE(leaf, nullptr);
  static const ExtInfo kAaguid[] = {{"1.3.6.1.4.1.45724.1.1.4", "AAGUID"}};
  std::optional<ByteView> ext;
  ASSERT_TRUE(FindExtensions(leaf.get(), kAaguid, 1, "packed", &ext).has_value());
  ASSERT_TRUE(ext.has_value());
  der::Reader r(*ext);
  auto aaguid = r.ReadOctetString();
  ASSERT_TRUE(aaguid && r.Empty());
  EXPECT_EQ(Hex(*aaguid), s.aaguid);

  const AttestationObject obj = Object();
  ASSERT_TRUE(obj.att_stmt.sig.has_value());
  auto auth_data = testing::ReadAuthData(AsBytes(Cbor()));
  ASSERT_TRUE(auth_data.has_value());
  const Bytes signed_bytes = Concat(*auth_data, ossl::Sha256(AsBytes(ClientDataJson())));
  auto ok = CheckKeyAuthSignature(X509_get0_pubkey(leaf.get()), *obj.att_stmt.sig, AsChars(signed_bytes), "packed");
  EXPECT_TRUE(ok.has_value()) << ok.error().detail;
  Bytes tampered = signed_bytes;
  tampered[32] ^= 0x01;  // the flags byte
  auto bad = CheckKeyAuthSignature(X509_get0_pubkey(leaf.get()), *obj.att_stmt.sig, AsChars(tampered), "packed");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kBadAttestation);
}

std::string TestName(const ::testing::TestParamInfo<Sample>& tp) {
  std::string n = std::string(tp.param.fmt) + "_" + tp.param.name;
  for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
}

constexpr size_t kPackedCount = 3;  // kSamples lists the packed rows first
INSTANTIATE_TEST_SUITE_P(Vectors, WebAuthnUnservedFormat, ::testing::ValuesIn(kSamples), TestName);
INSTANTIATE_TEST_SUITE_P(Vectors, PackedFull, ::testing::ValuesIn(kSamples, kSamples + kPackedCount), TestName);
INSTANTIATE_TEST_SUITE_P(Vectors, AppleAnonymous, ::testing::ValuesIn(kSamples + kPackedCount, std::end(kSamples)),
                         TestName);

TEST(WebAuthnVectorTable, PackedRowsComeFirst) {
  for (size_t i = 0; i < std::size(kSamples); ++i) {
    EXPECT_EQ(std::string(kSamples[i].fmt), i < kPackedCount ? "packed" : "apple") << kSamples[i].name;
  }
}

}  // namespace
}  // namespace ca::attestation

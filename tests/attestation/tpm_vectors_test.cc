// The "tpm" format on the 8 real Windows Hello samples of shared/vectors/samples/webauthn/tpm
// (facts from shared/vectors/README.md): certInfo and pubArea parse, the Name matches, the AK
// signature verifies, the pubArea key is the credential key, and the whole pipeline passes with the
// sample's own extraData (hash(authData || clientDataHash), WebAuthn's freshness) at the pinned time
// against Microsoft TPM Root CA 2014, and fails after expiry. VerifyTpm itself refuses them: a
// Windows AK certificate names no device identifier.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "attestation/object.h"
#include "attestation/roots.h"
#include "attestation/tpm.h"
#include "attestation/tpm_structs.h"
#include "ossl/pem.h"
#include "support/vectors.h"

namespace ca::attestation {
namespace {

struct Sample {
  const char* name;
  const char* pinned;
  const char* chain_end;  // the chain's validity ends here
  const char* spki_sha256;
  const char* extra_data;
  uint16_t pub_type;
  const char* firmware;
  const char* manufacturer;
  const char* model;
  const char* version;
};

const Sample kSamples[] = {
    {"pyw-tpm-intc-surface-pro-4", "2021-04-02T23:11:27Z", "2025-05-22T20:32:21Z",
     "5a15c71c06e9eb1e0036ca11939f80d818e488f9700799a9e133a915f17e2af5", "600b44284199f3d312495b041ff4e7fb29c8028f",
     0x0001, "0x9767314bfa666054", "id:494E5443", "ICL", "id:00020000"},
    {"pyw-tpm-ntc-dell-xps-13", "2021-06-22T22:53:40Z", "2025-03-21T20:29:59Z",
     "91311b137adc0bebc311bb1efdb5298e140ab581c9dd251160c52b172e10c771", "2a99f55abf738f41a7cc0fe1cc4c142d1f55ae8d",
     0x0001, "0xe7f9fd830b0c878e", "id:4E544300", "NPCT6xx", "id:13"},
    {"pyw-tpm-stm-lenovo-x1-carbon", "2020-04-01T16:31:41Z", "2025-03-21T20:30:16Z",
     "f8fd3aa2714a37b7c36a002ab3860cf457bf80a1d5b4df2a86d2f432c78533b1", "f87cb53451780f42d247dcb52634ff6b457dc180",
     0x0001, "0x74cfc935f5e47d6e", "id:53544D20", "ST33HTPHAHC0", "id:00490008"},
    {"pyw-tpm-ntc-ecc-pubarea", "2022-01-13T22:15:18Z", "2027-06-10T18:54:36Z",
     "e2a78928e300c93195dc1745c6fc09fef425b165f79448519e432ded378adc4c", "b4c2270f75ad1927561cf5a28ccad6fd37d8a3e8",
     0x0023, "0xef3988ea2c8ed5c8", "id:4E544300", "NPCT75x", "id:00070002"},
    // The TCG SAN layout (one RDN a TPM attribute).
    {"sw-tpm-stm-spec-san", "2025-03-20T00:00:42Z", "2025-03-21T20:29:15Z",
     "701f73c4c65a4f4ea05aceb2684342da4c9acff5d4264a3a855c8b4a67e9227d", "702cecbb1383acb00263b1113ff9231ca9323463",
     0x0001, "0x35861461163fe280", "id:53544D20", "ST33HTPxAHA6", "id:00470004"},
    // The older layout (the three attributes in one multi-valued RDN).
    {"sw-tpm-ntc-nonspec-san", "2023-06-30T12:00:00Z", "2024-08-02T17:51:55Z",
     "f3df127c71ed65c4e404c236362611fabf71ea84047d5a1427bec18f4e7a3a1a", "9a1095457c1299b1b8a68c24994a1ee22d78c226",
     0x0001, "0xf6909bdaa80b894", "id:4E544300", "NPCT75x", "id:72"},
    {"jws-tpm-ntc-windows-hello", "2022-01-21T19:54:16Z", "2027-06-03T17:51:48Z",
     "1775b4ad8a488154faee9847afeef723df804861d71242ed65ba8a6ce0e19c40", "6a3a5e35eedc963ec2ea7e107258584b8ba5be39",
     0x0001, "0xa35eca74754c2cd6", "id:4E544300", "NPCT75x", "id:00070002"},
    {"jws-tpm-stm-thinkpad", "2021-09-16T05:50:16Z", "2027-06-03T19:40:24Z",
     "515af4c0fc1b8706ad429158dbe2bb96a153bdaaaf96d7b59d79872cac79e6e0", "2e0cc0ef40893c34fa300ae1f1351c74e433cbb7",
     0x0023, "0x5c46275bf0db8caa", "id:53544D20", "ST33HTPHAHD8", "id:00010102"},
};

Bytes FromHex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

class RealTpm : public ::testing::TestWithParam<Sample> {
 protected:
  AttStmt Stmt() const {
    const std::string cbor = testing::ReadShared(std::string("vectors/samples/webauthn/tpm/") + GetParam().name +
                                                 ".attestationObject.cbor");
    auto obj = DecodeAttestationObject(AsBytes(cbor));
    EXPECT_TRUE(obj.has_value()) << obj.error().detail;
    if (!obj) return {};
    EXPECT_EQ(obj->fmt, "tpm");
    return obj->att_stmt;
  }
  static TrustRoots MicrosoftRoot() {
    auto roots = TrustRoots::FromPem("tpm", testing::ReadShared("vectors/roots/microsoft-tpm-root-ca-2014.pem"));
    EXPECT_TRUE(roots.has_value());
    return roots ? std::move(*roots) : TrustRoots("tpm");
  }
  static UnixTime AfterExpiry() { return testing::At(GetParam().chain_end) + 86400; }
};

TEST_P(RealTpm, StructuresParseAndNameMatches) {
  const Sample& s = GetParam();
  const AttStmt st = Stmt();
  ASSERT_TRUE(st.cert_info && st.pub_area);
  EXPECT_EQ(st.ver, "2.0");
  EXPECT_EQ(st.alg, -65535);  // RS1: every Windows Hello sample signs with SHA-1

  auto attest = tpm::ParseAttest(*st.cert_info);
  ASSERT_TRUE(attest.has_value()) << attest.error().detail;
  EXPECT_EQ(attest->magic, tpm::kGeneratedValue);
  EXPECT_EQ(attest->type, tpm::kStAttestCertify);
  EXPECT_EQ(Hex(attest->extra_data), s.extra_data);
  char fw[24];
  std::snprintf(fw, sizeof fw, "0x%llx", static_cast<unsigned long long>(attest->firmware_version));
  EXPECT_STREQ(fw, s.firmware);

  auto pub = tpm::ParsePublic(*st.pub_area);
  ASSERT_TRUE(pub.has_value()) << pub.error().detail;
  EXPECT_EQ(pub->type, s.pub_type);
  EXPECT_EQ(pub->name_alg, tpm::kAlgSha256);
  auto name = tpm::ComputeName(pub->name_alg, *st.pub_area);
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(attest->certified_name, *name);

  auto spki = tpm::PublicKeySpki(*pub);
  ASSERT_TRUE(spki.has_value()) << spki.error().detail;
  EXPECT_EQ(Hex(ossl::Sha256(*spki)), s.spki_sha256);
}

TEST_P(RealTpm, WholePipelineAtPinnedTime) {
  const Sample& s = GetParam();
  auto dev = VerifyTpmWithExtraData(Stmt(), FromHex(s.extra_data), MicrosoftRoot(), testing::At(s.pinned));
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->format, "tpm");
  EXPECT_TRUE(dev->identifiers.empty());
  EXPECT_EQ(dev->spki_sha256_hex, s.spki_sha256);
  EXPECT_EQ(dev->facts, (std::map<std::string, std::string>{
                            {"tpm_manufacturer", s.manufacturer},
                            {"tpm_model", s.model},
                            {"tpm_version", s.version},
                            {"tpm_firmware_version", s.firmware},
                            {"key_type", s.pub_type == 0x0001 ? "RSA-2048" : "EC-P256"},
                        }));
  EXPECT_EQ(dev->chain_der.size(), 2u);
}

TEST_P(RealTpm, SignatureIsChecked) {
  const Sample& s = GetParam();
  AttStmt st = Stmt();
  ASSERT_TRUE(st.sig);
  st.sig->back() ^= 0x01;
  auto dev = VerifyTpmWithExtraData(st, FromHex(s.extra_data), MicrosoftRoot(), testing::At(s.pinned));
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "tpm: signature over certInfo does not verify (RS1)");
}

TEST_P(RealTpm, RefusedAfterExpiry) {
  auto dev = VerifyTpmWithExtraData(Stmt(), FromHex(GetParam().extra_data), MicrosoftRoot(), AfterExpiry());
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
  EXPECT_EQ(dev.error().detail.rfind("tpm: attestation chain does not verify: certificate has expired", 0), 0u)
      << dev.error().detail;
}

// device-attest-01 refuses a Windows Hello attestation: the AK certificate vouches for the TPM but
// names no device, and its extraData is WebAuthn's, not a key authorization.
TEST_P(RealTpm, VerifyTpmRefusesNoDeviceIdentifier) {
  auto dev = VerifyTpm(Stmt(), "token.thumbprint", MicrosoftRoot(), testing::At(GetParam().pinned));
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
  EXPECT_EQ(dev.error().detail, "tpm: the AK certificate names no device identifier");
}

TEST_P(RealTpm, NoBuiltinRoots) {
  auto dev = VerifyTpm(Stmt(), "k", BuiltinRoots("tpm"), testing::At(GetParam().pinned));
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail, "tpm: attestation chain does not verify: no trust anchors configured for format \"tpm\"");
}

INSTANTIATE_TEST_SUITE_P(Vectors, RealTpm, ::testing::ValuesIn(kSamples), [](const auto& tp) {
  std::string n = tp.param.name;
  for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
});

}  // namespace
}  // namespace ca::attestation

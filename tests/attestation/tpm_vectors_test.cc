// The "tpm" format on the 8 real Windows Hello samples of shared/vectors/samples/webauthn/tpm
// (facts from shared/vectors/README.md): certInfo and pubArea parse, the Name matches, the AK
// signature verifies, the pubArea key is the credential key, and the whole pipeline passes with the
// sample's own extraData (hash(authData || clientDataHash), WebAuthn's freshness) at the pinned time
// against Microsoft TPM Root CA 2014, and fails after expiry. VerifyTpm itself refuses them: a
// Windows AK certificate names no device identifier.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include <openssl/evp.h>

#include "attestation/object.h"
#include "attestation/roots.h"
#include "attestation/tpm.h"
#include "attestation/tpm_structs.h"
#include "ossl/pem.h"
#include "support/vectors.h"
#include "support/webauthn_vectors.h"

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
  const char* rp_id;
  const char* aaguid;
  const char* client_data_hash;
  int64_t cose_alg;  // the credential key's
};

const Sample kSamples[] = {
    {"pyw-tpm-intc-surface-pro-4", "2021-04-02T23:11:27Z", "2025-05-22T20:32:21Z",
     "5a15c71c06e9eb1e0036ca11939f80d818e488f9700799a9e133a915f17e2af5", "600b44284199f3d312495b041ff4e7fb29c8028f",
     0x0001, "0x9767314bfa666054", "id:494E5443", "ICL", "id:00020000",
     "webauthntest.azurewebsites.net", "08987058cadc4b81b6e130de50dcbe96",
     "edffb4fe806a1d87d421dbe0b4f390836a2bed35483884873902845334ea97f6", -257},
    {"pyw-tpm-ntc-dell-xps-13", "2021-06-22T22:53:40Z", "2025-03-21T20:29:59Z",
     "91311b137adc0bebc311bb1efdb5298e140ab581c9dd251160c52b172e10c771", "2a99f55abf738f41a7cc0fe1cc4c142d1f55ae8d",
     0x0001, "0xe7f9fd830b0c878e", "id:4E544300", "NPCT6xx", "id:13",
     "webauthntest.azurewebsites.net", "08987058cadc4b81b6e130de50dcbe96",
     "8d2486f146e40b9108f2e21a81bd384cf50bc2baeb43c45bca7703e94da73018", -257},
    {"pyw-tpm-stm-lenovo-x1-carbon", "2020-04-01T16:31:41Z", "2025-03-21T20:30:16Z",
     "f8fd3aa2714a37b7c36a002ab3860cf457bf80a1d5b4df2a86d2f432c78533b1", "f87cb53451780f42d247dcb52634ff6b457dc180",
     0x0001, "0x74cfc935f5e47d6e", "id:53544D20", "ST33HTPHAHC0", "id:00490008",
     "webauthntest.azurewebsites.net", "9ddd1817af5a4672a2b93e3dd95000a9",
     "72f46a5defb9c7e57072f95822a151c3d803f2ede67f3357a1deee31234bd5a5", -257},
    {"pyw-tpm-ntc-ecc-pubarea", "2022-01-13T22:15:18Z", "2027-06-10T18:54:36Z",
     "e2a78928e300c93195dc1745c6fc09fef425b165f79448519e432ded378adc4c", "b4c2270f75ad1927561cf5a28ccad6fd37d8a3e8",
     0x0023, "0xef3988ea2c8ed5c8", "id:4E544300", "NPCT75x", "id:00070002",
     "webauthn.io", "08987058cadc4b81b6e130de50dcbe96",
     "a6a770efc4931a3137b658c9ba2b41b5d3725579200a6a5e66325204e56759a7", -7},
    // The TCG SAN layout (one RDN a TPM attribute).
    {"sw-tpm-stm-spec-san", "2025-03-20T00:00:42Z", "2025-03-21T20:29:15Z",
     "701f73c4c65a4f4ea05aceb2684342da4c9acff5d4264a3a855c8b4a67e9227d", "702cecbb1383acb00263b1113ff9231ca9323463",
     0x0001, "0x35861461163fe280", "id:53544D20", "ST33HTPxAHA6", "id:00470004",
     "netpassport.io", "08987058cadc4b81b6e130de50dcbe96",
     "8221a90580eeb8068c35750c503141cad671192253342febc9c0693f629e0a3c", -257},
    // The older layout (the three attributes in one multi-valued RDN).
    {"sw-tpm-ntc-nonspec-san", "2023-06-30T12:00:00Z", "2024-08-02T17:51:55Z",
     "f3df127c71ed65c4e404c236362611fabf71ea84047d5a1427bec18f4e7a3a1a", "9a1095457c1299b1b8a68c24994a1ee22d78c226",
     0x0001, "0xf6909bdaa80b894", "id:4E544300", "NPCT75x", "id:72",
     "localhost", "08987058cadc4b81b6e130de50dcbe96",
     "63d8a560baef314bb129723674050a1d0b702af17869e6a4a3de761126ce3ede", -257},
    {"jws-tpm-ntc-windows-hello", "2022-01-21T19:54:16Z", "2027-06-03T17:51:48Z",
     "1775b4ad8a488154faee9847afeef723df804861d71242ed65ba8a6ce0e19c40", "6a3a5e35eedc963ec2ea7e107258584b8ba5be39",
     0x0001, "0xa35eca74754c2cd6", "id:4E544300", "NPCT75x", "id:00070002",
     "d2urpypvrhb05x.amplifyapp.com", "08987058cadc4b81b6e130de50dcbe96",
     "3ce9c9b74ca964ebb8d0481d8658dcde9ea50895f4a6687df4e70a8eddcd9f6a", -257},
    {"jws-tpm-stm-thinkpad", "2021-09-16T05:50:16Z", "2027-06-03T19:40:24Z",
     "515af4c0fc1b8706ad429158dbe2bb96a153bdaaaf96d7b59d79872cac79e6e0", "2e0cc0ef40893c34fa300ae1f1351c74e433cbb7",
     0x0023, "0x5c46275bf0db8caa", "id:53544D20", "ST33HTPHAHD8", "id:00010102",
     "localhost", "08987058cadc4b81b6e130de50dcbe96",
     "719d11851afa9690934b738d67c76b2dd355a542ea8a6956222c5afe8ee1b709", -7},
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

// The sample's WebAuthn side: clientDataHash = SHA-256(clientDataJSON), rpIdHash, AAGUID and the
// credential's COSE alg are the README's, and certInfo.extraData is SHA-1 (the hash of alg RS1) of
// authData || clientDataHash: the listed extraData is this sample's own, not just any value.
TEST_P(RealTpm, ExtraDataIsTheHashOfAuthDataAndClientData) {
  const Sample& s = GetParam();
  const std::string base = std::string("vectors/samples/webauthn/tpm/") + s.name;
  const Bytes client_data_hash = ossl::Sha256(AsBytes(testing::ReadShared(base + ".clientDataJSON.json")));
  EXPECT_EQ(Hex(client_data_hash), s.client_data_hash);
  auto auth_data = testing::ReadAuthData(AsBytes(testing::ReadShared(base + ".attestationObject.cbor")));
  ASSERT_TRUE(auth_data.has_value());
  auto ad = testing::ParseAuthData(*auth_data);
  ASSERT_TRUE(ad.has_value());
  EXPECT_EQ(ad->rp_id_hash, ossl::Sha256(AsBytes(s.rp_id)));
  EXPECT_EQ(Hex(ad->aaguid), s.aaguid);
  EXPECT_EQ(testing::CoseKeyAlg(ad->credential_public_key), s.cose_alg);

  Bytes to_be_signed = *auth_data;
  to_be_signed.insert(to_be_signed.end(), client_data_hash.begin(), client_data_hash.end());
  unsigned char sha1[EVP_MAX_MD_SIZE];
  unsigned int sha1_len = 0;
  ASSERT_EQ(EVP_Digest(to_be_signed.data(), to_be_signed.size(), sha1, &sha1_len, EVP_sha1(), nullptr), 1);
  EXPECT_EQ(Hex(ByteView(sha1, sha1_len)), s.extra_data);
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

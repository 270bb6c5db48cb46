// The "tpm" format on minted attestations (support/attest_builders.h MakeTpmAttestation): a test CA
// issues an AK certificate naming a device; certInfo certifies a fresh key bound to the key
// authorization. One honest case per accepted algorithm, then one refusal per check, each asserting
// its detail.
#include "attestation/tpm.h"

#include <gtest/gtest.h>

#include <string>

#include "attestation/roots.h"
#include "attestation/tpm_ak_cert.h"
#include "attestation/tpm_structs.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "support/attest_builders.h"

namespace ca::attestation {
namespace {

using testing::MakeTpmAttestation;
using testing::TpmSpec;
using testing::TpmTestAttestation;

constexpr const char* kKeyAuth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
constexpr UnixTime kAt = 1700000000 + 86400;

TpmSpec Spec() {
  TpmSpec s;
  s.extra_data = testing::TpmExtraDataFor(kKeyAuth);
  return s;
}

TrustRoots RootsOf(const TpmTestAttestation& t) {
  auto roots = TrustRoots::FromPem("tpm", t.root.pem);
  EXPECT_TRUE(roots.has_value());
  return roots ? std::move(*roots) : TrustRoots("tpm");
}

Result<AttestedDevice> Verify(const TpmTestAttestation& t, const AttStmt& st, UnixTime at = kAt) {
  return VerifyTpm(st, kKeyAuth, RootsOf(t), at);
}

// Refused runs VerifyTpm and returns the detail of its (expected) kBadAttestation refusal.
std::string Refused(const TpmTestAttestation& t, const AttStmt& st, UnixTime at = kAt) {
  auto dev = Verify(t, st, at);
  EXPECT_FALSE(dev.has_value());
  if (dev) return "accepted";
  EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
  return dev.error().detail;
}

std::string Refused(const TpmSpec& spec) {
  const TpmTestAttestation t = MakeTpmAttestation(spec);
  return Refused(t, t.stmt);
}

// Resign replaces certInfo and signs it again with the AK, as a TPM would have.
void Resign(TpmTestAttestation& t, Bytes cert_info) {
  t.stmt.sig = testing::TpmSign(t.ak.key.get(), *t.stmt.alg, cert_info);
  t.stmt.cert_info = std::move(cert_info);
}

// --- honest attestations -------------------------------------------------------------------------

struct Honest {
  int64_t alg;
  const char* key;
  const char* key_type;
};

class HonestTpm : public ::testing::TestWithParam<Honest> {};

TEST_P(HonestTpm, Verifies) {
  TpmSpec spec = Spec();
  spec.alg = GetParam().alg;
  spec.key = GetParam().key;
  const TpmTestAttestation t = MakeTpmAttestation(spec);
  auto dev = Verify(t, t.stmt);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->format, "tpm");
  EXPECT_EQ(dev->identifiers, (std::vector<AttestedIdentifier>{{"permanent-identifier", "TPM-0123456789"}}));
  auto spki = ossl::PublicKeyToDer(t.key.get());
  ASSERT_TRUE(spki.has_value());
  EXPECT_EQ(dev->spki_der, *spki);
  EXPECT_EQ(dev->spki_sha256_hex, Hex(ossl::Sha256(*spki)));
  EXPECT_EQ(dev->facts, (std::map<std::string, std::string>{{"tpm_manufacturer", "id:54455354"},
                                                             {"tpm_model", "swtpm-test"},
                                                             {"tpm_version", "id:00010002"},
                                                             {"tpm_firmware_version", "0x1000200030004"},
                                                             {"key_type", GetParam().key_type}}));
  EXPECT_EQ(dev->chain_der, t.stmt.x5c);
}

INSTANTIATE_TEST_SUITE_P(Algs, HonestTpm,
                         ::testing::Values(Honest{-7, "P-256", "EC-P256"}, Honest{-35, "P-384", "EC-P384"},
                                           Honest{-36, "P-521", "EC-P521"}, Honest{-257, "RSA-2048", "RSA-2048"},
                                           Honest{-37, "P-256", "EC-P256"}, Honest{-65535, "P-256", "EC-P256"}),
                         [](const auto& tp) { return "alg" + std::to_string(-tp.param.alg); });

TEST(Tpm, OlderSanLayoutReadsAlike) {
  TpmSpec spec = Spec();
  spec.spec_san_layout = false;
  const TpmTestAttestation t = MakeTpmAttestation(spec);
  auto dev = Verify(t, t.stmt);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->facts.at("tpm_manufacturer"), "id:54455354");
  EXPECT_EQ(dev->facts.at("tpm_model"), "swtpm-test");
  EXPECT_EQ(dev->facts.at("tpm_version"), "id:00010002");
}

TEST(Tpm, PermanentIdentifierWithAssigner) {
  TpmSpec spec = Spec();
  spec.permanent_identifier = "TPM-0123456789/1.3.6.1.4.1.99999.7";
  const TpmTestAttestation t = MakeTpmAttestation(spec);
  auto dev = Verify(t, t.stmt);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->identifiers,
            (std::vector<AttestedIdentifier>{{"permanent-identifier", "TPM-0123456789/1.3.6.1.4.1.99999.7"}}));
}

TEST(Tpm, HardwareModuleNamePrintableAndBinarySerials) {
  TpmSpec spec = Spec();
  spec.permanent_identifier.reset();
  spec.hardware_module_type = "1.3.6.1.4.1.99999.1";
  spec.hardware_module_serial = ToBytes("SN-0042");
  TpmTestAttestation t = MakeTpmAttestation(spec);
  auto dev = Verify(t, t.stmt);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->identifiers, (std::vector<AttestedIdentifier>{{"hardware-module", "SN-0042/1.3.6.1.4.1.99999.1"}}));

  spec.permanent_identifier = "TPM-1";  // both otherNames, in SAN order
  spec.hardware_module_serial = {0x00, 0xff, 0x10};
  t = MakeTpmAttestation(spec);
  dev = Verify(t, t.stmt);
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->identifiers, (std::vector<AttestedIdentifier>{{"permanent-identifier", "TPM-1"},
                                                               {"hardware-module", "00ff10/1.3.6.1.4.1.99999.1"}}));
}

TEST(Tpm, HardwareSerialText) {
  EXPECT_EQ(tpm::HardwareSerialText(AsBytes("ABC 123-x")), "ABC 123-x");
  EXPECT_EQ(tpm::HardwareSerialText(AsBytes("a/b")), "612f62");  // "/" would split the ACME value
  EXPECT_EQ(tpm::HardwareSerialText(AsBytes("caf\xc3\xa9")), "636166c3a9");
  EXPECT_EQ(tpm::HardwareSerialText(Bytes{}), "");
}

// --- attestation statement members ---------------------------------------------------------------

TEST(Tpm, MissingOrEmptyMembers) {
  const TpmTestAttestation t = MakeTpmAttestation(Spec());
  auto without = [&](auto mutate) {
    AttStmt st = t.stmt;
    mutate(st);
    return Refused(t, st);
  };
  EXPECT_EQ(without([](AttStmt& s) { s.ver.reset(); }), "tpm: ver is missing");
  EXPECT_EQ(without([](AttStmt& s) { s.ver = "1.0"; }), "tpm: ver must be \"2.0\"");
  EXPECT_EQ(without([](AttStmt& s) { s.alg.reset(); }), "tpm: alg is missing");
  EXPECT_EQ(without([](AttStmt& s) { s.x5c.clear(); }), "tpm: x5c is empty");
  EXPECT_EQ(without([](AttStmt& s) { s.sig.reset(); }), "tpm: sig is missing");
  EXPECT_EQ(without([](AttStmt& s) { s.sig = Bytes{}; }), "tpm: sig is empty");
  EXPECT_EQ(without([](AttStmt& s) { s.cert_info.reset(); }), "tpm: certInfo is missing");
  EXPECT_EQ(without([](AttStmt& s) { s.cert_info = Bytes{}; }), "tpm: certInfo is empty");
  EXPECT_EQ(without([](AttStmt& s) { s.pub_area.reset(); }), "tpm: pubArea is missing");
  EXPECT_EQ(without([](AttStmt& s) { s.pub_area = Bytes{}; }), "tpm: pubArea is empty");
}

TEST(Tpm, UnsupportedAlg) {
  TpmTestAttestation t = MakeTpmAttestation(Spec());
  t.stmt.alg = -8;  // EdDSA: a TPM does not sign with it
  EXPECT_EQ(Refused(t, t.stmt),
            "tpm: alg -8 is not supported (accepted: -257 RS256, -37 PS256, -7 ES256, -35 ES384, -36 ES512, -65535 RS1)");
}

TEST(Tpm, AlgMustFitTheAkKey) {
  TpmTestAttestation t = MakeTpmAttestation(Spec());  // EC P-256 AK
  t.stmt.alg = -257;
  EXPECT_EQ(Refused(t, t.stmt), "tpm: alg RS256 needs an RSA AK key");
}

// --- trust -------------------------------------------------------------------------------------

TEST(Tpm, UntrustedRootAndExpiry) {
  const TpmTestAttestation t = MakeTpmAttestation(Spec());
  const TpmTestAttestation other = MakeTpmAttestation(Spec());
  auto dev = VerifyTpm(t.stmt, kKeyAuth, RootsOf(other), kAt);
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail.rfind("tpm: attestation chain does not verify: unable to get local issuer certificate", 0),
            0u)
      << dev.error().detail;

  const std::string expired = Refused(t, t.stmt, Spec().not_after + 1);
  EXPECT_EQ(expired, "tpm: attestation chain does not verify: certificate has expired (depth 0)");
}

// --- AK certificate profile ------------------------------------------------------------------------

TEST(Tpm, AkCertificateProfile) {
  TpmSpec spec = Spec();
  spec.ak_eku = false;
  EXPECT_EQ(Refused(spec), "tpm: AK certificate has no extended key usage (want tcg-kp-AIKCertificate 2.23.133.8.3)");

  spec = Spec();
  spec.ak_empty_subject = false;
  EXPECT_EQ(Refused(spec), "tpm: AK certificate subject is not empty");

  spec = Spec();
  spec.ak_is_ca = true;
  EXPECT_EQ(Refused(spec), "tpm: AK certificate is a CA certificate (basicConstraints CA:TRUE)");
}

TEST(Tpm, NoDeviceIdentifier) {
  TpmSpec spec = Spec();
  spec.permanent_identifier.reset();
  EXPECT_EQ(Refused(spec), "tpm: the AK certificate names no device identifier");
}

TEST(Tpm, DeviceIdentifierMustFitTheAbnf) {
  TpmSpec spec = Spec();
  spec.permanent_identifier = "";
  EXPECT_EQ(Refused(spec),
            "tpm: AK certificate PermanentIdentifier is not a valid permanent-identifier value: the identifier value is "
            "empty");
}

// --- certInfo / pubArea ------------------------------------------------------------------------------

TEST(Tpm, WrongExtraData) {
  TpmSpec spec = Spec();
  spec.extra_data = testing::TpmExtraDataFor("another-token.thumbprint");
  EXPECT_EQ(Refused(spec), "tpm: certInfo.extraData does not match the key authorization");
  // The token alone (Apple's binding) is not enough: TPM2_Certify can carry the whole key authorization.
  spec.extra_data = testing::TpmExtraDataFor(std::string(kKeyAuth).substr(0, std::string(kKeyAuth).find('.')));
  EXPECT_EQ(Refused(spec), "tpm: certInfo.extraData does not match the key authorization");
}

TEST(Tpm, WrongName) {
  TpmTestAttestation t = MakeTpmAttestation(Spec());
  Bytes name = testing::TpmNameOf(*t.stmt.pub_area);
  name.back() ^= 0x01;
  Resign(t, testing::TpmCertInfo(name, testing::TpmExtraDataFor(kKeyAuth)));
  EXPECT_EQ(Refused(t, t.stmt), "tpm: certInfo certifies another key than pubArea (Name differs)");

  // A pubArea swapped for another key's: certInfo still names the first.
  TpmTestAttestation u = MakeTpmAttestation(Spec());
  const TpmTestAttestation other = MakeTpmAttestation(Spec());
  u.stmt.pub_area = other.stmt.pub_area;
  EXPECT_EQ(Refused(u, u.stmt), "tpm: certInfo certifies another key than pubArea (Name differs)");
}

TEST(Tpm, BadSignature) {
  TpmTestAttestation t = MakeTpmAttestation(Spec());
  t.stmt.sig->back() ^= 0x01;
  EXPECT_EQ(Refused(t, t.stmt), "tpm: signature over certInfo does not verify (ES256)");
  // A signature over other bytes does not verify either.
  t.stmt.sig = testing::TpmSign(t.ak.key.get(), -7, AsBytes("not certInfo"));
  EXPECT_EQ(Refused(t, t.stmt), "tpm: signature over certInfo does not verify (ES256)");
}

TEST(Tpm, KeyAttributes) {
  struct Case {
    uint32_t attrs;
    const char* detail;
  };
  const uint32_t good = Spec().object_attributes;
  const Case cases[] = {
      {good | tpm::kAttrRestricted, "tpm: attested key is restricted"},
      {good & ~tpm::kAttrFixedTpm, "tpm: attested key is not fixedTPM"},
      {good & ~tpm::kAttrFixedParent, "tpm: attested key is not fixedParent"},
      {good & ~tpm::kAttrSensitiveDataOrigin, "tpm: attested key is not sensitiveDataOrigin (not made in the TPM)"},
  };
  for (const auto& c : cases) {
    TpmSpec spec = Spec();
    spec.object_attributes = c.attrs;
    EXPECT_EQ(Refused(spec), c.detail);
  }
}

TEST(Tpm, SmallRsaKeyRefused) {
  TpmSpec spec = Spec();
  spec.key = "RSA-1024";
  EXPECT_EQ(Refused(spec), "tpm: attested RSA key has 1024 bits, want at least 2048");
}

TEST(Tpm, TruncatedAndTrailingBytes) {
  const TpmTestAttestation base = MakeTpmAttestation(Spec());

  AttStmt st = base.stmt;
  st.pub_area->pop_back();
  EXPECT_EQ(Refused(base, st), "tpm: pubArea: truncated in unique.ecc.y at offset 56");
  st = base.stmt;
  st.pub_area->push_back(0);
  EXPECT_EQ(Refused(base, st), "tpm: pubArea: 1 trailing bytes after TPMT_PUBLIC");

  // certInfo is checked before its signature, but sign anyway so only the length is wrong.
  TpmTestAttestation t = MakeTpmAttestation(Spec());
  Bytes cert_info = *t.stmt.cert_info;
  cert_info.pop_back();
  Resign(t, cert_info);
  EXPECT_EQ(Refused(t, t.stmt), "tpm: certInfo: truncated in attested.qualifiedName at offset 139");
  cert_info.push_back(0);
  cert_info.push_back(0);
  Resign(t, cert_info);
  EXPECT_EQ(Refused(t, t.stmt), "tpm: certInfo: 1 trailing bytes after TPMS_ATTEST");
}

// Every proper prefix of either structure is refused as malformed, never read past its end.
TEST(TpmStructs, EveryPrefixRefused) {
  const TpmTestAttestation t = MakeTpmAttestation(Spec());
  const Bytes& ci = *t.stmt.cert_info;
  const Bytes& pa = *t.stmt.pub_area;
  ASSERT_TRUE(tpm::ParseAttest(ci).has_value());
  ASSERT_TRUE(tpm::ParsePublic(pa).has_value());
  for (size_t n = 0; n < ci.size(); ++n) {
    auto r = tpm::ParseAttest(ByteView(ci).first(n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
  }
  for (size_t n = 0; n < pa.size(); ++n) {
    auto r = tpm::ParsePublic(ByteView(pa).first(n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code, Errc::kMalformed);
  }
}

TEST(TpmStructs, MagicTypeAndSizes) {
  const TpmTestAttestation t = MakeTpmAttestation(Spec());
  Bytes ci = *t.stmt.cert_info;
  ci[0] = 0x00;
  EXPECT_EQ(tpm::ParseAttest(ci).error().detail, "magic is 0x00544347, not TPM_GENERATED_VALUE");
  ci = *t.stmt.cert_info;
  ci[5] = 0x18;  // TPM_ST_ATTEST_QUOTE
  EXPECT_EQ(tpm::ParseAttest(ci).error().detail, "type is 0x8018, not TPM_ST_ATTEST_CERTIFY");
  ci = *t.stmt.cert_info;
  ci[6] = 0xff;  // qualifiedSigner size 0xff22
  EXPECT_EQ(tpm::ParseAttest(ci).error().detail, "qualifiedSigner size 65314 exceeds 66 at offset 6");

  Bytes pa = *t.stmt.pub_area;
  pa[1] = 0x25;  // TPM_ALG_SYMCIPHER
  EXPECT_EQ(tpm::ParsePublic(pa).error().detail, "type 0x0025 is not RSA or ECC");
  pa = *t.stmt.pub_area;
  pa[3] = 0x10;  // nameAlg NULL
  EXPECT_EQ(tpm::ParsePublic(pa).error().detail, "nameAlg NULL is not SHA1, SHA256, SHA384 or SHA512");
}

TEST(TpmStructs, NameAndKeyOfAMintedPubArea) {
  const TpmTestAttestation t = MakeTpmAttestation(Spec());
  auto pub = tpm::ParsePublic(*t.stmt.pub_area);
  ASSERT_TRUE(pub.has_value()) << pub.error().detail;
  EXPECT_EQ(pub->type, tpm::kAlgEcc);
  EXPECT_EQ(pub->ecc_curve, tpm::kEccNistP256);
  EXPECT_EQ(pub->scheme, 0x0018);
  EXPECT_EQ(pub->scheme_hash, tpm::kAlgSha256);
  auto name = tpm::ComputeName(pub->name_alg, *t.stmt.pub_area);
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(*name, testing::TpmNameOf(*t.stmt.pub_area));
  // A point off the curve is refused by OpenSSL.
  pub->ecc_y.back() ^= 0x01;
  auto key = tpm::PublicKey(*pub);
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().code, Errc::kMalformed);
}

// --- order matching (attestation::Names) ---------------------------------------------------------

TEST(Names, TypedIdentifiersMatchOctetForOctet) {
  AttestedDevice dev;
  dev.identifiers = {{"permanent-identifier", "TPM-1/1.2.3.4"}, {"hardware-module", "SN-9/1.3.6.1.4.1.99999.1"}};
  EXPECT_TRUE(Names(dev, {"permanent-identifier", "TPM-1/1.2.3.4"}));
  EXPECT_FALSE(Names(dev, {"permanent-identifier", "TPM-1"}));
  EXPECT_FALSE(Names(dev, {"permanent-identifier", "TPM-1/1.2.3.5"}));
  EXPECT_TRUE(Names(dev, {"hardware-module", "SN-9/1.3.6.1.4.1.99999.1"}));
  EXPECT_FALSE(Names(dev, {"hardware-module", "SN-9/1.3.6.1.4.1.99999.2"}));
  EXPECT_FALSE(Names(dev, {"permanent-identifier", "SN-9/1.3.6.1.4.1.99999.1"}));  // type differs
}

TEST(Names, BareVendorSerialsMatchTheIdentifierPart) {
  AttestedDevice dev;
  dev.identifiers = {{"serial", "C02XK1TESTQ6"}};
  EXPECT_TRUE(Names(dev, {"permanent-identifier", "C02XK1TESTQ6"}));
  EXPECT_TRUE(Names(dev, {"permanent-identifier", "C02XK1TESTQ6/1.2.3.4"}));
  EXPECT_TRUE(Names(dev, {"hardware-module", "C02XK1TESTQ6/1.2.3.4"}));
  EXPECT_FALSE(Names(dev, {"permanent-identifier", "C02XK1TESTQ7"}));
}

}  // namespace
}  // namespace ca::attestation

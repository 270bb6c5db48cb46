// Android Key Attestation ("android-key") with minted chains (tests/support/android_builders): the
// honest case and one tamper per check of VerifyAndroidKey, the KeyDescription parser's strictness,
// and the status list parser.
#include "attestation/android.h"

#include <gtest/gtest.h>

#include <string>

#include "attestation/android_status.h"
#include "attestation/key_description.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "support/android_builders.h"

namespace ca::attestation {
namespace {

using testing::AndroidTestChain;
using testing::DerInteger;
using testing::DerTlv;
using testing::Explicit;
using testing::KeyDescriptionSpec;
using testing::MakeAndroidChain;
using testing::MakeKeyDescription;
using testing::SignKeyAuth;

constexpr const char* kKeyAuth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.1d2f3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2";
constexpr UnixTime kNow = 1750000000;  // 2025-06-15

KeyDescriptionSpec HonestSpec() {
  KeyDescriptionSpec spec;
  spec.challenge = ToBytes(kKeyAuth);
  return spec;
}

struct Minted {
  AndroidTestChain chain;
  AttStmt st;
  TrustRoots roots;
};

Minted Mint(const KeyDescriptionSpec& spec, std::string_view signed_text = kKeyAuth) {
  Minted m{MakeAndroidChain(MakeKeyDescription(spec)), {}, TrustRoots("android-key")};
  m.st.alg = -7;
  m.st.x5c = m.chain.x5c;
  m.st.sig = SignKeyAuth(m.chain.leaf.key.get(), signed_text);
  EXPECT_TRUE(m.roots.AddRootsPem(m.chain.root.pem).has_value());
  return m;
}

std::string Refusal(const Minted& m, const RevocationStatus& rev = {}, std::string_view key_auth = kKeyAuth) {
  auto dev = VerifyAndroidKey(m.st, key_auth, m.roots, kNow, rev);
  EXPECT_FALSE(dev.has_value());
  if (dev) return "";
  EXPECT_EQ(dev.error().code, Errc::kBadAttestation);
  return dev.error().detail;
}

std::string SerialOf(const Bytes& der) {
  auto c = ossl::CertFromDer(der);
  const ASN1_INTEGER* sn = X509_get0_serialNumber(c->get());
  return SerialKey(ByteView(ASN1_STRING_get0_data(sn), static_cast<size_t>(ASN1_STRING_length(sn))));
}

TEST(AndroidKey, HonestAttestation) {
  const Minted m = Mint(HonestSpec());
  auto dev = VerifyAndroidKey(m.st, kKeyAuth, m.roots, kNow, RevocationStatus{});
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->format, "android-key");
  EXPECT_EQ(dev->identifiers, (std::vector<AttestedIdentifier>{{"serial", "ANDROIDSERIAL01"}}));
  EXPECT_EQ(dev->facts, (std::map<std::string, std::string>{{"security_level", "tee"},
                                                            {"attestation_version", "200"},
                                                            {"verified_boot_state", "verified"},
                                                            {"device_locked", "true"},
                                                            {"os_version", "140000"},
                                                            {"os_patch_level", "202405"},
                                                            {"vendor_patch_level", "20240505"},
                                                            {"boot_patch_level", "20240505"}}));
  auto spki = ossl::PublicKeyToDer(m.chain.leaf.key.get());
  ASSERT_TRUE(spki.has_value());
  EXPECT_EQ(dev->spki_der, *spki);
  EXPECT_EQ(dev->chain_der, m.st.x5c);
  // A status list that lists nothing else changes nothing.
  auto list = std::make_shared<StatusList>();
  list->entries["123abc"] = {"REVOKED", ""};
  EXPECT_TRUE(VerifyAndroidKey(m.st, kKeyAuth, m.roots, kNow, RevocationStatus{true, list, ""}).has_value());
}

TEST(AndroidKey, StrongBoxFacts) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.attestation_security_level = 2;
  spec.keymint_security_level = 2;
  spec.device_locked = false;
  spec.verified_boot_state = 2;
  const Minted m = Mint(spec);
  auto dev = VerifyAndroidKey(m.st, kKeyAuth, m.roots, kNow, RevocationStatus{});
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->facts.at("security_level"), "strongbox");
  EXPECT_EQ(dev->facts.at("device_locked"), "false");
  EXPECT_EQ(dev->facts.at("verified_boot_state"), "unverified");
}

TEST(AndroidKey, WrongChallenge) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.challenge = ToBytes(std::string(kKeyAuth) + "x");
  EXPECT_EQ(Refusal(Mint(spec)), "android-key: attestationChallenge does not match the key authorization");
}

TEST(AndroidKey, SoftwareLevelsRefused) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.attestation_security_level = 0;
  EXPECT_EQ(Refusal(Mint(spec)),
            "android-key: software attestation refused (attestationSecurityLevel software, keyMintSecurityLevel tee); "
            "TEE or StrongBox is required");
  spec = HonestSpec();
  spec.keymint_security_level = 0;
  EXPECT_NE(Refusal(Mint(spec)).find("keyMintSecurityLevel software"), std::string::npos);
}

TEST(AndroidKey, MissingSerialRefused) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.serial.reset();
  EXPECT_EQ(Refusal(Mint(spec)), "android-key: the attestation carries no device serial (ID attestation)");
  // Only the hardware-enforced list counts.
  spec = HonestSpec();
  spec.serial_in_software_list = true;
  EXPECT_EQ(Refusal(Mint(spec)), "android-key: the attestation carries no device serial (ID attestation)");
  spec = HonestSpec();
  spec.serial = std::string("bad\nserial");
  EXPECT_EQ(Refusal(Mint(spec)), "android-key: the attested device serial is not printable ASCII");
}

TEST(AndroidKey, RootOfTrustOnlyFromHardwareList) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.root_of_trust = false;
  const Minted m = Mint(spec);
  auto dev = VerifyAndroidKey(m.st, kKeyAuth, m.roots, kNow, RevocationStatus{});
  ASSERT_TRUE(dev.has_value()) << dev.error().detail;
  EXPECT_EQ(dev->facts.count("verified_boot_state"), 0u);
  EXPECT_EQ(dev->facts.count("device_locked"), 0u);
}

TEST(AndroidKey, BadOrMissingSignature) {
  Minted m = Mint(HonestSpec(), "something else");
  EXPECT_EQ(Refusal(m), "android-key: signature over the key authorization does not verify");
  m.st.sig.reset();
  EXPECT_EQ(Refusal(m), "android-key: sig is missing");
  m.st.sig = Bytes{};
  EXPECT_EQ(Refusal(m), "android-key: sig is empty");
}

TEST(AndroidKey, NonP256LeafCannotSign) {
  Minted m{MakeAndroidChain(MakeKeyDescription(HonestSpec()), "P-384"), {}, TrustRoots("android-key")};
  m.st.x5c = m.chain.x5c;
  m.st.sig = SignKeyAuth(m.chain.leaf.key.get(), kKeyAuth);
  ASSERT_TRUE(m.roots.AddRootsPem(m.chain.root.pem).has_value());
  EXPECT_EQ(Refusal(m), "android-key: attested EC key is not P-256; only P-256 can sign the key authorization");
}

TEST(AndroidKey, UntrustedRoot) {
  Minted m = Mint(HonestSpec());
  const Minted other = Mint(HonestSpec());
  m.roots = TrustRoots("android-key");
  ASSERT_TRUE(m.roots.AddRootsPem(other.chain.root.pem).has_value());
  EXPECT_EQ(Refusal(m).rfind("android-key: attestation chain does not verify: ", 0), 0u) << Refusal(m);
  // The same, with the (untrusted) root sent as the last x5c element: named in the detail.
  m.st.x5c.push_back(m.chain.root.der);
  EXPECT_EQ(Refusal(m),
            "android-key: the chain ends at CN=Test Android Attestation Root,O=attestca test, which is not a trusted "
            "Google attestation root");
  m.st.x5c.clear();
  EXPECT_EQ(Refusal(m), "android-key: x5c is empty");
}

TEST(AndroidKey, NoKeyDescription) {
  Minted m = Mint(HonestSpec());
  const AndroidTestChain bare = MakeAndroidChain(std::nullopt);
  m.st.x5c = bare.x5c;
  m.roots = TrustRoots("android-key");
  ASSERT_TRUE(m.roots.AddRootsPem(bare.root.pem).has_value());
  EXPECT_EQ(Refusal(m), "android-key: the leaf has no KeyDescription extension (1.3.6.1.4.1.11129.2.1.17)");
}

TEST(AndroidKey, MalformedKeyDescriptionIsBadAttestation) {
  Bytes kd = MakeKeyDescription(HonestSpec());
  kd.push_back(0x00);  // trailing byte
  Minted m{MakeAndroidChain(kd), {}, TrustRoots("android-key")};
  m.st.x5c = m.chain.x5c;
  m.st.sig = SignKeyAuth(m.chain.leaf.key.get(), kKeyAuth);
  ASSERT_TRUE(m.roots.AddRootsPem(m.chain.root.pem).has_value());
  EXPECT_EQ(Refusal(m), "android-key: KeyDescription: trailing bytes after KeyDescription at offset " +
                            std::to_string(kd.size() - 1));
}

TEST(AndroidKey, RevokedSerialRefusedByName) {
  const Minted m = Mint(HonestSpec());
  for (const Bytes* cert : {&m.chain.leaf.der, &m.chain.intermediate.der, &m.chain.root.der}) {
    auto list = std::make_shared<StatusList>();
    const std::string serial = SerialOf(*cert);
    list->entries[serial] = {"SUSPENDED", "SOFTWARE_FLAW"};
    const std::string detail = Refusal(m, RevocationStatus{true, list, ""});
    EXPECT_EQ(detail.rfind("android-key: certificate serial " + serial + " (", 0), 0u) << detail;
    EXPECT_NE(detail.find(") is SUSPENDED in the attestation status list (reason SOFTWARE_FLAW)"), std::string::npos)
        << detail;
  }
}

TEST(AndroidKey, StatusListUnavailableFailsClosed) {
  const Minted m = Mint(HonestSpec());
  EXPECT_EQ(Refusal(m, RevocationStatus{true, nullptr, "cannot read /etc/attestca/status.json"}),
            "android-key: certificate status list unavailable: cannot read /etc/attestca/status.json");
}

TEST(AndroidKey, ExpiredIntermediateRefusedExpiredLeafNot) {
  // A leaf that "expired" in 2027 (StrongBox leaves say 2028): its dates are placeholders.
  Minted m{MakeAndroidChain(MakeKeyDescription(HonestSpec()), "P-256", 1800000000), {}, TrustRoots("android-key")};
  m.st.x5c = m.chain.x5c;
  m.st.sig = SignKeyAuth(m.chain.leaf.key.get(), kKeyAuth);
  ASSERT_TRUE(m.roots.AddRootsPem(m.chain.root.pem).has_value());
  auto ok = VerifyAndroidKey(m.st, kKeyAuth, m.roots, 2100000000, RevocationStatus{});  // 2036
  EXPECT_TRUE(ok.has_value()) << ok.error().detail;
  // 2042: root and intermediate (2039) have expired: refused (OpenSSL reports the root first).
  auto late = VerifyAndroidKey(m.st, kKeyAuth, m.roots, 2300000000, RevocationStatus{});
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().detail, "android-key: attestation chain does not verify: certificate has expired (depth 2)");
}

TEST(AndroidKey, KeyDescriptionAboveTheLeafRefused) {
  // An attested key (the "intermediate" here carries a KeyDescription) signing a leaf of its own.
  testing::CertSpec root;
  root.common_name = "R";
  root.not_before = 1600000000;
  root.not_after = 2200000000;
  root.is_ca = true;
  const testing::TestCert r = testing::MakeCert(root, nullptr);
  testing::CertSpec mid = root;
  mid.common_name = "attested key";
  mid.key_group = "P-256";
  mid.extensions.push_back({kKeyDescriptionOid, MakeKeyDescription(HonestSpec()), false});
  const testing::TestCert a = testing::MakeCert(mid, &r);
  testing::CertSpec leaf;
  leaf.key_group = "P-256";
  leaf.extensions.push_back({kKeyDescriptionOid, MakeKeyDescription(HonestSpec()), false});
  const testing::TestCert l = testing::MakeCert(leaf, &a);
  AttStmt st;
  st.x5c = {l.der, a.der};
  st.sig = SignKeyAuth(l.key.get(), kKeyAuth);
  auto roots = TrustRoots::FromPem("android-key", r.pem);
  ASSERT_TRUE(roots.has_value());
  auto dev = VerifyAndroidKey(st, kKeyAuth, *roots, kNow, RevocationStatus{});
  ASSERT_FALSE(dev.has_value());
  EXPECT_EQ(dev.error().detail.rfind("android-key: certificate 1 above the leaf carries a KeyDescription", 0), 0u)
      << dev.error().detail;
}

// ---- KeyDescription parser ----------------------------------------------------------------------

TEST(KeyDescription, UnknownTagsSkippedDuplicatesRefused) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.extra_hardware = {Explicit(720, DerTlv({0x05}, {})), Explicit(709, DerTlv({0x04}, ToBytes("app"))),
                         Explicit(40000, DerInteger(7))};
  auto kd = ParseKeyDescription(MakeKeyDescription(spec));
  ASSERT_TRUE(kd.has_value()) << kd.error().detail;
  EXPECT_EQ(kd->hardware_enforced.attestation_id_serial, ToBytes("ANDROIDSERIAL01"));
  EXPECT_EQ(kd->hardware_enforced.purpose, (std::set<int64_t>{2}));
  EXPECT_EQ(kd->hardware_enforced.algorithm, 3);
  EXPECT_EQ(kd->hardware_enforced.vendor_patch_level, 20240505);

  spec.extra_hardware = {Explicit(706, DerInteger(202501))};  // a second osPatchLevel
  auto dup = ParseKeyDescription(MakeKeyDescription(spec));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, Errc::kMalformed);
  EXPECT_EQ(dup.error().detail.rfind("KeyDescription: hardwareEnforced: tag [706] appears twice at offset ", 0), 0u)
      << dup.error().detail;

  spec.extra_hardware = {DerInteger(1)};  // not a context tag
  auto untagged = ParseKeyDescription(MakeKeyDescription(spec));
  ASSERT_FALSE(untagged.has_value());
  EXPECT_NE(untagged.error().detail.find("expected an EXPLICIT context tag"), std::string::npos);

  spec.extra_hardware = {Explicit(720, Bytes{0x05, 0x05})};  // malformed contents of an unknown tag
  EXPECT_FALSE(ParseKeyDescription(MakeKeyDescription(spec)).has_value());
}

TEST(KeyDescription, OffsetPreciseErrors) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.attestation_security_level = 3;
  auto bad = ParseKeyDescription(MakeKeyDescription(spec));
  ASSERT_FALSE(bad.has_value());
  // 30 LL | 02 02 00 c8 (version 200) | 0a 01 03 <- offset 2 + 4 = 6 (after the 2-byte SEQUENCE header
  // of a short KeyDescription, or 3/4 with long forms): computed below from the encoding.
  const Bytes kd = MakeKeyDescription(spec);
  const size_t header = kd[1] < 0x80 ? 2 : 2 + (kd[1] & 0x7f);
  EXPECT_EQ(bad.error().detail,
            "KeyDescription: attestationSecurityLevel: unknown security level 3 at offset " + std::to_string(header + 4));

  spec = HonestSpec();
  spec.challenge = Bytes(kMaxChallengeBytes + 1, 'a');
  auto long_challenge = ParseKeyDescription(MakeKeyDescription(spec));
  ASSERT_FALSE(long_challenge.has_value());
  EXPECT_NE(long_challenge.error().detail.find("attestationChallenge longer than 128 bytes"), std::string::npos);

  EXPECT_FALSE(ParseKeyDescription(Bytes(kMaxKeyDescriptionBytes + 1, 0x30)).has_value());
}

TEST(KeyDescription, EveryTruncationRefused) {
  const Bytes kd = MakeKeyDescription(HonestSpec());
  ASSERT_TRUE(ParseKeyDescription(kd).has_value());
  for (size_t n = 0; n < kd.size(); ++n) {
    auto r = ParseKeyDescription(ByteView(kd.data(), n));
    EXPECT_FALSE(r.has_value()) << n;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::kMalformed);
    }
  }
}

TEST(KeyDescription, RootOfTrustNonDerBooleanRefused) {
  KeyDescriptionSpec spec = HonestSpec();
  spec.root_of_trust = false;
  // deviceLocked encoded BER-style as 0x01.
  spec.extra_hardware = {Explicit(704, DerTlv({0x30}, [] {
    Bytes b = DerTlv({0x04}, Bytes(32, 0));
    for (uint8_t x : {0x01, 0x01, 0x01}) b.push_back(x);
    const Bytes state = DerInteger(0, 0x0a);
    b.insert(b.end(), state.begin(), state.end());
    return b;
  }()))};
  auto r = ParseKeyDescription(MakeKeyDescription(spec));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("rootOfTrust.deviceLocked: expected DER BOOLEAN"), std::string::npos);
}

// ---- status list --------------------------------------------------------------------------------

TEST(StatusList, ParsesGoogleFormat) {
  const std::string json = R"({"entries": {
    "2c8cdddfd5e03bfc": {"status": "REVOKED", "expires": "2020-11-13", "reason": "KEY_COMPROMISE", "comment": "x"},
    "00C8966FCB2FBE32": {"status": "SUSPENDED", "reason": "SOFTWARE_FLAW"},
    "0": {"status": "REVOKED"}}})";
  auto list = ParseStatusList(AsBytes(json));
  ASSERT_TRUE(list.has_value()) << list.error().detail;
  EXPECT_EQ(list->entries.size(), 3u);
  EXPECT_EQ(list->entries.at("2c8cdddfd5e03bfc").reason, "KEY_COMPROMISE");
  EXPECT_EQ(list->entries.at("c8966fcb2fbe32").status, "SUSPENDED");  // normalised key
  EXPECT_EQ(list->entries.at("0").reason, "");
  EXPECT_EQ(SerialKey(Bytes{0x00, 0xc8, 0x96}), "c896");
  EXPECT_EQ(SerialKey(Bytes{0x0a, 0xbc}), "abc");
}

TEST(StatusList, RefusesMalformed) {
  for (const char* bad : {"", "[]", "{}", R"({"entries": []})", R"({"entries": {"xyz": {"status": "REVOKED"}}})",
                          R"({"entries": {"ab": "REVOKED"}})", R"({"entries": {"ab": {"reason": "x"}}})",
                          R"({"entries": {"ab": {"status": 1}}})", "{\"entries\": {"}) {
    auto r = ParseStatusList(AsBytes(bad));
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, Errc::kMalformed);
    }
  }
  EXPECT_TRUE(ParseStatusList(AsBytes(R"({"entries": {}})")).has_value());
}

}  // namespace
}  // namespace ca::attestation

#include "issuance/issuer.h"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <thread>

#include "issuance/ca_init.h"
#include "support/csr_builder.h"
#include "test_util.h"

namespace ca::issuance {
namespace {

using namespace ::ca::issuance::test;  // NOLINT
using core::Identifier;

constexpr UnixTime kDay = 86400;

// ScriptedRng returns queued buffers first, then random bytes.
class ScriptedRng final : public Rng {
 public:
  std::deque<Bytes> script;
  Bytes Generate(size_t n) override {
    if (!script.empty()) {
      Bytes b = std::move(script.front());
      script.pop_front();
      b.resize(n);
      return b;
    }
    return real_.Generate(n);
  }

 private:
  SystemRng real_;
};

struct Ca {
  CaMaterial m;
  ossl::UniquePtr<X509> root;
  ossl::UniquePtr<X509> inter;
  std::unique_ptr<Issuer> issuer;
};

Ca MakeCa(KeyType t, const std::string& passphrase = "") {
  SystemRng rng;
  CaOptions opts;
  opts.key_type = t;
  opts.passphrase = passphrase;
  Ca ca;
  auto m = CreateCa(opts, rng, Now() - 60);
  EXPECT_TRUE(m);
  ca.m = std::move(*m);
  ca.root = Pem(ca.m.root_cert_pem);
  ca.inter = Pem(ca.m.intermediate_cert_pem);
  auto issuer = Issuer::Load(ca.m.intermediate_cert_pem, ca.m.intermediate_key_pem, passphrase, ca.m.root_cert_pem);
  EXPECT_TRUE(issuer) << issuer.error().detail;
  ca.issuer = std::move(*issuer);
  return ca;
}

IssueRequest Request(EVP_PKEY* key) {
  IssueRequest r;
  r.public_key = key;
  r.identifiers = {{"dns", "a.example"}, {"dns", "*.b.example"}, {"ip", "192.0.2.1"}, {"ip", "2001:db8::1"}};
  r.not_before = Now() - 60;
  r.not_after = Now() + 90 * kDay;
  return r;
}

Result<IssuedCert> PrepareAndIssue(Issuer& issuer, const IssueRequest& req, Rng& rng) {
  CA_TRY(auto token, issuer.Prepare(req, rng));
  return issuer.Issue(std::move(token));
}

class IssuerTest : public ::testing::TestWithParam<KeyType> {};

TEST_P(IssuerTest, IssuesVerifiableLeaves) {
  Ca ca = MakeCa(GetParam());
  ASSERT_TRUE(ca.issuer);
  SystemRng rng;
  std::vector<ossl::UniquePtr<EVP_PKEY>> keys;
  keys.push_back(testing::MakeEcKey("P-256"));
  keys.push_back(testing::MakeRsaKey(2048));
  keys.push_back(testing::MakeEd25519Key());
  for (size_t i = 0; i < 2 * keys.size(); ++i) {
    // Each key twice: set with X509_set_pubkey, and copied from a SubjectPublicKeyInfo as a CSR holds it.
    const auto& key = keys[i / 2];
    const bool from_info = i % 2 == 1;
    SCOPED_TRACE(from_info ? "public_key_info" : "public_key");
    X509_PUBKEY* raw_info = nullptr;
    ASSERT_EQ(X509_PUBKEY_set(&raw_info, key.get()), 1);
    ossl::UniquePtr<X509_PUBKEY> info(raw_info);
    const bool rsa = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA;
    IssueRequest req = Request(key.get());
    if (from_info) req.public_key_info = info.get();
    auto issued = PrepareAndIssue(*ca.issuer, req, rng);
    ASSERT_TRUE(issued) << issued.error().detail;
    auto cert = ossl::CertFromDer(issued->der);
    ASSERT_TRUE(cert);
    X509* leaf = cert->get();
    EXPECT_EQ(VerifyChain(leaf, {ca.inter.get()}, ca.root.get(), X509_PURPOSE_SSL_SERVER), "ok");
    EXPECT_EQ(VerifyChain(leaf, {ca.inter.get()}, ca.root.get(), X509_PURPOSE_SSL_CLIENT), "ok");
    EXPECT_EQ(Pem(issued->pem) ? X509_cmp(Pem(issued->pem).get(), leaf) : 1, 0);

    // Profile.
    EXPECT_EQ(X509_get_version(leaf), X509_VERSION_3);
    EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(leaf)), 0);
    EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(leaf), X509_get_subject_name(ca.inter.get())), 0);
    EXPECT_TRUE(ExtCritical(leaf, NID_subject_alt_name));  // empty subject
    EXPECT_TRUE(ExtCritical(leaf, NID_basic_constraints));
    EXPECT_TRUE(ExtCritical(leaf, NID_key_usage));
    EXPECT_FALSE(X509_get_extension_flags(leaf) & EXFLAG_CA);
    EXPECT_EQ(X509_get_key_usage(leaf),
              static_cast<uint32_t>(rsa ? (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT) : KU_DIGITAL_SIGNATURE));
    EXPECT_EQ(X509_get_extended_key_usage(leaf), static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
    EXPECT_NE(X509_get0_subject_key_id(leaf), nullptr);
    ASSERT_NE(X509_get0_authority_key_id(leaf), nullptr);
    EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf), X509_get0_subject_key_id(ca.inter.get())), 0);
    EXPECT_EQ(X509_check_host(leaf, "a.example", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(leaf, "x.b.example", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(leaf, "192.0.2.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(leaf, "2001:db8::1", 0), 1);
    EXPECT_EQ(TimeOf(X509_get0_notBefore(leaf)), req.not_before);
    EXPECT_EQ(TimeOf(X509_get0_notAfter(leaf)), req.not_after);
    EXPECT_EQ(issued->not_before, req.not_before);
    EXPECT_EQ(issued->not_after, req.not_after);
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(leaf), key.get()), 1);

    // Serial hex and SPKI hash.
    ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr));
    Bytes sb(static_cast<size_t>(BN_num_bytes(bn.get())));
    BN_bn2bin(bn.get(), sb.data());
    EXPECT_EQ(issued->serial_hex, Hex(sb));
    auto spki = ossl::PublicKeyToDer(key.get());
    ASSERT_TRUE(spki);
    EXPECT_EQ(issued->spki_sha256_hex, Hex(ossl::Sha256(*spki)));
  }
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, IssuerTest,
                         ::testing::Values(KeyType::kEcP256, KeyType::kEcP384, KeyType::kRsa3072, KeyType::kEd25519));

TEST(Issuer, PublicKeyInfoMustBeThePublicKey) {
  Ca ca = MakeCa(KeyType::kEcP256);
  ASSERT_TRUE(ca.issuer);
  SystemRng rng;
  auto key = testing::MakeEcKey("P-256");
  auto other = testing::MakeEcKey("P-256");
  X509_PUBKEY* raw_info = nullptr;
  ASSERT_EQ(X509_PUBKEY_set(&raw_info, other.get()), 1);
  ossl::UniquePtr<X509_PUBKEY> info(raw_info);
  IssueRequest req = Request(key.get());
  req.public_key_info = info.get();
  auto token = ca.issuer->Prepare(req, rng);
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, Errc::kInternal);
}

TEST(Issuer, CommonNameAndEkuFlags) {
  Ca ca = MakeCa(KeyType::kEcP256);
  SystemRng rng;
  auto key = testing::MakeEcKey("P-256");
  IssueRequest req = Request(key.get());
  req.common_name = "a.example";
  req.client_auth = false;
  auto issued = PrepareAndIssue(*ca.issuer, req, rng);
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = ossl::CertFromDer(issued->der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(NameEntry(X509_get_subject_name(cert->get()), NID_commonName), "a.example");
  EXPECT_FALSE(ExtCritical(cert->get(), NID_subject_alt_name));
  EXPECT_TRUE(HasExt(cert->get(), NID_subject_alt_name));
  EXPECT_EQ(X509_get_extended_key_usage(cert->get()), static_cast<uint32_t>(XKU_SSL_SERVER));

  req.common_name.reset();
  req.client_auth = true;
  req.server_auth = false;
  issued = PrepareAndIssue(*ca.issuer, req, rng);
  ASSERT_TRUE(issued);
  cert = ossl::CertFromDer(issued->der);
  EXPECT_EQ(X509_get_extended_key_usage(cert->get()), static_cast<uint32_t>(XKU_SSL_CLIENT));
}

TEST(Issuer, SerialsAreRandomPositiveMinimal) {
  Ca ca = MakeCa(KeyType::kEcP256);
  SystemRng rng;
  auto key = testing::MakeEcKey("P-256");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto issued = PrepareAndIssue(*ca.issuer, Request(key.get()), rng);
    ASSERT_TRUE(issued) << issued.error().detail;
    auto cert = ossl::CertFromDer(issued->der);
    ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert->get()), nullptr));
    EXPECT_FALSE(BN_is_negative(bn.get()));
    EXPECT_GE(BN_num_bits(bn.get()), 64);
    EXPECT_LE(BN_num_bits(bn.get()), 127);
    EXPECT_TRUE(seen.insert(issued->serial_hex).second) << "duplicate serial " << issued->serial_hex;
    EXPECT_NE(issued->serial_hex.substr(0, 2), "00");
    // DER-minimal: the INTEGER content never starts with a redundant 0x00.
    int len = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert->get()), nullptr);
    Bytes der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_ASN1_INTEGER(X509_get0_serialNumber(cert->get()), &p);
    ASSERT_GE(der.size(), 4u);
    EXPECT_FALSE(der[2] == 0x00 && (der[3] & 0x80) == 0);
    EXPECT_LE(der[1], 17);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Issuer, SerialEdgeCases) {
  Ca ca = MakeCa(KeyType::kEcP256);
  auto key = testing::MakeEcKey("P-256");
  ScriptedRng rng;
  // All ones: top bit cleared -> 0x7fff...ff (127 bits).
  rng.script.push_back(Bytes(16, 0xff));
  auto issued = PrepareAndIssue(*ca.issuer, Request(key.get()), rng);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->serial_hex, "7f" + std::string(30, 'f'));
  // Below 2^64 is drawn again.
  Bytes low(16, 0);
  low[15] = 1;
  rng.script.push_back(low);
  Bytes next(16, 0);
  next[0] = 0x80;  // top bit cleared -> the high byte is zero, but byte 7 is not
  next[7] = 0x01;
  rng.script.push_back(next);
  issued = PrepareAndIssue(*ca.issuer, Request(key.get()), rng);
  ASSERT_TRUE(issued);
  EXPECT_EQ(issued->serial_hex, "01" + std::string(16, '0'));
}

TEST(Issuer, TokensAreSingleUseAndBoundToTheirIssuer) {
  Ca ca = MakeCa(KeyType::kEcP256);
  Ca other = MakeCa(KeyType::kEcP256);
  SystemRng rng;
  auto key = testing::MakeEcKey("P-256");

  auto token = ca.issuer->Prepare(Request(key.get()), rng);
  ASSERT_TRUE(token);
  EXPECT_FALSE((*token)->serial_hex().empty());
  auto foreign = other.issuer->Issue(std::move(*token));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, Errc::kInternal);

  // Same CA material loaded twice is still another Issuer.
  auto twin = Issuer::Load(ca.m.intermediate_cert_pem, ca.m.intermediate_key_pem, "", ca.m.root_cert_pem);
  ASSERT_TRUE(twin);
  auto token2 = ca.issuer->Prepare(Request(key.get()), rng);
  ASSERT_TRUE(token2);
  EXPECT_FALSE((*twin)->Issue(std::move(*token2)));

  auto token3 = ca.issuer->Prepare(Request(key.get()), rng);
  ASSERT_TRUE(token3);
  std::unique_ptr<IssuanceToken> t = std::move(*token3);
  const std::string serial = t->serial_hex();
  auto first = ca.issuer->Issue(std::move(t));
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(first->serial_hex, serial);
  auto again = ca.issuer->Issue(std::move(t));  // NOLINT(bugprone-use-after-move): the point of the test
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kInternal);
  EXPECT_FALSE(ca.issuer->Issue(nullptr));

  // An unredeemed token can simply be dropped.
  auto dropped = ca.issuer->Prepare(Request(key.get()), rng);
  ASSERT_TRUE(dropped);
}

TEST(Issuer, LintRefusals) {
  Ca ca = MakeCa(KeyType::kEcP256);
  SystemRng rng;
  auto key = testing::MakeEcKey("P-256");
  auto refused = [&](const IssueRequest& r) {
    auto t = ca.issuer->Prepare(r, rng);
    return !t && t.error().code == Errc::kInternal;
  };
  IssueRequest r = Request(key.get());
  r.not_after = ca.issuer->intermediate_not_after() + 1;
  EXPECT_TRUE(refused(r));
  r.not_after = ca.issuer->intermediate_not_after();
  EXPECT_FALSE(refused(r));

  r = Request(key.get());
  r.not_before = r.not_after;
  EXPECT_TRUE(refused(r));
  r.not_before = r.not_after + 10;
  EXPECT_TRUE(refused(r));

  r = Request(key.get());
  r.identifiers.clear();
  EXPECT_TRUE(refused(r));

  r = Request(key.get());
  r.common_name = "not-listed.example";
  EXPECT_TRUE(refused(r));

  r = Request(key.get());
  r.identifiers.push_back({"email", "a@b.example"});
  EXPECT_TRUE(refused(r));

  r = Request(key.get());
  r.identifiers.push_back({"ip", "1.2.3"});
  EXPECT_TRUE(refused(r));

  r = Request(key.get());
  r.server_auth = r.client_auth = false;
  EXPECT_TRUE(refused(r));

  r = Request(nullptr);
  EXPECT_TRUE(refused(r));

  auto weak = testing::MakeRsaKey(1024);
  EXPECT_TRUE(refused(Request(weak.get())));
  auto k1 = testing::MakeEcKey("secp256k1");
  EXPECT_TRUE(refused(Request(k1.get())));
}

TEST(Issuer, NotBeforeClampedToIssuer) {
  Ca ca = MakeCa(KeyType::kEcP256);
  SystemRng rng;
  auto key = testing::MakeEcKey("P-256");
  IssueRequest r = Request(key.get());
  r.not_before = 0;
  auto issued = PrepareAndIssue(*ca.issuer, r, rng);
  ASSERT_TRUE(issued) << issued.error().detail;
  EXPECT_EQ(issued->not_before, TimeOf(X509_get0_notBefore(ca.inter.get())));
}

TEST(Issuer, LoadRefusesMismatchedKeyAndBadInput) {
  Ca ca = MakeCa(KeyType::kEcP256);
  Ca other = MakeCa(KeyType::kEcP256);
  auto r = Issuer::Load(ca.m.intermediate_cert_pem, other.m.intermediate_key_pem, "", ca.m.root_cert_pem);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  // Intermediate not signed by the given root.
  r = Issuer::Load(ca.m.intermediate_cert_pem, ca.m.intermediate_key_pem, "", other.m.root_cert_pem);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  r = Issuer::Load("garbage", ca.m.intermediate_key_pem, "", ca.m.root_cert_pem);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInternal);
  // The TLS leaf is not a CA certificate.
  r = Issuer::Load(ca.m.tls_chain_pem, ca.m.tls_key_pem, "", ca.m.root_cert_pem);
  EXPECT_FALSE(r);
}

TEST(Issuer, EncryptedKey) {
  Ca ca = MakeCa(KeyType::kEcP384, "s3cret");
  ASSERT_TRUE(ca.issuer);
  SystemRng rng;
  auto key = testing::MakeEcKey("P-256");
  auto issued = PrepareAndIssue(*ca.issuer, Request(key.get()), rng);
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = ossl::CertFromDer(issued->der);
  EXPECT_EQ(X509_get_signature_nid(cert->get()), NID_ecdsa_with_SHA384);
  auto wrong = Issuer::Load(ca.m.intermediate_cert_pem, ca.m.intermediate_key_pem, "nope", ca.m.root_cert_pem);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::kInternal);
}

TEST(Issuer, ConcurrentIssuance) {
  Ca ca = MakeCa(KeyType::kEcP256);
  auto key = testing::MakeEcKey("P-256");
  constexpr int kThreads = 4;
  constexpr int kEach = 20;
  std::vector<std::vector<std::string>> serials(kThreads);
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SystemRng rng;
      for (int i = 0; i < kEach; ++i) {
        auto issued = PrepareAndIssue(*ca.issuer, Request(key.get()), rng);
        if (!issued) {
          ++failures[static_cast<size_t>(t)];
          continue;
        }
        serials[static_cast<size_t>(t)].push_back(issued->serial_hex);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[static_cast<size_t>(t)], 0);
    all.insert(serials[static_cast<size_t>(t)].begin(), serials[static_cast<size_t>(t)].end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace ca::issuance

#include "crl/publisher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "crl/crl_test_util.h"
#include "ossl/x509_build.h"
#include "support/fakes.h"

CA_OSSL_DELETER(AUTHORITY_KEYID, AUTHORITY_KEYID_free)
CA_OSSL_DELETER(CRL_DIST_POINTS, CRL_DIST_POINTS_free)

namespace ca::crl {
namespace {

using test::CrlNumber;
using test::ParseCrl;
using test::TestCa;
using test::TimeOf;
using test::WallNow;

std::unique_ptr<storage::Store> MemoryStore() {
  auto s = storage::OpenSqliteStore(":memory:");
  EXPECT_TRUE(s) << (s ? "" : s.error().detail);
  return std::move(*s);
}

class CrlTest : public ::testing::Test {
 protected:
  TestCa ca = TestCa::Make();
  std::unique_ptr<storage::Store> store = MemoryStore();
  ca::testing::FakeClock clock{WallNow()};
  Options opts;
};

TEST_F(CrlTest, EmptyCrlIsAVerifiedV2CrlOfTheIntermediate) {
  auto made = Generate(*ca.issuer, *store, clock, opts);
  ASSERT_TRUE(made) << made.error().detail;
  auto crl = ParseCrl(made->der);
  ASSERT_TRUE(crl);
  EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
  EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.inter.get())), 0);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.inter.get())), 1);
  EXPECT_NE(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.root.get())), 1);
  ERR_clear_error();
  // revokedCertificates absent, not an empty SEQUENCE (RFC 5280 §5.1.2.6).
  EXPECT_EQ(X509_CRL_get_REVOKED(crl.get()), nullptr);
  EXPECT_EQ(CrlNumber(crl.get()), 1u);
  EXPECT_EQ(made->number, 1u);
  EXPECT_EQ(TimeOf(X509_CRL_get0_lastUpdate(crl.get())), clock.Now());
  EXPECT_EQ(TimeOf(X509_CRL_get0_nextUpdate(crl.get())), clock.Now() + 24 * 3600);
  // authorityKeyIdentifier = the intermediate's subjectKeyIdentifier.
  ossl::UniquePtr<AUTHORITY_KEYID> aki(
      static_cast<AUTHORITY_KEYID*>(X509_CRL_get_ext_d2i(crl.get(), NID_authority_key_identifier, nullptr, nullptr)));
  ASSERT_TRUE(aki);
  ASSERT_NE(aki->keyid, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(aki->keyid, X509_get0_subject_key_id(ca.inter.get())), 0);
  // Every extension non-critical.
  for (int i = 0; i < X509_CRL_get_ext_count(crl.get()); ++i) {
    EXPECT_EQ(X509_EXTENSION_get_critical(X509_CRL_get_ext(crl.get(), i)), 0);
  }
}

TEST_F(CrlTest, EntriesCarryDateAndReasonAndLeaveOutExpiredAndUnrevoked) {
  const UnixTime now = clock.Now();
  auto compromised = ca.IssueRecord("a.test", now + 86400);
  auto unspecified = ca.IssueRecord("b.test", now + 86400);
  auto good = ca.IssueRecord("c.test", now + 86400);
  auto expired = ca.IssueRecord("d.test", now - 60);  // revoked, but expired: not listed
  for (const auto* c : {&compromised, &unspecified, &good, &expired}) ASSERT_TRUE(store->InsertCertificate(*c));
  ASSERT_TRUE(store->RevokeCertificate(compromised.id, 1, now - 100));
  ASSERT_TRUE(store->RevokeCertificate(unspecified.id, 0, now - 50));
  ASSERT_TRUE(store->RevokeCertificate(expired.id, 4, now - 10));

  auto made = Generate(*ca.issuer, *store, clock, opts);
  ASSERT_TRUE(made) << made.error().detail;
  EXPECT_EQ(made->entries, 2u);
  auto crl = ParseCrl(made->der);
  ASSERT_TRUE(crl);
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  ASSERT_EQ(sk_X509_REVOKED_num(revoked), 2);
  int found = 0;
  for (int i = 0; i < 2; ++i) {
    X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    auto serial = ossl::SerialHex(X509_REVOKED_get0_serialNumber(r));
    ASSERT_TRUE(serial);
    ossl::UniquePtr<ASN1_STRING> reason(
        static_cast<ASN1_STRING*>(X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr)));
    if (*serial == compromised.serial_hex) {
      ++found;
      EXPECT_EQ(TimeOf(X509_REVOKED_get0_revocationDate(r)), now - 100);
      ASSERT_TRUE(reason);
      EXPECT_EQ(ASN1_ENUMERATED_get(reason.get()), 1);
    } else if (*serial == unspecified.serial_hex) {
      ++found;
      EXPECT_EQ(TimeOf(X509_REVOKED_get0_revocationDate(r)), now - 50);
      EXPECT_FALSE(reason) << "unspecified(0) must be left out (RFC 5280 §5.3.1)";
    }
  }
  EXPECT_EQ(found, 2);
  // As a relying party sees it.
  EXPECT_EQ(test::VerifyWithCrl(ca, good.der, crl.get()), "ok");
  EXPECT_EQ(test::VerifyWithCrl(ca, compromised.der, crl.get()), "certificate revoked");
  EXPECT_EQ(test::VerifyWithCrl(ca, unspecified.der, crl.get()), "certificate revoked");
}

TEST_F(CrlTest, IssuedCertificatesPointAtTheCrl) {
  auto rec = ca.IssueRecord("e.test", clock.Now() + 86400);
  auto cert = ossl::CertFromDer(rec.der);
  ASSERT_TRUE(cert);
  ossl::UniquePtr<CRL_DIST_POINTS> dps(
      static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert->get(), NID_crl_distribution_points, nullptr, nullptr)));
  ASSERT_TRUE(dps);
  ASSERT_EQ(sk_DIST_POINT_num(dps.get()), 1);
  GENERAL_NAME* gn = sk_GENERAL_NAME_value(sk_DIST_POINT_value(dps.get(), 0)->distpoint->name.fullname, 0);
  ASSERT_EQ(gn->type, GEN_URI);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier))),
            std::string(test::kBaseUrl) + "/crl/intermediate.crl");
}

TEST_F(CrlTest, NumbersOnlyGrowAlsoWhenTheClockGoesBack) {
  auto a = Generate(*ca.issuer, *store, clock, opts);
  clock.Advance(-3600);
  auto b = Generate(*ca.issuer, *store, clock, opts);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->number, 1u);
  EXPECT_EQ(b->number, 2u);
  EXPECT_EQ(b->this_update, a->this_update) << "thisUpdate never goes back";
}

TEST(CrlNumberTest, PersistsAcrossReopening) {
  const std::string path = ::testing::TempDir() + "crl_number_" + std::to_string(::getpid()) + ".db";
  std::filesystem::remove(path);
  TestCa ca = TestCa::Make();
  ca::testing::FakeClock clock(WallNow());
  uint64_t last = 0;
  for (int round = 0; round < 2; ++round) {
    auto store = storage::OpenSqliteStore(path);
    ASSERT_TRUE(store) << store.error().detail;
    for (int i = 0; i < 2; ++i) {
      auto made = Generate(*ca.issuer, **store, clock, Options{});
      ASSERT_TRUE(made) << made.error().detail;
      EXPECT_EQ(made->number, last + 1);
      EXPECT_EQ(CrlNumber(ParseCrl(made->der).get()), made->number);
      last = made->number;
    }
  }
  EXPECT_EQ(last, 4u);
  std::filesystem::remove(path);
}

TEST_F(CrlTest, PublisherReusesTheCrlUntilARevocationOrHalfTheValidity) {
  auto rec = ca.IssueRecord("f.test", clock.Now() + 86400);
  ASSERT_TRUE(store->InsertCertificate(rec));
  Publisher pub(*ca.issuer, *store, clock, opts);
  auto first = pub.Current();
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ((*first)->entries, 0u);
  auto again = pub.Current();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), first->get()) << "nothing changed: same CRL, no new signature";

  // The revocation goes straight to the store (as the CLI or another process would): no hook.
  ASSERT_TRUE(store->RevokeCertificate(rec.id, 1, clock.Now()));
  auto after = pub.Current();
  ASSERT_TRUE(after);
  EXPECT_GT((*after)->number, (*first)->number);
  EXPECT_EQ((*after)->entries, 1u);
  EXPECT_EQ(test::VerifyWithCrl(ca, rec.der, ParseCrl((*after)->der).get()), "certificate revoked");

  clock.Advance(opts.validity_s / 2 - 1);
  EXPECT_EQ(pub.Current()->get(), after->get());
  clock.Advance(1);
  auto renewed = pub.Current();
  ASSERT_TRUE(renewed);
  EXPECT_GT((*renewed)->number, (*after)->number);
  EXPECT_EQ((*renewed)->this_update, clock.Now());
}

// FailingCrlStore passes through to a real store until told to fail every call.
class FailingCrlStore final : public storage::CrlStore {
 public:
  explicit FailingCrlStore(storage::CrlStore& inner) : inner_(inner) {}
  bool fail = false;
  Result<int64_t> RevocationRevision() override {
    if (fail) return Fail(Errc::kInternal, "database is locked");
    return inner_.RevocationRevision();
  }
  Result<std::vector<core::RevokedCert>> ListRevokedUnexpired(UnixTime now) override {
    if (fail) return Fail(Errc::kInternal, "database is locked");
    return inner_.ListRevokedUnexpired(now);
  }
  Result<CrlNumber> NextCrlNumber(UnixTime now) override {
    if (fail) return Fail(Errc::kInternal, "database is locked");
    return inner_.NextCrlNumber(now);
  }

 private:
  storage::CrlStore& inner_;
};

TEST_F(CrlTest, PublisherServesTheLastCrlUntilItsNextUpdateWhenTheStoreFails) {
  FailingCrlStore failing(*store);
  Publisher pub(*ca.issuer, failing, clock, opts);
  failing.fail = true;
  EXPECT_FALSE(pub.Current()) << "nothing to fall back on";
  failing.fail = false;
  auto first = pub.Current();
  ASSERT_TRUE(first) << first.error().detail;
  failing.fail = true;
  clock.Advance(opts.validity_s / 2);  // due for a refresh, which fails
  auto kept = pub.Current();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->get(), first->get());
  clock.Advance(opts.validity_s / 2);  // now at nextUpdate: no longer valid
  EXPECT_FALSE(pub.Current());
}

TEST_F(CrlTest, RevisionMovesWithEveryRevocationOnly) {
  auto rec = ca.IssueRecord("g.test", clock.Now() + 86400);
  auto r0 = store->RevocationRevision();
  ASSERT_TRUE(store->InsertCertificate(rec));
  auto r1 = store->RevocationRevision();
  ASSERT_TRUE(store->RevokeCertificate(rec.id, 0, clock.Now()));
  auto r2 = store->RevocationRevision();
  ASSERT_TRUE(r0 && r1 && r2);
  EXPECT_EQ(*r1, *r0) << "issuing a certificate does not change the CRL";
  EXPECT_GT(*r2, *r1);
}

}  // namespace
}  // namespace ca::crl

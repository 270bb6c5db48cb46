// The root CRL: signed with the root key (issuance/ca_crl.h), read back, what makes
// `-crl_check_all` pass, its publisher (renewal at 30 days, failures, no key), and its HTTP path.
#include <gtest/gtest.h>

#include "crl/crl_test_util.h"
#include "crl/http_endpoint.h"
#include "crl/root_publisher.h"
#include "issuance/ca_crl.h"
#include "support/fakes.h"

namespace ca::crl {
namespace {

constexpr UnixTime kDay = 86400;

issuance::CrlContents Contents(uint64_t number, UnixTime this_update, UnixTime validity = 365 * kDay) {
  issuance::CrlContents c;
  c.number = number;
  c.this_update = this_update;
  c.next_update = this_update + validity - 1;
  return c;
}

class RootCrlTest : public ::testing::Test {
 protected:
  test::TestCa ca = test::TestCa::Make();
  ca::testing::FakeClock clock{test::WallNow()};
};

TEST_F(RootCrlTest, SignedByTheRootAndReadBack) {
  const UnixTime now = clock.Now();
  auto der = issuance::SignCaCrl(ca.m.root_cert_pem, ca.m.root_key_pem, "", Contents(7, now));
  ASSERT_TRUE(der) << der.error().detail;
  auto crl = test::ParseCrl(*der);
  ASSERT_TRUE(crl);
  EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
  EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.root.get())), 0);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.root.get())), 1);
  EXPECT_EQ(X509_CRL_get_REVOKED(crl.get()), nullptr);  // absent when empty, never SEQUENCE {}
  EXPECT_EQ(test::CrlNumber(crl.get()), 7u);
  EXPECT_EQ(test::TimeOf(X509_CRL_get0_nextUpdate(crl.get())) - test::TimeOf(X509_CRL_get0_lastUpdate(crl.get())),
            365 * kDay - 1);
  auto facts = issuance::ReadCrl(*der, ca.m.root_cert_pem);
  ASSERT_TRUE(facts) << facts.error().detail;
  EXPECT_EQ(facts->number, 7u);
  EXPECT_EQ(facts->this_update, now);
  EXPECT_EQ(facts->next_update, now + 365 * kDay - 1);
  EXPECT_EQ(facts->entries, 0u);
}

TEST_F(RootCrlTest, ReadRefusesForeignDamagedAndMismatchedKeys) {
  auto der = issuance::SignCaCrl(ca.m.root_cert_pem, ca.m.root_key_pem, "", Contents(1, clock.Now()));
  ASSERT_TRUE(der);
  // Signed by the intermediate, read as the root's: refused.
  EXPECT_EQ(issuance::ReadCrl(*der, ca.m.intermediate_cert_pem).error().code, Errc::kMalformed);
  Bytes damaged = *der;
  damaged.back() ^= 0x01;
  EXPECT_EQ(issuance::ReadCrl(damaged, ca.m.root_cert_pem).error().code, Errc::kMalformed);
  Bytes trailing = *der;
  trailing.push_back(0);
  EXPECT_EQ(issuance::ReadCrl(trailing, ca.m.root_cert_pem).error().code, Errc::kMalformed);
  // The intermediate's key cannot sign as the root.
  EXPECT_FALSE(issuance::SignCaCrl(ca.m.root_cert_pem, ca.m.intermediate_key_pem, "", Contents(1, clock.Now())));
}

TEST_F(RootCrlTest, EncryptedRootKeyNeedsItsPassphrase) {
  auto key = ossl::PrivateKeyFromPem(ca.m.root_key_pem, "");
  ASSERT_TRUE(key);
  auto encrypted = ossl::PrivateKeyToPem(key->get(), "s3cret");
  ASSERT_TRUE(encrypted);
  EXPECT_TRUE(issuance::SignCaCrl(ca.m.root_cert_pem, *encrypted, "s3cret", Contents(1, clock.Now())));
  EXPECT_FALSE(issuance::SignCaCrl(ca.m.root_cert_pem, *encrypted, "wrong", Contents(1, clock.Now())));
}

// `openssl verify -crl_check_all` checks the intermediate too: it needs the root's CRL.
TEST_F(RootCrlTest, CrlCheckAllNeedsTheRootCrl) {
  auto store = std::move(*storage::OpenSqliteStore(":memory:"));
  core::CertRecord leaf = ca.IssueRecord("leaf.test", test::WallNow() + kDay);
  ASSERT_TRUE(store->InsertCertificate(leaf));
  auto inter_crl = Generate(*ca.issuer, *store, clock, Options{});
  ASSERT_TRUE(inter_crl);
  auto root_der = issuance::SignCaCrl(ca.m.root_cert_pem, ca.m.root_key_pem, "", Contents(1, clock.Now() - 60));
  ASSERT_TRUE(root_der);
  auto verify = [&](bool with_root_crl) {
    auto cert = ossl::CertFromDer(leaf.der);
    ossl::UniquePtr<X509_STORE> xs(X509_STORE_new());
    X509_STORE_add_cert(xs.get(), ca.root.get());
    auto ic = test::ParseCrl(inter_crl->der);
    X509_STORE_add_crl(xs.get(), ic.get());
    auto rc = test::ParseCrl(*root_der);
    if (with_root_crl) X509_STORE_add_crl(xs.get(), rc.get());
    X509_STORE_set_flags(xs.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    STACK_OF(X509)* chain = sk_X509_new_null();
    sk_X509_push(chain, ca.inter.get());
    ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), xs.get(), cert->get(), chain);
    int ok = X509_verify_cert(ctx.get());
    std::string out = ok == 1 ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    sk_X509_free(chain);
    ERR_clear_error();
    return out;
  };
  EXPECT_EQ(verify(false), "unable to get certificate CRL");
  EXPECT_EQ(verify(true), "ok");
}

// A SignedCrl as the renew callback would store it (the DER does not matter to the publisher).
SignedCrl Made(uint64_t number, UnixTime this_update, UnixTime validity = 365 * kDay) {
  SignedCrl c;
  c.der = {0x30, static_cast<uint8_t>(number)};
  c.number = number;
  c.this_update = this_update;
  c.next_update = this_update + validity - 1;
  return c;
}

// Stored is a Load callback over a variable standing for the file.
RootPublisher::Load Stored(std::shared_ptr<const SignedCrl>* file) {
  return [file]() -> Result<std::shared_ptr<const SignedCrl>> { return *file; };
}

TEST_F(RootCrlTest, PublisherWithTheKeyCreatesAndRenewsMonthly) {
  int renewals = 0;
  auto renew = [&]() -> Result<SignedCrl> { return Made(++renewals, clock.Now()); };
  std::shared_ptr<const SignedCrl> file;
  RootPublisher p(clock, Stored(&file), renew);
  auto first = p.Current();  // none yet (an old data folder): made now
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->number, 1u);
  clock.Advance(kRootCrlRenewAge - 1);
  EXPECT_EQ((*p.Current())->number, 1u);
  EXPECT_EQ(renewals, 1);
  clock.Advance(1);  // 30 days old
  EXPECT_EQ((*p.Current())->number, 2u);
  EXPECT_EQ(renewals, 2);
}

TEST_F(RootCrlTest, PublisherKeepsServingWhenRenewalFailsAndRetriesHourly) {
  int attempts = 0;
  bool fail = true;
  auto renew = [&]() -> Result<SignedCrl> {
    ++attempts;
    if (fail) return Fail(Errc::kInternal, "root key unreadable");
    return Made(6, clock.Now());
  };
  auto file = std::make_shared<const SignedCrl>(Made(5, clock.Now() - kRootCrlRenewAge));
  RootPublisher p(clock, Stored(&file), renew);
  auto served = p.Current();
  ASSERT_TRUE(served);
  EXPECT_EQ((*served)->number, 5u);
  EXPECT_EQ(attempts, 1);
  clock.Advance(3599);
  EXPECT_EQ((*p.Current())->number, 5u);
  EXPECT_EQ(attempts, 1);  // no retry within the hour
  fail = false;
  clock.Advance(1);
  EXPECT_EQ((*p.Current())->number, 6u);
  EXPECT_EQ(attempts, 2);
}

TEST_F(RootCrlTest, PublisherWithoutTheKeyServesTheFileUntilItsNextUpdate) {
  std::shared_ptr<const SignedCrl> nothing;
  RootPublisher none(clock, Stored(&nothing), nullptr);
  auto missing = none.Current();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kUnavailable);
  auto file = std::make_shared<const SignedCrl>(Made(3, clock.Now(), 40 * kDay));
  RootPublisher p(clock, Stored(&file), nullptr);
  clock.Advance(35 * kDay);  // old, but nobody can renew it here (a warning is logged)
  EXPECT_EQ((*p.Current())->number, 3u);
  clock.Advance(file->next_update - 1 - clock.Now());
  auto last = p.Current();  // the last second before nextUpdate
  ASSERT_TRUE(last);
  EXPECT_EQ((*last)->number, 3u);
  clock.Advance(1);
  auto expired = p.Current();
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, Errc::kUnavailable);
}

// `attestca crl --root` replaced the file while the server runs: served within seconds; a file
// with a lower number (an old backup put back) never replaces what is served.
TEST_F(RootCrlTest, PublisherPicksUpANewerFile) {
  auto file = std::make_shared<const SignedCrl>(Made(3, clock.Now()));
  RootPublisher p(clock, Stored(&file), nullptr);
  EXPECT_EQ((*p.Current())->number, 3u);
  file = std::make_shared<const SignedCrl>(Made(4, clock.Now()));
  clock.Advance(kRootCrlReloadEvery - 1);
  EXPECT_EQ((*p.Current())->number, 3u);
  clock.Advance(1);
  EXPECT_EQ((*p.Current())->number, 4u);
  file = std::make_shared<const SignedCrl>(Made(2, clock.Now()));
  clock.Advance(kRootCrlReloadEvery);
  EXPECT_EQ((*p.Current())->number, 4u);
}

http::Request Get(const std::string& path) {
  http::Request r;
  r.method = "GET";
  r.target = path;
  r.path = path;
  return r;
}

TEST_F(RootCrlTest, ServedAtItsPathWithItsOwnEtag) {
  auto store = std::move(*storage::OpenSqliteStore(":memory:"));
  Publisher inter(*ca.issuer, *store, clock, Options{});
  auto der = issuance::SignCaCrl(ca.m.root_cert_pem, ca.m.root_key_pem, "", Contents(4, clock.Now()));
  ASSERT_TRUE(der);
  SignedCrl root = Made(4, clock.Now());
  root.der = *der;
  auto file = std::make_shared<const SignedCrl>(root);
  RootPublisher root_pub(clock, Stored(&file), nullptr);
  HttpEndpoint endpoint(inter, &root_pub);
  auto r = endpoint.Handle(Get("/crl/root.crl"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Bytes(r.body.begin(), r.body.end()), *der);
  std::string etag, type;
  for (const auto& [k, v] : r.headers) {
    if (k == "ETag") etag = v;
    if (k == "Content-Type") type = v;
  }
  EXPECT_EQ(etag, "\"root-4\"");
  EXPECT_EQ(type, "application/pkix-crl");
  auto cond = Get("/crl/root.crl");
  cond.headers.emplace_back("if-none-match", etag);
  EXPECT_EQ(endpoint.Handle(cond).status, 304);
  EXPECT_EQ(endpoint.Handle(Get("/crl/intermediate.crl")).status, 200);
  // Without a root publisher the path does not exist.
  HttpEndpoint no_root(inter);
  EXPECT_EQ(no_root.Handle(Get("/crl/root.crl")).status, 404);
}

}  // namespace
}  // namespace ca::crl

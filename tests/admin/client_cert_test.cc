// Admin API authentication by TLS client certificate: only a certificate of our CA, valid now, with
// EKU clientAuth, stored, not revoked and listed by serial speaks for an operator.
#include <gtest/gtest.h>

#include "admin/api.h"
#include "admin/client_cert.h"
#include "crl/crl_test_util.h"
#include "support/fakes.h"

namespace ca::admin {
namespace {

using crl::test::TestCa;
using crl::test::WallNow;

class ClientCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    ops_ = ca_.IssueRecord("ops.example", WallNow() + 86400);
    ASSERT_TRUE(store_->InsertCertificate(ops_));
    trust_ = {ca_.issuer->root_der(), ca_.issuer->intermediate_der()};
    listed_ = {{"ci", "01"}, {"ops-laptop", ops_.serial_hex}};
  }

  Result<revocation::Actor> Auth(const Bytes& der, UnixTime now = WallNow()) {
    return AuthenticateClientCert(der, trust_, listed_, *store_, now);
  }

  // ExpectRefused asserts a 401-class refusal whose log detail says why.
  void ExpectRefused(const Result<revocation::Actor>& r, const std::string& why) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::kUnauthorized);
    EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  }

  TestCa ca_ = TestCa::Make();
  std::unique_ptr<storage::Store> store_;
  core::CertRecord ops_;
  ClientCertTrust trust_;
  std::vector<config::AdminClientCert> listed_;
};

TEST_F(ClientCertTest, ListedValidCertificateIsTheListedOperator) {
  auto who = Auth(ops_.der);
  ASSERT_TRUE(who) << who.error().detail;
  EXPECT_EQ(who->Describe(), "admin-cert:ops-laptop");
  EXPECT_EQ(who->authority, revocation::Authority::kOperator);
  listed_[1].serial = "00:" + ops_.serial_hex;  // as `openssl x509 -serial` might show it, any case
  for (char& c : listed_[1].serial) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(Auth(ops_.der));
}

TEST_F(ClientCertTest, NoCertificateOrGarbageIsRefused) {
  ExpectRefused(Auth({}), "no client certificate");
  ExpectRefused(Auth({0x30, 0x03, 0x02, 0x01, 0x01}), "does not parse");
  Bytes trailing = ops_.der;
  trailing.push_back(0);
  ExpectRefused(Auth(trailing), "does not parse");
}

TEST_F(ClientCertTest, UnlistedCertificateOfOursIsRefused) {
  core::CertRecord other = ca_.IssueRecord("other.example", WallNow() + 86400);
  ASSERT_TRUE(store_->InsertCertificate(other));
  ExpectRefused(Auth(other.der), "not in [admin] client_certs");
  listed_.clear();
  ExpectRefused(Auth(ops_.der), "not in [admin] client_certs");
}

TEST_F(ClientCertTest, RevokedCertificateIsRefused) {
  ASSERT_TRUE(Auth(ops_.der));
  ASSERT_TRUE(store_->RevokeCertificate(ops_.id, 1, WallNow()));
  ExpectRefused(Auth(ops_.der), "is revoked");
}

TEST_F(ClientCertTest, ExpiredOrNotYetValidCertificateIsRefused) {
  ExpectRefused(Auth(ops_.der, ops_.not_after + 60), "certificate has expired");
  ExpectRefused(Auth(ops_.der, ops_.not_before - 60), "not yet valid");
}

TEST_F(ClientCertTest, CertificateOfAnotherCaIsRefusedEvenWhenListedAndStored) {
  TestCa foreign = TestCa::Make();
  core::CertRecord f = foreign.IssueRecord("ops.example", WallNow() + 86400);
  f.id = "foreign";
  ASSERT_TRUE(store_->InsertCertificate(f));
  listed_.push_back({"foreign", f.serial_hex});
  ExpectRefused(Auth(f.der), "does not verify to our CA");
  ExpectRefused(AuthenticateClientCert(ops_.der, {}, listed_, *store_, WallNow()), "no CA is configured");
}

TEST_F(ClientCertTest, CertificateNotInOurStoreIsRefused) {
  // Signed by our intermediate but never recorded (e.g. a restored database): not trusted.
  core::CertRecord unrecorded = ca_.IssueRecord("ghost.example", WallNow() + 86400);
  listed_.push_back({"ghost", unrecorded.serial_hex});
  ExpectRefused(Auth(unrecorded.der), "not in our store");
}

TEST_F(ClientCertTest, ServerAuthOnlyCertificateIsRefused) {
  SystemRng rng;
  auto key = issuance::GenerateKey(issuance::KeyType::kEcP256);
  ASSERT_TRUE(key);
  issuance::IssueRequest req;
  req.public_key = key->get();
  req.identifiers = {{"dns", "web.example"}};
  req.not_before = WallNow() - 600;
  req.not_after = WallNow() + 86400;
  req.client_auth = false;
  auto token = ca_.issuer->Prepare(req, rng);
  ASSERT_TRUE(token) << token.error().detail;
  auto issued = ca_.issuer->Issue(std::move(*token));
  ASSERT_TRUE(issued) << issued.error().detail;
  core::CertRecord c = ops_;
  c.id = "web";
  c.serial_hex = issued->serial_hex;
  c.der = issued->der;
  ASSERT_TRUE(store_->InsertCertificate(c));
  listed_.push_back({"web", c.serial_hex});
  auto r = Auth(c.der);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnauthorized);  // refused by the TLS-client purpose or the EKU check
}

TEST_F(ClientCertTest, ApiAcceptsTheListedCertificateWithoutAToken) {
  config::AdminConfig cfg;
  cfg.client_certs = listed_;
  testing::FakeClock clock{WallNow()};
  Api api(cfg, *store_, clock, trust_);
  http::Request r;
  r.method = "GET";
  r.target = r.path = "/admin/v1/certificates";
  r.tls = true;
  EXPECT_EQ(api.Handle(r).status, 401);  // no token, no certificate

  r.client_cert_der = ops_.der;
  http::Response ok = api.Handle(r);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.body.find(ops_.serial_hex), std::string::npos) << ok.body;

  r.headers.emplace_back("authorization", "Bearer wrong");  // a bad token does not undo a good certificate
  EXPECT_EQ(api.Handle(r).status, 200);

  ASSERT_TRUE(store_->RevokeCertificate(ops_.id, 1, WallNow()));
  http::Response refused = api.Handle(r);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body.find("revoked"), std::string::npos) << "the reason stays in the log";

  Api no_trust(cfg, *store_, clock);  // built without our CA: certificates are never accepted
  core::CertRecord fresh = ca_.IssueRecord("ops2.example", WallNow() + 86400);
  ASSERT_TRUE(store_->InsertCertificate(fresh));
  cfg.client_certs.push_back({"ops2", fresh.serial_hex});
  r.client_cert_der = fresh.der;
  EXPECT_EQ(api.Handle(r).status, 200);
  EXPECT_EQ(no_trust.Handle(r).status, 401);
}

}  // namespace
}  // namespace ca::admin

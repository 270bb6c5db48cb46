// Service (the RFC 8555 registration authority) against the real SQLite store, a real issuer and a
// validator whose answer the test sets.
#include "acme/service.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <chrono>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "acme/jwk.h"
#include "acme/order_recovery.h"
#include "acme/problem.h"
#include "issuance/ca_init.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "support/csr_builder.h"
#include "support/fakes.h"

namespace ca::testing {
// Csr builds CSR options without designated initializers (g++ warns on omitted members).
inline CsrOptions Csr(std::vector<std::string> dns, std::vector<std::string> ips = {},
                      std::optional<std::string> cn = std::nullopt) {
  CsrOptions o;
  o.dns_names = std::move(dns);
  o.ip_addresses = std::move(ips);
  o.common_name = std::move(cn);
  return o;
}
}  // namespace ca::testing

namespace ca::acme {
namespace {

using testing::FakeClock;
using testing::FakeValidator;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto material = issuance::CreateCa({}, rng_, clock_.Now() - 3600);
    ASSERT_TRUE(material);
    auto issuer = issuance::Issuer::Load(material->intermediate_cert_pem, material->intermediate_key_pem, "",
                                         material->root_cert_pem);
    ASSERT_TRUE(issuer) << issuer.error().detail;
    issuer_ = std::move(*issuer);
    auto store = storage::OpenSqliteStore(":memory:");
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    config::ProvisionerConfig p;
    p.name = "acme";
    p.names.denied_names = {".blocked.test"};
    cfg_.provisioners["acme"] = p;
    config::ProvisionerConfig eab = p;
    eab.name = "eab";
    eab.require_eab = true;
    cfg_.provisioners["eab"] = eab;
    service_ = std::make_unique<Service>(
        ServiceDeps{store_.get(), issuer_.get(), &validator_, &clock_, &rng_, &cfg_}, &pool_);
  }

  core::Account NewAccount(EVP_PKEY* key, const std::string& prov = "acme") {
    auto jwk = JwkFromPublicKey(key);
    EXPECT_TRUE(jwk);
    NewAccountRequest req;
    req.provisioner = &cfg_.provisioners.at(prov);
    req.jwk = std::move(*jwk);
    req.contact = {"mailto:ops@example.test"};
    auto r = service_->NewAccount(std::move(req));
    EXPECT_TRUE(r) << (r ? "" : r.error().detail);
    return r->first;
  }

  // Settled waits for the worker pool's validation: RespondToChallenge answers after a short wait,
  // which a loaded machine (sanitizers, parallel builds) can outlast, leaving the authz pending.
  core::Authz Settled(const std::string& authz_id, const core::Account& acct, core::Authz a) {
    for (int i = 0; i < 600 && a.status == core::AuthzStatus::kPending; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto again = service_->GetAuthz(authz_id, &acct);
      if (again) a = *again;
    }
    return a;
  }

  core::Order ReadyOrder(const core::Account& acct, std::vector<core::Identifier> ids) {
    NewOrderRequest req;
    req.provisioner = &cfg_.provisioners.at("acme");
    req.identifiers = std::move(ids);
    auto o = service_->NewOrder(acct, req);
    EXPECT_TRUE(o) << (o ? "" : o.error().detail);
    for (const auto& id : o->authz_ids) {
      auto a = service_->GetAuthz(id, &acct);
      auto done = service_->RespondToChallenge(id, a->challenges[0].id, acct);
      EXPECT_TRUE(done);
      EXPECT_EQ(Settled(id, acct, *done).status, core::AuthzStatus::kValid);
    }
    auto again = service_->GetOrder(o->id, &acct);
    EXPECT_EQ(again->status, core::OrderStatus::kReady);
    return *again;
  }

  FakeClock clock_{1'800'000'000};
  SystemRng rng_;
  FakeValidator validator_;
  WorkerPool pool_{2, 16};
  config::Config cfg_;
  std::unique_ptr<issuance::Issuer> issuer_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceTest, NewAccountIsIdempotentPerKey) {
  auto key = testing::MakeEcKey("P-256");
  auto a = NewAccount(key.get());
  auto jwk = JwkFromPublicKey(key.get());
  NewAccountRequest again;
  again.provisioner = &cfg_.provisioners.at("acme");
  again.jwk = std::move(*jwk);
  auto r = service_->NewAccount(std::move(again));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->second);
  EXPECT_EQ(r->first.id, a.id);
}

TEST_F(ServiceTest, OnlyReturnExistingAndContactChecks) {
  auto key = testing::MakeEcKey("P-256");
  NewAccountRequest req;
  req.provisioner = &cfg_.provisioners.at("acme");
  req.jwk = std::move(*JwkFromPublicKey(key.get()));
  req.only_return_existing = true;
  EXPECT_EQ(service_->NewAccount(std::move(req)).error().code, Errc::kAccountDoesNotExist);

  NewAccountRequest bad;
  bad.provisioner = &cfg_.provisioners.at("acme");
  bad.jwk = std::move(*JwkFromPublicKey(key.get()));
  bad.contact = {"tel:+123"};
  EXPECT_EQ(service_->NewAccount(std::move(bad)).error().code, Errc::kUnsupportedContact);
  NewAccountRequest bad2;
  bad2.provisioner = &cfg_.provisioners.at("acme");
  bad2.jwk = std::move(*JwkFromPublicKey(key.get()));
  bad2.contact = {"mailto:no-at-sign"};
  EXPECT_EQ(service_->NewAccount(std::move(bad2)).error().code, Errc::kInvalidContact);
}

TEST_F(ServiceTest, EabRequiredAndSingleUse) {
  auto key = testing::MakeEcKey("P-256");
  NewAccountRequest req;
  req.provisioner = &cfg_.provisioners.at("eab");
  req.jwk = std::move(*JwkFromPublicKey(key.get()));
  EXPECT_EQ(service_->NewAccount(std::move(req)).error().code, Errc::kExternalAccountRequired);

  ASSERT_TRUE(store_->CreateEabKey({"kid1", "eab", "c2VjcmV0LWtleS1ieXRlcw", std::nullopt, 1}));
  auto with_eab = [&](EVP_PKEY* k, const std::string& kid) {
    NewAccountRequest r;
    r.provisioner = &cfg_.provisioners.at("eab");
    r.jwk = std::move(*JwkFromPublicKey(k));
    r.eab_kid = kid;
    r.verify_eab = [](ByteView) -> Result<void> { return Ok(); };
    return service_->NewAccount(std::move(r));
  };
  EXPECT_EQ(with_eab(key.get(), "unknown").error().code, Errc::kUnauthorized);
  auto ok = with_eab(key.get(), "kid1");
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(*ok->first.eab_kid, "kid1");
  auto other = testing::MakeEcKey("P-256");
  EXPECT_EQ(with_eab(other.get(), "kid1").error().code, Errc::kUnauthorized);
}

TEST_F(ServiceTest, NewOrderValidatesIdentifiers) {
  auto key = testing::MakeEcKey("P-256");
  auto acct = NewAccount(key.get());
  NewOrderRequest req;
  req.provisioner = &cfg_.provisioners.at("acme");
  EXPECT_EQ(service_->NewOrder(acct, req).error().code, Errc::kMalformed);
  req.identifiers = {{"dns", "a.blocked.test"}};
  auto refused = service_->NewOrder(acct, req);
  EXPECT_EQ(refused.error().code, Errc::kRejectedIdentifier);
  EXPECT_NE(refused.error().detail.find(".blocked.test"), std::string::npos);
  req.identifiers = {{"dns", "a.blocked.test"}, {"email", "x@y"}};
  auto two = service_->NewOrder(acct, req);
  EXPECT_EQ(two.error().code, Errc::kMalformed);  // different subproblem types
  EXPECT_EQ(two.error().sub.size(), 2u);
  req.identifiers = {{"dns", "Host.Example.TEST"}, {"dns", "host.example.test"}, {"ip", "127.0.0.1"}};
  auto o = service_->NewOrder(acct, req);
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->identifiers.size(), 2u);  // normalised and de-duplicated
  EXPECT_EQ(o->status, core::OrderStatus::kPending);
  auto ip_authz = service_->GetAuthz(o->authz_ids[1], &acct);
  for (const auto& c : ip_authz->challenges) EXPECT_NE(c.type, "dns-01");  // RFC 8738 §7
}

TEST_F(ServiceTest, WildcardOffersOnlyDns01) {
  auto acct = NewAccount(testing::MakeEcKey("P-256").get());
  NewOrderRequest req;
  req.provisioner = &cfg_.provisioners.at("acme");
  req.identifiers = {{"dns", "*.example.test"}};
  auto o = service_->NewOrder(acct, req);
  ASSERT_TRUE(o);
  auto a = service_->GetAuthz(o->authz_ids[0], &acct);
  EXPECT_TRUE(a->wildcard);
  EXPECT_EQ(a->identifier.value, "example.test");
  ASSERT_EQ(a->challenges.size(), 1u);
  EXPECT_EQ(a->challenges[0].type, "dns-01");
  EXPECT_GE(a->challenges[0].token.size(), 22u);  // >= 128 bits
}

TEST_F(ServiceTest, NotAfterBeyondLifetimeRefused) {
  auto acct = NewAccount(testing::MakeEcKey("P-256").get());
  NewOrderRequest req;
  req.provisioner = &cfg_.provisioners.at("acme");
  req.identifiers = {{"dns", "a.test"}};
  req.not_after = clock_.Now() + 48 * 3600;
  EXPECT_EQ(service_->NewOrder(acct, req).error().code, Errc::kMalformed);
  req.not_before = clock_.Now() + 100;
  req.not_after = clock_.Now() + 50;
  EXPECT_EQ(service_->NewOrder(acct, req).error().code, Errc::kMalformed);
}

TEST_F(ServiceTest, FullIssuanceAndRevocation) {
  auto acct_key = testing::MakeEcKey("P-256");
  auto acct = NewAccount(acct_key.get());
  auto order = ReadyOrder(acct, {{"dns", "www.example.test"}, {"ip", "192.0.2.7"}});
  auto seen = validator_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].key_authorization, seen[0].token + "." + acct.thumbprint);

  auto cert_key = testing::MakeEcKey("P-384");
  // A CSR with an extra name is refused and leaves the order ready.
  auto extra = testing::MakeCsrDer(cert_key.get(), testing::Csr({"www.example.test", "evil.test"}, {"192.0.2.7"}));
  EXPECT_EQ(service_->Finalize(order.id, acct, extra).error().code, Errc::kBadCsr);
  // The account key may not be certified.
  auto same = testing::MakeCsrDer(acct_key.get(), testing::Csr({"www.example.test"}, {"192.0.2.7"}));
  EXPECT_EQ(service_->Finalize(order.id, acct, same).error().code, Errc::kBadCsr);
  EXPECT_EQ(service_->GetOrder(order.id, &acct)->status, core::OrderStatus::kReady);

  auto csr = testing::MakeCsrDer(cert_key.get(), testing::Csr({"www.example.test"}, {"192.0.2.7"}, "www.example.test"));
  auto done = service_->Finalize(order.id, acct, csr);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(done->status, core::OrderStatus::kValid);
  ASSERT_TRUE(done->cert_id);
  // Finalizing twice is refused.
  EXPECT_EQ(service_->Finalize(order.id, acct, csr).error().code, Errc::kOrderNotReady);

  auto rec = service_->GetCertificate(*done->cert_id, acct);
  ASSERT_TRUE(rec);
  auto cert = ossl::CertFromDer(rec->der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_get_ext_by_NID(cert->get(), NID_subject_alt_name, -1) >= 0, true);
  EXPECT_NE(rec->chain_pem.find("END CERTIFICATE-----\n-----BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(rec->not_after - rec->not_before, 24 * 3600);

  // Another account may neither read nor revoke it.
  auto stranger = NewAccount(testing::MakeEcKey("P-256").get());
  EXPECT_EQ(service_->GetCertificate(*done->cert_id, stranger).error().code, Errc::kNotFound);
  EXPECT_EQ(service_->Revoke(rec->der, 1, &stranger, nullptr).error().code, Errc::kUnauthorized);
  EXPECT_EQ(service_->Revoke(rec->der, 7, &acct, nullptr).error().code, Errc::kBadRevocationReason);
  // Revocation by the certificate's own key works; a second time is alreadyRevoked.
  auto wrong_key = testing::MakeEcKey("P-384");
  EXPECT_EQ(service_->Revoke(rec->der, 1, nullptr, wrong_key.get()).error().code, Errc::kUnauthorized);
  ASSERT_TRUE(service_->Revoke(rec->der, 1, nullptr, cert_key.get()));
  EXPECT_EQ(service_->Revoke(rec->der, 1, &acct, nullptr).error().code, Errc::kAlreadyRevoked);
}

// A node killed between claiming an order (processing) and CompleteOrder leaves it processing: the
// recovery pass fails it once older than the timeout, with a problem the client can read, and a
// new order for the same names issues. processing_since is the database's clock, so the pass here
// runs on wall-clock time (a fake clock an hour ahead stands for "much later").
TEST_F(ServiceTest, RecoveryFailsAnOrderLeftProcessingByACrash) {
  auto acct = NewAccount(testing::MakeEcKey("P-256").get());
  auto order = ReadyOrder(acct, {{"dns", "crash.example.test"}});
  ASSERT_TRUE(*store_->TransitionOrder(order.id, core::OrderStatus::kReady, core::OrderStatus::kProcessing));

  SystemClock wall;
  EXPECT_EQ(*RecoverStaleOrders(*store_, wall, 120), 0u);  // a finalize may still be running
  EXPECT_EQ(service_->GetOrder(order.id, &acct)->status, core::OrderStatus::kProcessing);

  FakeClock later{wall.Now() + 3600};
  EXPECT_EQ(*RecoverStaleOrders(*store_, later, 120), 1u);
  auto failed = *service_->GetOrder(order.id, &acct);
  EXPECT_EQ(failed.status, core::OrderStatus::kInvalid);
  ASSERT_TRUE(failed.error);
  auto problem = nlohmann::json::parse(*failed.error);
  EXPECT_EQ(problem["type"], "urn:ietf:params:acme:error:serverInternal");
  EXPECT_EQ(problem["status"], 500);
  EXPECT_NE(problem["detail"].get<std::string>().find("finalization was interrupted"), std::string::npos);
  auto key = testing::MakeEcKey("P-256");
  auto csr = testing::MakeCsrDer(key.get(), testing::Csr({"crash.example.test"}));
  EXPECT_EQ(service_->Finalize(order.id, acct, csr).error().code, Errc::kOrderNotReady);

  // The client starts over with a new order.
  auto again = ReadyOrder(acct, {{"dns", "crash.example.test"}});
  auto done = service_->Finalize(again.id, acct, csr);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(done->status, core::OrderStatus::kValid);
  EXPECT_EQ(*RecoverStaleOrders(*store_, later, 120), 0u);  // a valid order is never touched
  EXPECT_EQ(service_->GetOrder(again.id, &acct)->status, core::OrderStatus::kValid);
}

// LowFirstByteRng makes every random string start with a byte below 0x10, so certificate serials
// render with a leading zero nibble ("07e3...") — the case that once broke revocation lookups.
class LowFirstByteRng final : public Rng {
 public:
  Bytes Generate(size_t n) override {
    Bytes b = real_.Generate(n);
    // 0x01..0x0f: a zero first byte would be dropped from the INTEGER, and the next one is random.
    if (!b.empty()) b[0] = static_cast<uint8_t>((b[0] & 0x0f) | 0x01);
    return b;
  }

 private:
  SystemRng real_;
};

TEST_F(ServiceTest, RevokesSerialWithLeadingZeroNibble) {
  LowFirstByteRng low_rng;
  Service svc(ServiceDeps{store_.get(), issuer_.get(), &validator_, &clock_, &low_rng, &cfg_}, &pool_);
  auto acct = NewAccount(testing::MakeEcKey("P-256").get());
  auto order = ReadyOrder(acct, {{"dns", "zero.example.test"}});
  auto key = testing::MakeEcKey("P-256");
  auto done = svc.Finalize(order.id, acct, testing::MakeCsrDer(key.get(), testing::Csr({"zero.example.test"})));
  ASSERT_TRUE(done) << done.error().detail;
  auto rec = svc.GetCertificate(*done->cert_id, acct);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->serial_hex[0], '0');
  ASSERT_TRUE(svc.Revoke(rec->der, 4, &acct, nullptr));
  EXPECT_EQ(svc.Revoke(rec->der, 4, &acct, nullptr).error().code, Errc::kAlreadyRevoked);
}

TEST_F(ServiceTest, FailedValidationInvalidatesOrder) {
  validator_.FailWith(Errc::kIncorrectResponse, "wrong key authorization");
  auto acct = NewAccount(testing::MakeEcKey("P-256").get());
  NewOrderRequest req;
  req.provisioner = &cfg_.provisioners.at("acme");
  req.identifiers = {{"dns", "a.test"}};
  auto o = service_->NewOrder(acct, req);
  ASSERT_TRUE(o);
  auto a = service_->GetAuthz(o->authz_ids[0], &acct);
  auto responded = service_->RespondToChallenge(a->id, a->challenges[0].id, acct);
  ASSERT_TRUE(responded);
  auto after = std::optional<core::Authz>(Settled(a->id, acct, *responded));
  EXPECT_EQ(after->status, core::AuthzStatus::kInvalid);
  auto err = nlohmann::json::parse(*after->challenges[0].error);
  EXPECT_EQ(err["type"], "urn:ietf:params:acme:error:incorrectResponse");
  EXPECT_EQ(service_->GetOrder(o->id, &acct)->status, core::OrderStatus::kInvalid);
  auto csr = testing::MakeCsrDer(testing::MakeEcKey("P-256").get(), testing::Csr({"a.test"}));
  EXPECT_EQ(service_->Finalize(o->id, acct, csr).error().code, Errc::kOrderNotReady);
}

TEST_F(ServiceTest, ExpiryAndDeactivation) {
  auto acct = NewAccount(testing::MakeEcKey("P-256").get());
  NewOrderRequest req;
  req.provisioner = &cfg_.provisioners.at("acme");
  req.identifiers = {{"dns", "a.test"}};
  auto o = service_->NewOrder(acct, req);
  ASSERT_TRUE(o);
  ASSERT_TRUE(service_->DeactivateAuthz(o->authz_ids[0], acct));
  EXPECT_EQ(service_->GetOrder(o->id, &acct)->status, core::OrderStatus::kInvalid);
  auto o2 = service_->NewOrder(acct, req);
  clock_.Advance(8 * 24 * 3600);
  EXPECT_EQ(service_->GetOrder(o2->id, &acct)->status, core::OrderStatus::kInvalid);
  EXPECT_EQ(service_->GetAuthz(o2->authz_ids[0], &acct)->status, core::AuthzStatus::kExpired);
}

TEST_F(ServiceTest, KeyChangeAndConflict) {
  auto k1 = testing::MakeEcKey("P-256");
  auto k2 = testing::MakeEcKey("P-256");
  auto a1 = NewAccount(k1.get());
  auto a2 = NewAccount(k2.get());
  auto jwk2 = JwkFromPublicKey(k2.get());
  auto conflict = service_->KeyChange(a1, *jwk2);
  EXPECT_EQ(conflict.error().code, Errc::kConflict);
  EXPECT_EQ(conflict.error().detail, a2.id);
  auto k3 = testing::MakeEd25519Key();
  auto rolled = service_->KeyChange(a1, *JwkFromPublicKey(k3.get()));
  ASSERT_TRUE(rolled);
  auto found = store_->FindAccountByThumbprint("acme", JwkFromPublicKey(k3.get())->thumbprint);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, a1.id);
}

TEST(Problem, MapsTypesAndStatuses) {
  EXPECT_EQ(TypeUrn(Errc::kBadNonce), "urn:ietf:params:acme:error:badNonce");
  EXPECT_EQ(TypeOf(Errc::kOrderNotReady).http_status, 403);
  EXPECT_EQ(TypeOf(Errc::kNotFound).http_status, 404);
  EXPECT_EQ(TypeOf(Errc::kInternal).http_status, 500);
  auto doc = nlohmann::json::parse(ProblemJson({Errc::kInternal, "db path /secret leaked", {}}));
  EXPECT_EQ(doc["type"], "urn:ietf:params:acme:error:serverInternal");
  EXPECT_EQ(doc["detail"].get<std::string>().find("secret"), std::string::npos);
  auto sub = nlohmann::json::parse(
      ProblemJson({Errc::kRejectedIdentifier, "x", {{Errc::kRejectedIdentifier, "no", "dns", "a.test"}}}));
  EXPECT_EQ(sub["subproblems"][0]["identifier"]["value"], "a.test");
  auto r = ProblemResponse({Errc::kBadCsr, "bad", {}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers[0].second, "application/problem+json");
}

}  // namespace
}  // namespace ca::acme

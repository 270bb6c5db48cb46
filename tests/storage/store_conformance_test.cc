// Store conformance tests: accounts, EAB keys, orders, certificates, CRL state and schema, run on
// every backend (test_backends.h) with the same expectations.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include "storage/store.h"
#include "storage/test_backends.h"

namespace ca::storage {
namespace {

using conformance::StoreTest;

core::Account MakeAccount(const std::string& id, const std::string& thumb) {
  core::Account a;
  a.id = id;
  a.provisioner = "acme";
  a.jwk_json = R"({"kty":"EC"})";
  a.thumbprint = thumb;
  a.contact = {"mailto:a@example.test"};
  a.tos_agreed = true;
  a.created_at = 1000;
  return a;
}

core::Order MakeOrder(const std::string& id, const std::string& acct, std::vector<std::string> authz_ids) {
  core::Order o;
  o.id = id;
  o.account_id = acct;
  o.provisioner = "acme";
  o.identifiers = {{"dns", "a.test"}, {"ip", "127.0.0.1"}};
  o.authz_ids = std::move(authz_ids);
  o.expires = 5000;
  o.not_after = 4000;
  o.created_at = 1000;
  return o;
}

core::Authz MakeAuthz(const std::string& id, const std::string& order) {
  core::Authz a;
  a.id = id;
  a.order_id = order;
  a.account_id = "acct1";
  a.identifier = {"dns", "a.test"};
  a.wildcard = true;
  a.expires = 5000;
  a.challenges = {{"c1", "http-01", "tok", core::ChallengeStatus::kPending, std::nullopt, std::nullopt, std::nullopt},
                  {"c2", "dns-01", "tok", core::ChallengeStatus::kPending, std::nullopt, std::nullopt, std::string("{}")}};
  return a;
}

core::CertRecord MakeCert(const std::string& id, const std::string& serial) {
  core::CertRecord c;
  c.id = id;
  c.serial_hex = serial;
  c.account_id = "acct1";
  c.order_id = "o1";
  c.provisioner = "acme";
  c.der = {0x30, 0x00};
  c.chain_pem = "PEM";
  c.not_before = 1;
  c.not_after = 200000;
  c.spki_sha256_hex = "ab";
  c.identifiers = {{"dns", "a.test"}};
  return c;
}

using StoreConformance = StoreTest;

TEST_P(StoreConformance, AccountRoundTripAndUniqueKey) {
  auto* s = store();
  ASSERT_TRUE(s->CreateAccount(MakeAccount("acct1", "tp1")));
  auto got = s->GetAccount("acct1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->thumbprint, "tp1");
  EXPECT_EQ(got->contact, std::vector<std::string>{"mailto:a@example.test"});
  EXPECT_TRUE(got->tos_agreed);
  auto dup = s->CreateAccount(MakeAccount("acct2", "tp1"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, Errc::kConflict);
  auto found = s->FindAccountByThumbprint("acme", "tp1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->id, "acct1");
  auto other_prov = s->FindAccountByThumbprint("other", "tp1");
  ASSERT_TRUE(other_prov);
  EXPECT_FALSE(*other_prov);
  EXPECT_EQ(s->GetAccount("nope").error().code, Errc::kNotFound);
}

TEST_P(StoreConformance, AccountUpdate) {
  auto* s = store();
  ASSERT_TRUE(s->CreateAccount(MakeAccount("acct1", "tp1")));
  auto a = *s->GetAccount("acct1");
  a.status = core::AccountStatus::kDeactivated;
  a.thumbprint = "tp2";
  a.contact.clear();
  ASSERT_TRUE(s->UpdateAccount(a));
  auto b = *s->GetAccount("acct1");
  EXPECT_EQ(b.status, core::AccountStatus::kDeactivated);
  EXPECT_EQ(b.thumbprint, "tp2");
  EXPECT_TRUE(b.contact.empty());
  a.id = "missing";
  EXPECT_EQ(s->UpdateAccount(a).error().code, Errc::kNotFound);
}

TEST_P(StoreConformance, EabKeyBindsOnce) {
  auto* s = store();
  ASSERT_TRUE(s->CreateEabKey({"kid1", "acme", "c2VjcmV0", std::nullopt, 1}));
  ASSERT_TRUE(s->BindEabKey("kid1", "acct1"));
  auto again = s->BindEabKey("kid1", "acct2");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kUnauthorized);
  EXPECT_EQ(*s->GetEabKey("kid1")->bound_account_id, "acct1");
  EXPECT_EQ(s->GetEabKey("zzz").error().code, Errc::kNotFound);
}

TEST_P(StoreConformance, OrderAndAuthzRoundTrip) {
  auto* s = store();
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o1", "acct1", {"z1"}), {MakeAuthz("z1", "o1")}));
  auto o = s->GetOrder("o1");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->identifiers.size(), 2u);
  EXPECT_EQ(o->identifiers[1].value, "127.0.0.1");
  EXPECT_EQ(o->authz_ids, std::vector<std::string>{"z1"});
  EXPECT_EQ(*o->not_after, 4000);
  EXPECT_FALSE(o->not_before);
  auto z = s->GetAuthz("z1");
  ASSERT_TRUE(z);
  EXPECT_TRUE(z->wildcard);
  ASSERT_EQ(z->challenges.size(), 2u);
  z->challenges[0].status = core::ChallengeStatus::kInvalid;
  z->challenges[0].error = R"({"type":"x"})";
  z->status = core::AuthzStatus::kInvalid;
  ASSERT_TRUE(s->UpdateAuthz(*z));
  auto z2 = *s->GetAuthz("z1");
  EXPECT_EQ(z2.status, core::AuthzStatus::kInvalid);
  EXPECT_EQ(*z2.challenges[0].error, R"({"type":"x"})");
  EXPECT_FALSE(z2.challenges[0].attestation);
  EXPECT_EQ(*z2.challenges[1].attestation, "{}");
  EXPECT_EQ(s->GetAuthzs({"z1", "nope"}).error().code, Errc::kNotFound);
}

TEST_P(StoreConformance, CreateOrderIsAtomic) {
  auto* s = store();
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o1", "acct1", {"z1"}), {MakeAuthz("z1", "o1")}));
  // The second order reuses authz id z1: the whole transaction must roll back.
  auto r = s->CreateOrder(MakeOrder("o2", "acct1", {"z2", "z1"}), {MakeAuthz("z2", "o2"), MakeAuthz("z1", "o2")});
  ASSERT_FALSE(r);
  EXPECT_EQ(s->GetOrder("o2").error().code, Errc::kNotFound);
  EXPECT_EQ(s->GetAuthz("z2").error().code, Errc::kNotFound);
}

TEST_P(StoreConformance, TransitionOrderIsCompareAndSet) {
  auto* s = store();
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o1", "acct1", {}), {}));
  EXPECT_TRUE(*s->TransitionOrder("o1", core::OrderStatus::kPending, core::OrderStatus::kProcessing));
  EXPECT_FALSE(*s->TransitionOrder("o1", core::OrderStatus::kPending, core::OrderStatus::kProcessing));
  auto o = *s->GetOrder("o1");
  EXPECT_EQ(o.status, core::OrderStatus::kProcessing);
  o.status = core::OrderStatus::kValid;
  o.cert_id = "c1";
  ASSERT_TRUE(s->UpdateOrder(o));
  EXPECT_EQ(*s->GetOrder("o1")->cert_id, "c1");
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o0", "acct1", {}), {}));
  auto ids = *s->ListOrderIds("acct1");
  EXPECT_EQ(ids.size(), 2u);
}

TEST_P(StoreConformance, UpdateAuthzAndOrderMovesBothOrNeither) {
  auto* s = store();
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o1", "acct1", {"z1"}), {MakeAuthz("z1", "o1")}));
  auto a = *s->GetAuthz("z1");
  a.status = core::AuthzStatus::kValid;
  EXPECT_TRUE(*s->UpdateAuthzAndOrder(a, core::OrderStatus::kPending, core::OrderStatus::kReady));
  EXPECT_EQ(s->GetAuthz("z1")->status, core::AuthzStatus::kValid);
  EXPECT_EQ(s->GetOrder("o1")->status, core::OrderStatus::kReady);
  // The order is no longer pending: the authorization is still written, the order is left alone.
  a.status = core::AuthzStatus::kInvalid;
  EXPECT_FALSE(*s->UpdateAuthzAndOrder(a, core::OrderStatus::kPending, core::OrderStatus::kInvalid));
  EXPECT_EQ(s->GetAuthz("z1")->status, core::AuthzStatus::kInvalid);
  EXPECT_EQ(s->GetOrder("o1")->status, core::OrderStatus::kReady);
  // An unknown authorization fails and moves no order.
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o2", "acct1", {}), {}));
  auto ghost = MakeAuthz("z9", "o2");
  EXPECT_EQ(s->UpdateAuthzAndOrder(ghost, core::OrderStatus::kPending, core::OrderStatus::kReady).error().code,
            Errc::kNotFound);
  EXPECT_EQ(s->GetOrder("o2")->status, core::OrderStatus::kPending);
}

TEST_P(StoreConformance, CompleteOrderStoresTheCertificateOnlyForAProcessingOrder) {
  auto* s = store();
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o1", "acct1", {}), {}));
  // Not processing yet: nothing is stored.
  EXPECT_EQ(s->CompleteOrder(MakeCert("c1", "0a01")).error().code, Errc::kConflict);
  EXPECT_EQ(s->GetCertificate("c1").error().code, Errc::kNotFound);
  ASSERT_TRUE(*s->TransitionOrder("o1", core::OrderStatus::kPending, core::OrderStatus::kProcessing));
  ASSERT_TRUE(s->CompleteOrder(MakeCert("c1", "0a01")));
  auto o = *s->GetOrder("o1");
  EXPECT_EQ(o.status, core::OrderStatus::kValid);
  EXPECT_EQ(*o.cert_id, "c1");
  EXPECT_EQ(s->GetCertificate("c1")->serial_hex, "0a01");
  // A second certificate for the same order is refused and not stored.
  EXPECT_EQ(s->CompleteOrder(MakeCert("c2", "0a02")).error().code, Errc::kConflict);
  EXPECT_EQ(s->GetCertificate("c2").error().code, Errc::kNotFound);
  EXPECT_EQ(*s->GetOrder("o1")->cert_id, "c1");
}

// processing_since comes from the database's clock; the wall clock here agrees to within seconds,
// so cut-offs an hour away are on a known side.
TEST_P(StoreConformance, FailStaleProcessingOrdersFailsOnlyOldProcessingOrders) {
  auto* s = store();
  const UnixTime now = static_cast<UnixTime>(std::time(nullptr));
  const std::string problem = R"({"type":"urn:ietf:params:acme:error:serverInternal","detail":"interrupted"})";
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o1", "acct1", {}), {}));
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o2", "acct1", {}), {}));
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o3", "acct1", {}), {}));
  ASSERT_TRUE(*s->TransitionOrder("o1", core::OrderStatus::kPending, core::OrderStatus::kProcessing));
  ASSERT_TRUE(*s->TransitionOrder("o2", core::OrderStatus::kPending, core::OrderStatus::kProcessing));
  // o3 stays pending; o2 completes before the second pass.
  auto c2 = MakeCert("c2", "0a02");
  c2.order_id = "o2";
  // Processing for less than the bound: left alone.
  EXPECT_EQ(*s->FailStaleProcessingOrders(now - 3600, problem), 0u);
  EXPECT_EQ(s->GetOrder("o1")->status, core::OrderStatus::kProcessing);
  ASSERT_TRUE(s->CompleteOrder(c2));
  // Older than the bound: o1 fails with the problem; the valid and pending orders are untouched.
  EXPECT_EQ(*s->FailStaleProcessingOrders(now + 3600, problem), 1u);
  auto o1 = *s->GetOrder("o1");
  EXPECT_EQ(o1.status, core::OrderStatus::kInvalid);
  EXPECT_EQ(*o1.error, problem);
  EXPECT_EQ(s->GetOrder("o2")->status, core::OrderStatus::kValid);
  EXPECT_EQ(s->GetOrder("o3")->status, core::OrderStatus::kPending);
  // The recovery won: a finalize that completes now stores no certificate.
  auto late = MakeCert("c1", "0a01");
  late.order_id = "o1";
  EXPECT_EQ(s->CompleteOrder(late).error().code, Errc::kConflict);
  EXPECT_EQ(s->GetCertificate("c1").error().code, Errc::kNotFound);
  // A second pass finds nothing left.
  EXPECT_EQ(*s->FailStaleProcessingOrders(now + 3600, problem), 0u);
}

TEST_P(StoreConformance, CertificatesAndRevocation) {
  auto* s = store();
  core::CertRecord c;
  c.id = "c1";
  c.serial_hex = "1a2b";
  c.account_id = "acct1";
  c.order_id = "o1";
  c.provisioner = "acme";
  c.der = {0x30, 0x00, 0xff};
  c.chain_pem = "PEM";
  c.not_before = 1;
  c.not_after = 2;
  c.spki_sha256_hex = "ab";
  c.identifiers = {{"dns", "a.test"}};
  ASSERT_TRUE(s->InsertCertificate(c));
  EXPECT_EQ(s->InsertCertificate(c).error().code, Errc::kConflict);
  auto got = s->GetCertificateBySerial("1a2b");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->der, c.der);
  EXPECT_FALSE(got->revoked_at);
  EXPECT_FALSE(got->attestation);
  c.id = "c2";
  c.serial_hex = "1a2c";
  c.attestation = R"({"format":"apple"})";
  ASSERT_TRUE(s->InsertCertificate(c));
  EXPECT_EQ(*s->GetCertificate("c2")->attestation, R"({"format":"apple"})");
  ASSERT_TRUE(s->RevokeCertificate("c1", 1, 100));
  EXPECT_EQ(s->RevokeCertificate("c1", 1, 101).error().code, Errc::kAlreadyRevoked);
  EXPECT_EQ(s->RevokeCertificate("c9", 1, 101).error().code, Errc::kNotFound);
  auto revoked = *s->GetCertificate("c1");
  EXPECT_EQ(*revoked.revoked_at, 100);
  EXPECT_EQ(revoked.revocation_reason, 1);
  // The narrow status read the OCSP responder makes on every request.
  auto st = s->GetCertificateStatusBySerial("1a2b");
  ASSERT_TRUE(st);
  EXPECT_EQ(*st->revoked_at, 100);
  EXPECT_EQ(st->revocation_reason, 1);
  EXPECT_EQ(st->not_after, 2);  // the responder signs nothing new past it
  auto good = s->GetCertificateStatusBySerial("1a2c");
  ASSERT_TRUE(good);
  EXPECT_FALSE(good->revoked_at);
  EXPECT_EQ(s->GetCertificateStatusBySerial("ffff").error().code, Errc::kNotFound);
}

TEST_P(StoreConformance, PersistsAcrossReopenAndMigratesOnce) {
  ASSERT_TRUE(store()->CreateAccount(MakeAccount("acct1", "tp1")));
  auto* again = OpenAnother();  // migrations already applied: must not fail or wipe data
  ASSERT_NE(again, nullptr);
  EXPECT_TRUE(again->GetAccount("acct1"));
}

// The OCSP responder's status read must see a revocation written by another instance (the CLI next
// to a running server, or another node).
TEST_P(StoreConformance, StatusReadSeesARevocationFromAnotherConnection) {
  auto* server = store();
  auto* cli = OpenAnother();
  ASSERT_NE(cli, nullptr);
  ASSERT_TRUE(cli->InsertCertificate(MakeCert("c1", "0abc")));
  auto before = server->GetCertificateStatusBySerial("0abc");
  ASSERT_TRUE(before);
  EXPECT_FALSE(before->revoked_at);
  ASSERT_TRUE(cli->RevokeCertificate("c1", 4, 1234));
  auto after = server->GetCertificateStatusBySerial("0abc");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->revoked_at, std::optional<UnixTime>(1234));
  EXPECT_EQ(after->revocation_reason, 4);
}

// Every octet value survives the round trip (bytea on PostgreSQL, BLOB on SQLite).
TEST_P(StoreConformance, CertificateDerKeepsEveryOctet) {
  auto c = MakeCert("c1", "01");
  c.der.clear();
  for (int round = 0; round < 40; ++round) {
    for (int b = 0; b < 256; ++b) c.der.push_back(static_cast<uint8_t>(b));
  }
  c.chain_pem = std::string("-----BEGIN CERTIFICATE-----\n\xC3\xA9\n-----END CERTIFICATE-----\n");
  ASSERT_TRUE(store()->InsertCertificate(c));
  auto got = store()->GetCertificate("c1");
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(got->der, c.der);
  EXPECT_EQ(got->chain_pem, c.chain_pem);
  EXPECT_EQ(got->not_before, c.not_before);
  EXPECT_EQ(got->not_after, c.not_after);
}

// Values are parameters, never SQL: quotes and backslashes are stored as they are.
TEST_P(StoreConformance, ValuesAreNeverSql) {
  auto a = MakeAccount("acct'; DROP TABLE accounts; --", "tp\\'\"1");
  a.contact = {"mailto:o'brien@example.test"};
  ASSERT_TRUE(store()->CreateAccount(a));
  auto got = store()->GetAccount(a.id);
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(got->thumbprint, "tp\\'\"1");
  EXPECT_EQ(got->contact, a.contact);
}

// Two instances (nodes) race to move one order out of `processing`: exactly one wins, so an order
// is never finalized twice.
TEST_P(StoreConformance, TransitionOrderHasOneWinnerAcrossInstances) {
  auto* other = OpenAnother();
  ASSERT_NE(other, nullptr);
  for (int i = 0; i < 20; ++i) {
    std::string id = "o" + std::to_string(i);
    ASSERT_TRUE(store()->CreateOrder(MakeOrder(id, "acct1", {}), {}));
    std::atomic<int> wins{0};
    std::atomic<int> errors{0};
    auto race = [&](Store* s) {
      auto r = s->TransitionOrder(id, core::OrderStatus::kPending, core::OrderStatus::kProcessing);
      if (!r) ++errors;
      else if (*r) ++wins;
    };
    std::thread a(race, store()), b(race, other);
    a.join();
    b.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(wins.load(), 1) << id;
  }
}

TEST_P(StoreConformance, CrlNumbersAreUniqueAndThisUpdateNeverGoesBack) {
  auto* other = OpenAnother();
  ASSERT_NE(other, nullptr);
  auto first = store()->NextCrlNumber(1000);
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(first->number, 1u);
  EXPECT_EQ(first->this_update, 1000);
  auto back = other->NextCrlNumber(900);  // the clock went back
  ASSERT_TRUE(back);
  EXPECT_EQ(back->number, 2u);
  EXPECT_EQ(back->this_update, 1000);
  std::vector<uint64_t> numbers;
  std::mutex mu;
  auto reserve = [&](Store* s) {
    for (int i = 0; i < 25; ++i) {
      auto n = s->NextCrlNumber(2000);
      ASSERT_TRUE(n);
      std::lock_guard lock(mu);
      numbers.push_back(n->number);
    }
  };
  std::thread a(reserve, store()), b(reserve, other);
  a.join();
  b.join();
  std::set<uint64_t> unique(numbers.begin(), numbers.end());
  EXPECT_EQ(unique.size(), 50u);
  EXPECT_EQ(*unique.begin(), 3u);
  EXPECT_EQ(*unique.rbegin(), 52u);
}

// The revision changes in the transaction of every revocation, whichever instance wrote it.
TEST_P(StoreConformance, RevocationRevisionFollowsEveryRevocation) {
  auto* other = OpenAnother();
  ASSERT_NE(other, nullptr);
  auto r0 = store()->RevocationRevision();
  ASSERT_TRUE(r0) << r0.error().detail;
  ASSERT_TRUE(store()->InsertCertificate(MakeCert("c1", "01")));
  EXPECT_EQ(*store()->RevocationRevision(), *r0);  // a good certificate changes no CRL
  ASSERT_TRUE(other->RevokeCertificate("c1", 1, 100));
  auto r1 = *store()->RevocationRevision();
  EXPECT_GT(r1, *r0);
  auto revoked = MakeCert("c2", "02");
  revoked.revoked_at = 50;
  ASSERT_TRUE(other->InsertCertificate(revoked));
  auto r2 = *store()->RevocationRevision();
  EXPECT_GT(r2, r1);
  EXPECT_FALSE(store()->RevokeCertificate("c1", 1, 101));  // already revoked: nothing changed
  EXPECT_EQ(*store()->RevocationRevision(), r2);
  auto listed = store()->ListRevokedUnexpired(0);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].serial_hex, "01");
  EXPECT_EQ((*listed)[1].serial_hex, "02");
  EXPECT_EQ((*listed)[1].revoked_at, 50);
  EXPECT_TRUE(store()->ListRevokedUnexpired(1'000'000)->empty());  // past notAfter
}

// Two nodes issuing the same serial: the unique constraint lets exactly one row in.
TEST_P(StoreConformance, SerialIsUniqueAcrossInstances) {
  auto* other = OpenAnother();
  ASSERT_NE(other, nullptr);
  for (int i = 0; i < 20; ++i) {
    std::string serial = "5e" + std::to_string(i);
    std::atomic<int> ok{0};
    std::atomic<int> conflicts{0};
    auto insert = [&](Store* s, const std::string& id) {
      auto r = s->InsertCertificate(MakeCert(id, serial));
      if (r) ++ok;
      else if (r.error().code == Errc::kConflict) ++conflicts;
    };
    std::thread a(insert, store(), "a" + serial), b(insert, other, "b" + serial);
    a.join();
    b.join();
    EXPECT_EQ(ok.load(), 1) << serial;
    EXPECT_EQ(conflicts.load(), 1) << serial;
  }
}

// One instance serves many request threads at once (more than PostgreSQL's pool of 4 here).
TEST_P(StoreConformance, ManyThreadsOnOneInstance) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string id = "c" + std::to_string(t) + "_" + std::to_string(i);
        if (!store()->InsertCertificate(MakeCert(id, "ab" + id))) ++failures;
        auto st = store()->GetCertificateStatusBySerial("ab" + id);
        if (!st || st->revoked_at) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto f = CertFilter();
  f.now = 0;
  EXPECT_EQ(store()->ListCertificates(f)->size(), 200u);
}

// A database migrated by a newer attestca is refused, untouched.
TEST_P(StoreConformance, RefusesANewerSchema) {
  ASSERT_TRUE(db().Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future', 0)"));
  auto newer = db().Open();
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().detail.find("newer than this attestca"), std::string::npos) << newer.error().detail;
}

// Replay nonces: a nonce inserted by one node is redeemed once, by any node, before it expires.
TEST_P(StoreConformance, NonceRedeemsOnceAcrossInstances) {
  auto* other = OpenAnother();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(store()->InsertNonce("n1", 2000));
  EXPECT_EQ(store()->InsertNonce("n1", 2000).error().code, Errc::kConflict);
  auto first = other->RedeemNonce("n1", 1000);
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*other->RedeemNonce("n1", 1000));
  EXPECT_FALSE(*store()->RedeemNonce("n1", 1000));
  EXPECT_FALSE(*store()->RedeemNonce("never-inserted", 1000));
}

TEST_P(StoreConformance, ExpiredNonceIsRefused) {
  ASSERT_TRUE(store()->InsertNonce("n2", 2000));
  EXPECT_FALSE(*store()->RedeemNonce("n2", 2000));  // redeemable while now < expires
  ASSERT_TRUE(store()->InsertNonce("n3", 2000));
  EXPECT_TRUE(*store()->RedeemNonce("n3", 1999));
}

// Racing redeemers on two instances: exactly one wins each nonce.
TEST_P(StoreConformance, NonceRaceHasOneWinner) {
  auto* other = OpenAnother();
  ASSERT_NE(other, nullptr);
  for (int i = 0; i < 20; ++i) {
    std::string n = "race" + std::to_string(i);
    ASSERT_TRUE(store()->InsertNonce(n, 2000));
    std::atomic<int> wins{0};
    auto redeem = [&](Store* s) {
      auto r = s->RedeemNonce(n, 1000);
      if (r && *r) ++wins;
    };
    std::thread a(redeem, store()), b(redeem, other);
    a.join();
    b.join();
    EXPECT_EQ(wins.load(), 1) << n;
  }
}

TEST_P(StoreConformance, PurgeDeletesOnlyExpiredNoncesUpToTheLimit) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store()->InsertNonce("old" + std::to_string(i), 1000 + i));
  ASSERT_TRUE(store()->InsertNonce("fresh", 5000));
  EXPECT_EQ(*store()->PurgeExpiredNonces(2000, 3), 3);
  EXPECT_EQ(*store()->PurgeExpiredNonces(2000, 100), 2);
  EXPECT_EQ(*store()->PurgeExpiredNonces(2000, 100), 0);
  EXPECT_TRUE(*store()->RedeemNonce("fresh", 2000));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(conformance::AllBackends()),
                         conformance::BackendName);

}  // namespace
}  // namespace ca::storage

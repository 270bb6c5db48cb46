// Store conformance tests, run against the real SQLite backend (":memory:" and a file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "storage/store.h"

namespace ca::storage {
namespace {

std::unique_ptr<Store> Open(const std::string& path = ":memory:") {
  auto s = OpenSqliteStore(path);
  EXPECT_TRUE(s) << (s ? "" : s.error().detail);
  return std::move(*s);
}

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

TEST(SqliteStore, AccountRoundTripAndUniqueKey) {
  auto s = Open();
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

TEST(SqliteStore, AccountUpdate) {
  auto s = Open();
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

TEST(SqliteStore, EabKeyBindsOnce) {
  auto s = Open();
  ASSERT_TRUE(s->CreateEabKey({"kid1", "acme", "c2VjcmV0", std::nullopt, 1}));
  ASSERT_TRUE(s->BindEabKey("kid1", "acct1"));
  auto again = s->BindEabKey("kid1", "acct2");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kUnauthorized);
  EXPECT_EQ(*s->GetEabKey("kid1")->bound_account_id, "acct1");
  EXPECT_EQ(s->GetEabKey("zzz").error().code, Errc::kNotFound);
}

TEST(SqliteStore, OrderAndAuthzRoundTrip) {
  auto s = Open();
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

TEST(SqliteStore, CreateOrderIsAtomic) {
  auto s = Open();
  ASSERT_TRUE(s->CreateOrder(MakeOrder("o1", "acct1", {"z1"}), {MakeAuthz("z1", "o1")}));
  // The second order reuses authz id z1: the whole transaction must roll back.
  auto r = s->CreateOrder(MakeOrder("o2", "acct1", {"z2", "z1"}), {MakeAuthz("z2", "o2"), MakeAuthz("z1", "o2")});
  ASSERT_FALSE(r);
  EXPECT_EQ(s->GetOrder("o2").error().code, Errc::kNotFound);
  EXPECT_EQ(s->GetAuthz("z2").error().code, Errc::kNotFound);
}

TEST(SqliteStore, TransitionOrderIsCompareAndSet) {
  auto s = Open();
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

TEST(SqliteStore, CertificatesAndRevocation) {
  auto s = Open();
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
  auto good = s->GetCertificateStatusBySerial("1a2c");
  ASSERT_TRUE(good);
  EXPECT_FALSE(good->revoked_at);
  EXPECT_EQ(s->GetCertificateStatusBySerial("ffff").error().code, Errc::kNotFound);
}

TEST(SqliteStore, PersistsAcrossReopenAndMigratesOnce) {
  std::string path = std::filesystem::temp_directory_path() / ("attestca-store-" + std::to_string(::getpid()) + ".db");
  {
    auto s = Open(path);
    ASSERT_TRUE(s->CreateAccount(MakeAccount("acct1", "tp1")));
  }
  {
    auto s = Open(path);  // migrations already applied: must not fail or wipe data
    EXPECT_TRUE(s->GetAccount("acct1"));
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

}  // namespace
}  // namespace ca::storage

namespace ca::storage {
namespace {

// The OCSP responder's kept status statement must see a revocation written by another connection
// (another process: `attestca cert revoke` next to a running server).
TEST(SqliteStore, StatusReadSeesARevocationFromAnotherConnection) {
  std::string path =
      std::filesystem::temp_directory_path() / ("attestca-status-" + std::to_string(::getpid()) + ".db");
  {
    auto server = OpenSqliteStore(path);
    ASSERT_TRUE(server);
    auto cli = OpenSqliteStore(path);
    ASSERT_TRUE(cli);
    core::CertRecord c;
    c.id = "c1";
    c.serial_hex = "0abc";
    c.account_id = "acct";
    c.order_id = "o1";
    c.provisioner = "acme";
    c.der = {0x30, 0x00};
    c.chain_pem = "PEM";
    c.not_before = 1;
    c.not_after = 2;
    c.spki_sha256_hex = "ab";
    c.identifiers = {{"dns", "a.test"}};
    ASSERT_TRUE((*cli)->InsertCertificate(c));
    auto before = (*server)->GetCertificateStatusBySerial("0abc");
    ASSERT_TRUE(before);
    EXPECT_FALSE(before->revoked_at);
    ASSERT_TRUE((*cli)->RevokeCertificate("c1", 4, 1234));
    auto after = (*server)->GetCertificateStatusBySerial("0abc");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->revoked_at, std::optional<UnixTime>(1234));
    EXPECT_EQ(after->revocation_reason, 4);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

}  // namespace
}  // namespace ca::storage

// The server's SQLite store (SqliteRole::kServer) keeps accounts, orders and authorizations in
// memory. These tests hold it to what the database says: after every kind of write, each read of
// the server's store equals the same read through another instance (which reads the rows). They run
// on every backend (the others read the database anyway); the server lock is SQLite's alone.
#include <gtest/gtest.h>

#include <ctime>
#include <sstream>

#include "storage/store.h"
#include "storage/test_backends.h"

namespace ca::storage {
namespace {

using conformance::StoreTest;

template <class T>
std::string Opt(const std::optional<T>& v) {
  if (!v) return "-";
  std::ostringstream o;
  o << *v;
  return o.str();
}

std::string Describe(const core::Account& a) {
  std::ostringstream o;
  o << a.id << '|' << a.provisioner << '|' << static_cast<int>(a.status) << '|' << a.jwk_json << '|' << a.thumbprint
    << '|' << a.tos_agreed << '|' << Opt(a.eab_kid) << '|' << a.created_at;
  for (const auto& c : a.contact) o << '|' << c;
  return o.str();
}

std::string Describe(const core::Order& r) {
  std::ostringstream o;
  o << r.id << '|' << r.account_id << '|' << r.provisioner << '|' << core::ToString(r.status) << '|' << r.expires << '|'
    << Opt(r.not_before) << '|' << Opt(r.not_after) << '|' << Opt(r.error) << '|' << Opt(r.cert_id) << '|'
    << r.created_at;
  for (const auto& i : r.identifiers) o << '|' << i.type << ':' << i.value;
  for (const auto& a : r.authz_ids) o << '|' << a;
  return o.str();
}

std::string Describe(const core::Authz& a) {
  std::ostringstream o;
  o << a.id << '|' << a.order_id << '|' << a.account_id << '|' << a.identifier.type << ':' << a.identifier.value << '|'
    << a.wildcard << '|' << core::ToString(a.status) << '|' << a.expires;
  for (const auto& c : a.challenges) {
    o << "|[" << c.id << ',' << c.type << ',' << c.token << ',' << core::ToString(c.status) << ','
      << Opt(c.validated_at) << ',' << Opt(c.error) << ',' << Opt(c.attestation) << ']';
  }
  return o.str();
}

class ServerStore : public StoreTest {
 protected:
  // Agrees checks that the server's store reads what the database holds (through `fresh`).
  template <class Get>
  void Agrees(const char* what, Get get) {
    Store* fresh = Fresh();
    ASSERT_NE(fresh, nullptr);
    auto mine = get(store());
    auto theirs = get(fresh);
    ASSERT_EQ(mine.has_value(), theirs.has_value()) << what;
    if (mine) {
      EXPECT_EQ(Describe(*mine), Describe(*theirs)) << what;
    } else {
      EXPECT_EQ(mine.error().code, theirs.error().code) << what;
    }
  }
  Store* Fresh() {
    if (fresh_ == nullptr) fresh_ = OpenAnother();
    return fresh_;
  }
  void AllAgree(const char* what) {
    Agrees(what, [](Store* s) { return s->GetAccount("acct1"); });
    Agrees(what, [](Store* s) { return s->GetOrder("o1"); });
    Agrees(what, [](Store* s) { return s->GetOrder("o2"); });
    Agrees(what, [](Store* s) { return s->GetAuthz("z1"); });
    Agrees(what, [](Store* s) { return s->GetAuthz("z2"); });
    auto mine = store()->GetAuthzs({"z1", "z2"});
    auto theirs = Fresh()->GetAuthzs({"z1", "z2"});
    ASSERT_EQ(mine.has_value(), theirs.has_value()) << what;
    if (!mine) return;
    ASSERT_EQ(mine->size(), 2u);
    ASSERT_EQ(theirs->size(), 2u);
    for (size_t i = 0; i < 2; ++i) EXPECT_EQ(Describe((*mine)[i]), Describe((*theirs)[i])) << what;
  }

 private:
  Store* fresh_ = nullptr;
};

core::Authz Authz(const std::string& id, const std::string& order) {
  core::Authz a;
  a.id = id;
  a.order_id = order;
  a.account_id = "acct1";
  a.identifier = {"dns", id + ".test"};
  a.expires = 5000;
  a.challenges = {
      {id + "c", "http-01", "tok", core::ChallengeStatus::kPending, std::nullopt, std::nullopt, std::nullopt}};
  return a;
}

TEST_P(ServerStore, EveryReadAgreesWithTheDatabaseAfterEveryWrite) {
  auto* s = store();
  // Reads before anything exists: not found on both, and nothing remembered.
  AllAgree("empty");

  core::Account acct;
  acct.id = "acct1";
  acct.provisioner = "acme";
  acct.jwk_json = R"({"kty":"EC","crv":"P-256"})";
  acct.thumbprint = "t1";
  acct.contact = {"mailto:a@example.test"};
  acct.tos_agreed = true;
  acct.eab_kid = "kid1";
  acct.created_at = 1000;
  ASSERT_TRUE(s->CreateAccount(acct));
  AllAgree("account created");

  // UPDATE accounts sets status, contact, jwk and thumbprint only: the rest of the row stays.
  auto changed = acct;
  changed.status = core::AccountStatus::kDeactivated;
  changed.contact = {"mailto:b@example.test", "mailto:c@example.test"};
  changed.jwk_json = R"({"kty":"EC","crv":"P-384"})";
  changed.thumbprint = "t2";
  changed.created_at = 9;
  changed.eab_kid = std::nullopt;
  changed.tos_agreed = false;
  ASSERT_TRUE(s->UpdateAccount(changed));
  AllAgree("account updated");
  auto missing = changed;
  missing.id = "nobody";
  EXPECT_EQ(s->UpdateAccount(missing).error().code, Errc::kNotFound);
  Agrees("missing account", [](Store* st) { return st->GetAccount("nobody"); });

  core::Order o1;
  o1.id = "o1";
  o1.account_id = "acct1";
  o1.provisioner = "acme";
  o1.identifiers = {{"dns", "z1.test"}, {"dns", "z2.test"}};
  o1.authz_ids = {"z1", "z2"};
  o1.expires = 5000;
  o1.not_before = 100;
  o1.created_at = 1000;
  ASSERT_TRUE(s->CreateOrder(o1, {Authz("z1", "o1"), Authz("z2", "o1")}));
  AllAgree("order created");

  // UPDATE authzs sets status and challenges only.
  auto z1 = Authz("z1", "o1");
  z1.status = core::AuthzStatus::kValid;
  z1.expires = 7;
  z1.wildcard = true;
  z1.challenges[0].status = core::ChallengeStatus::kValid;
  z1.challenges[0].validated_at = 1234;
  z1.challenges[0].attestation = R"({"format":"apple"})";
  ASSERT_TRUE(s->UpdateAuthz(z1));
  AllAgree("authz updated");

  // The last authorization and the order in one transaction; then a compare-and-set that misses.
  auto z2 = Authz("z2", "o1");
  z2.status = core::AuthzStatus::kValid;
  ASSERT_TRUE(*s->UpdateAuthzAndOrder(z2, core::OrderStatus::kPending, core::OrderStatus::kReady));
  AllAgree("authz and order moved");
  z2.challenges[0].error = R"({"type":"urn:ietf:params:acme:error:connection"})";
  EXPECT_FALSE(*s->UpdateAuthzAndOrder(z2, core::OrderStatus::kPending, core::OrderStatus::kInvalid));
  AllAgree("authz moved, order not");

  EXPECT_FALSE(*s->TransitionOrder("o1", core::OrderStatus::kPending, core::OrderStatus::kProcessing));
  AllAgree("transition missed");
  ASSERT_TRUE(*s->TransitionOrder("o1", core::OrderStatus::kReady, core::OrderStatus::kProcessing));
  AllAgree("processing");

  core::CertRecord cert;
  cert.id = "c1";
  cert.serial_hex = "0a01";
  cert.account_id = "acct1";
  cert.order_id = "o1";
  cert.provisioner = "acme";
  cert.der = {0x30, 0x00};
  cert.chain_pem = "PEM";
  cert.not_before = 1;
  cert.not_after = 200000;
  cert.spki_sha256_hex = "ab";
  cert.identifiers = {{"dns", "z1.test"}};
  ASSERT_TRUE(s->CompleteOrder(cert));
  AllAgree("completed");
  cert.id = "c2";
  cert.serial_hex = "0a02";
  EXPECT_EQ(s->CompleteOrder(cert).error().code, Errc::kConflict);  // no longer processing
  AllAgree("second completion refused");

  // UPDATE orders sets status, error and cert_id only.
  auto upd = *s->GetOrder("o1");
  upd.status = core::OrderStatus::kInvalid;
  upd.error = R"({"type":"urn:ietf:params:acme:error:serverInternal"})";
  upd.cert_id = std::nullopt;
  upd.expires = 1;
  upd.authz_ids = {"zz"};
  ASSERT_TRUE(s->UpdateOrder(upd));
  AllAgree("order updated");

  // The recovery pass fails stale processing orders it does not name one by one.
  auto o2 = o1;
  o2.id = "o2";
  o2.authz_ids = {};
  ASSERT_TRUE(s->CreateOrder(o2, {}));
  ASSERT_TRUE(*s->TransitionOrder("o2", core::OrderStatus::kPending, core::OrderStatus::kProcessing));
  AllAgree("o2 processing");
  const auto later = static_cast<UnixTime>(std::time(nullptr)) + 3600;
  EXPECT_EQ(*s->FailStaleProcessingOrders(later, R"({"detail":"interrupted"})"), 1u);
  AllAgree("recovery pass");
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerStore, ::testing::ValuesIn(conformance::AllBackends()),
                         conformance::BackendName);

TEST(SqliteServerLock, ASecondServerIsRefusedButToolsOpen) {
  conformance::SqliteDb db;
  auto server = OpenSqliteStore(db.path(), SqliteRole::kServer);
  ASSERT_TRUE(server) << server.error().detail;
  auto second = OpenSqliteStore(db.path(), SqliteRole::kServer);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kConflict);
  EXPECT_NE(second.error().detail.find("another attestca server is using the database " + db.path()), std::string::npos)
      << second.error().detail;
  auto tool = OpenSqliteStore(db.path(), SqliteRole::kTool);
  ASSERT_TRUE(tool) << tool.error().detail;
  server->reset();  // the lock goes with the store
  auto next = OpenSqliteStore(db.path(), SqliteRole::kServer);
  EXPECT_TRUE(next) << (next ? "" : next.error().detail);
}

TEST(SqliteServerLock, AnInMemoryServerStoreNeedsNoLock) {
  auto a = OpenSqliteStore(":memory:", SqliteRole::kServer);
  auto b = OpenSqliteStore(":memory:", SqliteRole::kServer);
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
}

}  // namespace
}  // namespace ca::storage

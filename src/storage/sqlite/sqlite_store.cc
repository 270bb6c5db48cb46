// SqliteStore: the embedded Store backend. One connection behind a mutex (SQLite serialises writers
// anyway), its prepared statements kept for reuse, a busy timeout for other processes (the CLI). A
// file database runs in WAL mode with group commit (group_sync.h): every write returns only once it
// is on disk, as with synchronous=FULL, but concurrent writers share fsyncs. The server's store also
// keeps the accounts, orders and authorizations it reads and writes (object_cache.h).
#include <sqlite3.h>

#include <algorithm>
#include <mutex>

#include "common/file_lock.h"
#include "core/account.h"
#include "storage/model.h"
#include "storage/sqlite/cert_table.h"
#include "storage/sqlite/device_table.h"
#include "storage/sqlite/group_sync.h"
#include "storage/sqlite/migrations.h"
#include "storage/sqlite/object_cache.h"
#include "storage/sqlite/statement.h"
#include "storage/store.h"

namespace ca::storage {
namespace {

using sqlite::Exec;
using sqlite::kCertCols;
using sqlite::Statement;

constexpr const char* kAccountCols =
    "id, provisioner, status, jwk, thumbprint, contact, tos_agreed, eab_kid, created_at";
constexpr const char* kOrderCols =
    "id, account_id, provisioner, status, identifiers, authz_ids, expires, not_before, not_after, error, "
    "cert_id, created_at";
constexpr const char* kAuthzCols =
    "id, order_id, account_id, identifier_type, identifier_value, wildcard, status, expires, challenges";

std::string Sql(const char* head, const char* cols, const char* tail) {
  return std::string(head) + cols + tail;
}

Result<core::Account> ReadAccount(const Statement& s) {
  core::Account a;
  a.id = s.Text(0);
  a.provisioner = s.Text(1);
  std::string st = s.Text(2);
  a.status = st == "valid" ? core::AccountStatus::kValid
             : st == "deactivated" ? core::AccountStatus::kDeactivated
                                   : core::AccountStatus::kRevoked;
  a.jwk_json = s.Text(3);
  a.thumbprint = s.Text(4);
  CA_TRY(a.contact, StringsFromJson(s.Text(5)));
  a.tos_agreed = s.Int(6) != 0;
  a.eab_kid = s.OptText(7);
  a.created_at = s.Int(8);
  return a;
}

Result<core::Order> ReadOrder(const Statement& s) {
  core::Order o;
  o.id = s.Text(0);
  o.account_id = s.Text(1);
  o.provisioner = s.Text(2);
  auto st = core::OrderStatusFrom(s.Text(3));
  if (!st) return Fail(Errc::kInternal, "stored order status is corrupt");
  o.status = *st;
  CA_TRY(o.identifiers, IdentifiersFromJson(s.Text(4)));
  CA_TRY(o.authz_ids, StringsFromJson(s.Text(5)));
  o.expires = s.Int(6);
  o.not_before = s.OptInt(7);
  o.not_after = s.OptInt(8);
  o.error = s.OptText(9);
  o.cert_id = s.OptText(10);
  o.created_at = s.Int(11);
  return o;
}

Result<core::Authz> ReadAuthz(const Statement& s) {
  core::Authz a;
  a.id = s.Text(0);
  a.order_id = s.Text(1);
  a.account_id = s.Text(2);
  a.identifier = {s.Text(3), s.Text(4)};
  a.wildcard = s.Int(5) != 0;
  auto st = core::AuthzStatusFrom(s.Text(6));
  if (!st) return Fail(Errc::kInternal, "stored authz status is corrupt");
  a.status = *st;
  a.expires = s.Int(7);
  CA_TRY(a.challenges, ChallengesFromJson(s.Text(8)));
  return a;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db), stmts_(db), devices_(db, mu_, stmts_), certs_(db, mu_, stmts_) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  // Serve makes this the server's store: cache_ on, and `lock` (held until the store closes) keeps
  // any other server off this database, whose orders and accounts cache_ assumes only it writes.
  void Serve(FileLock lock, size_t cache_capacity) {
    serve_lock_ = std::move(lock);
    cache_.emplace(cache_capacity);
  }

  // Init applies the pending migrations; a schema newer than this binary's is refused untouched.
  Result<SchemaVersion> Init() {
    CA_RETURN_IF_ERROR(Exec(db_, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"));
    sqlite3_busy_timeout(db_, 5000);
    CA_TRY(bool wal, InWalMode());
    if (wal) {
      // COMMIT only writes the WAL; WaitDurable makes it durable, one fsync for many writers.
      CA_RETURN_IF_ERROR(Exec(db_, "PRAGMA synchronous=NORMAL"));
      sync_.emplace([db = db_] { return sqlite::SyncWal(db); });
    } else {
      // :memory: (tests) or a file system without WAL support: SQLite syncs every commit itself.
      CA_RETURN_IF_ERROR(Exec(db_, "PRAGMA synchronous=FULL"));
    }
    CA_RETURN_IF_ERROR(Exec(db_,
                            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                            "name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
    SchemaVersion v;
    v.known = sqlite::Migrations().empty() ? 0 : sqlite::Migrations().back().version;
    CA_TRY(v.before, SchemaVersionNow());
    if (v.before > v.known) {
      return Fail(Errc::kInternal, "the database schema is at version " + std::to_string(v.before) +
                                       ", newer than this attestca knows (" + std::to_string(v.known) +
                                       "): run a newer attestca (refusing to touch it)");
    }
    for (const auto& m : sqlite::Migrations()) {
      CA_TRY(auto q, stmts_.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
      q.Bind(1, int64_t{m.version});
      CA_TRY(bool applied, q.Step());
      if (applied) continue;
      CA_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
      auto r = Exec(db_, m.sql);
      if (r) {
        auto ins = Statement::Prepare(db_,
                                      "INSERT INTO schema_migrations (version, name, applied_at) "
                                      "VALUES (?, ?, strftime('%s','now'))");
        if (!ins) {
          r = tl::unexpected(ins.error());
        } else {
          ins->Bind(1, int64_t{m.version}).Bind(2, m.name);
          r = ins->Run();
        }
      }
      if (!r) {
        (void)Exec(db_, "ROLLBACK");
        return Fail(Errc::kInternal, "migration " + std::string(m.name) + " failed: " + r.error().detail);
      }
      CA_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
    }
    CA_TRY(v.after, SchemaVersionNow());
    return v;
  }

  Result<int> SchemaVersionNow() {
    CA_TRY(auto q, Statement::Prepare(db_, "SELECT coalesce(max(version), 0) FROM schema_migrations"));
    CA_TRY(bool row, q.Step());
    return row ? static_cast<int>(q.Int(0)) : 0;
  }

  // --- accounts ---
  Result<void> CreateAccount(const core::Account& a) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_TRY(auto s, stmts_.Prepare(Sql("INSERT INTO accounts (", kAccountCols, ") VALUES (?,?,?,?,?,?,?,?,?)")));
      s.Bind(1, a.id).Bind(2, a.provisioner).Bind(3, core::ToString(a.status)).Bind(4, a.jwk_json);
      s.Bind(5, a.thumbprint).Bind(6, StringsToJson(a.contact)).Bind(7, int64_t{a.tos_agreed ? 1 : 0});
      s.BindOptional(8, a.eab_kid).Bind(9, a.created_at);
      CA_RETURN_IF_ERROR(s.Run());
      if (cache_) cache_->Put(a);
      return Ok();
    }());
  }

  Result<core::Account> GetAccount(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (cache_) {
      if (const auto* held = cache_->Account(id)) return *held;
    }
    CA_TRY(auto s, stmts_.Prepare(Sql("SELECT ", kAccountCols, " FROM accounts WHERE id = ?")));
    s.Bind(1, id);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "account not found");
    CA_TRY(auto a, ReadAccount(s));
    if (cache_) cache_->Put(a);
    return a;
  }

  Result<std::optional<core::Account>> FindAccountByThumbprint(const std::string& provisioner,
                                                               const std::string& thumbprint) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s,
           stmts_.Prepare(Sql("SELECT ", kAccountCols, " FROM accounts WHERE provisioner = ? AND thumbprint = ?")));
    s.Bind(1, provisioner).Bind(2, thumbprint);
    CA_TRY(bool row, s.Step());
    if (!row) return std::optional<core::Account>();
    CA_TRY(auto a, ReadAccount(s));
    return std::optional<core::Account>(std::move(a));
  }

  Result<void> UpdateAccount(const core::Account& a) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_TRY(auto s,
             stmts_.Prepare("UPDATE accounts SET status = ?, contact = ?, jwk = ?, thumbprint = ? WHERE id = ?"));
      s.Bind(1, core::ToString(a.status)).Bind(2, StringsToJson(a.contact)).Bind(3, a.jwk_json);
      s.Bind(4, a.thumbprint).Bind(5, a.id);
      CA_RETURN_IF_ERROR(s.Run());
      if (sqlite::Changes(db_) != 1) return Fail(Errc::kNotFound, "account not found");
      if (cache_) cache_->AccountUpdated(a);
      return Ok();
    }());
  }

  Result<void> CreateEabKey(const core::EabKey& k) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_TRY(auto s, stmts_.Prepare("INSERT INTO eab_keys (kid, provisioner, hmac_key, account_id, created_at) "
                                    "VALUES (?,?,?,?,?)"));
      s.Bind(1, k.kid).Bind(2, k.provisioner).Bind(3, k.hmac_key_b64url).BindOptional(4, k.bound_account_id);
      s.Bind(5, k.created_at);
      return s.Run();
    }());
  }

  Result<core::EabKey> GetEabKey(const std::string& kid) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s,
           stmts_.Prepare("SELECT kid, provisioner, hmac_key, account_id, created_at FROM eab_keys WHERE kid = ?"));
    s.Bind(1, kid);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "EAB key not found");
    return core::EabKey{s.Text(0), s.Text(1), s.Text(2), s.OptText(3), s.Int(4)};
  }

  Result<void> BindEabKey(const std::string& kid, const std::string& account_id) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_TRY(auto s, stmts_.Prepare("UPDATE eab_keys SET account_id = ? WHERE kid = ? AND account_id IS NULL"));
      s.Bind(1, account_id).Bind(2, kid);
      CA_RETURN_IF_ERROR(s.Run());
      if (sqlite::Changes(db_) != 1) return Fail(Errc::kUnauthorized, "external account binding key is already used");
      return Ok();
    }());
  }

  // --- orders and authorizations ---
  Result<void> CreateOrder(const core::Order& o, const std::vector<core::Authz>& authzs) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_RETURN_IF_ERROR(TransactionLocked([&] { return InsertOrderLocked(o, authzs); }));
      if (cache_) {
        cache_->Put(o);
        for (const auto& a : authzs) cache_->Put(a);
      }
      return Ok();
    }());
  }

  Result<core::Order> GetOrder(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (cache_) {
      if (const auto* held = cache_->Order(id)) return *held;
    }
    CA_TRY(auto s, stmts_.Prepare(Sql("SELECT ", kOrderCols, " FROM orders WHERE id = ?")));
    s.Bind(1, id);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "order not found");
    CA_TRY(auto o, ReadOrder(s));
    if (cache_) cache_->Put(o);
    return o;
  }

  Result<void> UpdateOrder(const core::Order& o) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_TRY(auto s, stmts_.Prepare("UPDATE orders SET status = ?, error = ?, cert_id = ? WHERE id = ?"));
      s.Bind(1, core::ToString(o.status)).BindOptional(2, o.error).BindOptional(3, o.cert_id).Bind(4, o.id);
      CA_RETURN_IF_ERROR(s.Run());
      if (sqlite::Changes(db_) != 1) return Fail(Errc::kNotFound, "order not found");
      if (cache_) cache_->OrderUpdated(o);
      return Ok();
    }());
  }

  Result<bool> TransitionOrder(const std::string& id, core::OrderStatus from, core::OrderStatus to) override {
    auto changed = [&]() -> Result<bool> {
      std::lock_guard lock(mu_);
      CA_TRY(bool moved, TransitionOrderLocked(id, from, to));
      if (cache_ && moved) cache_->OrderMoved(id, to);
      return moved;
    }();
    // Moving to processing is finalize's claim, not a result, and no client sees it before
    // CompleteOrder, which is durable and later in the WAL (so its fsync covers this commit too).
    // If a crash loses the claim, the order is ready again and nothing was handed out; if the claim
    // survives without a certificate, the recovery pass fails the order. So it skips the fsync wait.
    if (to == core::OrderStatus::kProcessing) return changed;
    return Durable(std::move(changed));
  }

  Result<bool> UpdateAuthzAndOrder(const core::Authz& a, core::OrderStatus from, core::OrderStatus to) override {
    return Durable([&]() -> Result<bool> {
      std::lock_guard lock(mu_);
      auto moved = TransactionLocked([&]() -> Result<bool> {
        CA_RETURN_IF_ERROR(UpdateAuthzLocked(a));
        return TransitionOrderLocked(a.order_id, from, to);
      });
      if (moved && cache_) {
        cache_->AuthzUpdated(a);
        if (*moved) cache_->OrderMoved(a.order_id, to);
      }
      return moved;
    }());
  }

  Result<void> CompleteOrder(const core::CertRecord& c) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      auto done = TransactionLocked([&]() -> Result<void> {
        CA_RETURN_IF_ERROR(InsertCertificateLocked(c));
        CA_TRY(auto s, stmts_.Prepare("UPDATE orders SET status = 'valid', cert_id = ? WHERE id = ? AND "
                                      "status = 'processing'"));
        s.Bind(1, c.id).Bind(2, c.order_id);
        CA_RETURN_IF_ERROR(s.Run());
        if (sqlite::Changes(db_) != 1) return Fail(Errc::kConflict, "order " + c.order_id + " is not processing");
        return Ok();
      });
      if (done && cache_) cache_->OrderCompleted(c.order_id, c.id);
      return done;
    }());
  }

  // One statement: each row is compare-and-set on status = 'processing' (see Store).
  Result<size_t> FailStaleProcessingOrders(UnixTime processing_before, const std::string& error_json) override {
    return Durable([&]() -> Result<size_t> {
      std::lock_guard lock(mu_);
      CA_TRY(auto s, stmts_.Prepare("UPDATE orders SET status = 'invalid', error = ? WHERE status = 'processing' "
                                    "AND processing_since < ?"));
      s.Bind(1, error_json).Bind(2, int64_t{processing_before});
      CA_RETURN_IF_ERROR(s.Run());
      auto failed = static_cast<size_t>(sqlite::Changes(db_));
      if (cache_ && failed > 0) cache_->ForgetOrders();
      return failed;
    }());
  }

  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare("SELECT id FROM orders WHERE account_id = ? ORDER BY created_at, id"));
    s.Bind(1, account_id);
    std::vector<std::string> out;
    while (true) {
      CA_TRY(bool row, s.Step());
      if (!row) break;
      out.push_back(s.Text(0));
    }
    return out;
  }

  Result<core::Authz> GetAuthz(const std::string& id) override {
    std::lock_guard lock(mu_);
    return GetAuthzLocked(id);
  }

  Result<std::vector<core::Authz>> GetAuthzs(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mu_);
    std::vector<core::Authz> out;
    for (const auto& id : ids) {
      CA_TRY(auto a, GetAuthzLocked(id));
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<void> UpdateAuthz(const core::Authz& a) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_RETURN_IF_ERROR(UpdateAuthzLocked(a));
      if (cache_) cache_->AuthzUpdated(a);
      return Ok();
    }());
  }

  // --- certificates ---
  Result<void> InsertCertificate(const core::CertRecord& c) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      return InsertCertificateLocked(c);
    }());
  }

  Result<core::CertRecord> GetCertificate(const std::string& id) override {
    return GetCertBy("id", id);
  }

  Result<core::CertRecord> GetCertificateBySerial(const std::string& serial_hex) override {
    return GetCertBy("serial", serial_hex);
  }

  // Read on every OCSP request (the statement comes from the cache, parsed once).
  Result<CertStatus> GetCertificateStatusBySerial(const std::string& serial_hex) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare(
                       "SELECT revoked_at, revocation_reason, not_after FROM certificates WHERE serial = ?"));
    s.Bind(1, serial_hex);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "certificate not found");
    return CertStatus{s.OptInt(0), static_cast<int>(s.Int(1)), s.Int(2)};
  }

  Result<void> RevokeCertificate(const std::string& id, int reason, UnixTime when) override {
    return Durable([&]() -> Result<void> {
      std::lock_guard lock(mu_);
      CA_TRY(auto s, stmts_.Prepare("UPDATE certificates SET revoked_at = ?, revocation_reason = ? "
                                    "WHERE id = ? AND revoked_at IS NULL"));
      s.Bind(1, when).Bind(2, int64_t{reason}).Bind(3, id);
      CA_RETURN_IF_ERROR(s.Run());
      if (sqlite::Changes(db_) == 1) return Ok();
      CA_TRY(auto q, stmts_.Prepare("SELECT 1 FROM certificates WHERE id = ?"));
      q.Bind(1, id);
      CA_TRY(bool exists, q.Step());
      if (!exists) return Fail(Errc::kNotFound, "certificate not found");
      return Fail(Errc::kAlreadyRevoked, "certificate is already revoked");
    }());
  }

  // --- CRL (the crl_state row of migration 0004) ---
  // Read on every OCSP request too (the responder's check that no revocation happened since an
  // answer's status was read): the statement cache keeps it prepared, and resets it (ending the
  // read transaction) when `s` goes back to it.
  Result<int64_t> RevocationRevision() override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare("SELECT revision FROM crl_state WHERE id = 1"));
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kInternal, "crl_state row is missing");
    return s.Int(0);
  }

  Result<std::vector<core::RevokedCert>> ListRevokedUnexpired(UnixTime now) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare("SELECT serial, revoked_at, revocation_reason, not_after FROM certificates "
                                  "WHERE revoked_at IS NOT NULL AND not_after > ? ORDER BY serial"));
    s.Bind(1, now);
    std::vector<core::RevokedCert> out;
    for (;;) {
      CA_TRY(bool row, s.Step());
      if (!row) break;
      out.push_back({s.Text(0), s.Int(1), static_cast<int>(s.Int(2)), s.Int(3)});
    }
    return out;
  }

  Result<CrlNumber> NextCrlNumber(UnixTime now) override {
    return Durable([&]() -> Result<CrlNumber> {
      std::lock_guard lock(mu_);
      // IMMEDIATE: two processes reserving at once get distinct numbers.
      CA_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
      auto r = NextCrlNumberLocked(now);
      if (!r) {
        (void)Exec(db_, "ROLLBACK");
        return r;
      }
      CA_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
      return r;
    }());
  }

  // --- listing and device revocation (storage/sqlite/cert_table.cc) ---
  Result<std::vector<core::CertRecord>> ListCertificates(const CertFilter& f) override { return certs_.List(f); }
  Result<DeviceRevocation> RevokeDevice(const std::string& device_id, int reason, UnixTime when) override {
    return Durable(certs_.RevokeDevice(device_id, reason, when));
  }

  // --- devices (storage/sqlite/device_table.cc) ---
  Result<void> CreateDevice(const core::Device& d) override { return Durable(devices_.Create(d)); }
  Result<void> CreateDevices(const std::vector<core::Device>& ds) override { return Durable(devices_.CreateAll(ds)); }
  Result<core::Device> GetDevice(const std::string& id) override { return devices_.Get(id); }
  Result<std::optional<core::Device>> FindDeviceByIdentifier(const std::string& type,
                                                             const std::string& identifier) override {
    return devices_.FindByIdentifier(type, identifier);
  }
  Result<std::vector<core::Device>> ListDevices(std::optional<core::DeviceState> state) override {
    return devices_.List(state);
  }
  Result<void> SetDeviceState(const std::string& id, core::DeviceState state, UnixTime now) override {
    return Durable(devices_.SetState(id, state, now));
  }

  // --- replay nonces (migration 0006) ---
  // Not Durable: a nonce lost in a crash only costs the client one badNonce retry.
  Result<void> InsertNonce(const std::string& value, UnixTime expires) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare("INSERT INTO nonces (value, expires) VALUES (?, ?)"));
    s.Bind(1, value).Bind(2, expires);
    return s.Run();
  }

  // One DELETE: SQLite's write lock makes it atomic across processes, mu_ across threads.
  Result<bool> RedeemNonce(const std::string& value, UnixTime now) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare("DELETE FROM nonces WHERE value = ? AND expires > ?"));
    s.Bind(1, value).Bind(2, now);
    CA_RETURN_IF_ERROR(s.Run());
    return sqlite::Changes(db_) == 1;
  }

  Result<int64_t> PurgeExpiredNonces(UnixTime now, int64_t limit) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare("DELETE FROM nonces WHERE value IN "
                                  "(SELECT value FROM nonces WHERE expires <= ? ORDER BY expires LIMIT ?)"));
    s.Bind(1, now).Bind(2, limit);
    CA_RETURN_IF_ERROR(s.Run());
    return sqlite::Changes(db_);
  }

 private:
  // TransactionLocked runs body between BEGIN IMMEDIATE and COMMIT; any failure rolls all of it back.
  template <class F>
  auto TransactionLocked(F&& body) -> decltype(body()) {
    CA_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    auto r = body();
    if (!r) {
      (void)Exec(db_, "ROLLBACK");
      return r;
    }
    if (auto c = Exec(db_, "COMMIT"); !c) {
      (void)Exec(db_, "ROLLBACK");
      return tl::unexpected(c.error());
    }
    return r;
  }

  Result<bool> TransitionOrderLocked(const std::string& id, core::OrderStatus from, core::OrderStatus to) {
    // Moving to processing stamps processing_since (the recovery pass's clock).
    CA_TRY(auto s, stmts_.Prepare("UPDATE orders SET status = ?1, processing_since = CASE WHEN ?1 = 'processing' "
                                  "THEN CAST(strftime('%s','now') AS INTEGER) ELSE processing_since END "
                                  "WHERE id = ?2 AND status = ?3"));
    s.Bind(1, core::ToString(to)).Bind(2, id).Bind(3, core::ToString(from));
    CA_RETURN_IF_ERROR(s.Run());
    return sqlite::Changes(db_) == 1;
  }

  Result<void> UpdateAuthzLocked(const core::Authz& a) {
    CA_TRY(auto s, stmts_.Prepare("UPDATE authzs SET status = ?, challenges = ? WHERE id = ?"));
    s.Bind(1, core::ToString(a.status)).Bind(2, ChallengesToJson(a.challenges)).Bind(3, a.id);
    CA_RETURN_IF_ERROR(s.Run());
    if (sqlite::Changes(db_) != 1) return Fail(Errc::kNotFound, "authorization not found");
    return Ok();
  }

  Result<void> InsertCertificateLocked(const core::CertRecord& c) {
    CA_TRY(auto s,
           stmts_.Prepare(Sql("INSERT INTO certificates (", kCertCols, ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")));
    s.Bind(1, c.id).Bind(2, c.serial_hex).Bind(3, c.account_id).Bind(4, c.order_id).Bind(5, c.provisioner);
    s.BindBlob(6, c.der).Bind(7, c.chain_pem).Bind(8, c.not_before).Bind(9, c.not_after);
    s.Bind(10, c.spki_sha256_hex).Bind(11, IdentifiersToJson(c.identifiers)).BindOptional(12, c.revoked_at);
    s.Bind(13, int64_t{c.revocation_reason}).BindOptional(14, c.attestation);
    return s.Run();
  }

  Result<bool> InWalMode() {
    CA_TRY(auto mode, stmts_.Prepare("PRAGMA journal_mode"));
    CA_TRY(bool row, mode.Step());
    return row && mode.Text(0) == "wal";
  }

  // Durable passes a write's result on once the write is on disk. It runs after the lock is
  // released, so that other writers commit meanwhile and share the fsync.
  template <class T>
  Result<T> Durable(Result<T> r) {
    if (r && sync_) CA_RETURN_IF_ERROR(sync_->WaitDurable());
    return r;
  }

  Result<CrlNumber> NextCrlNumberLocked(UnixTime now) {
    CA_TRY(auto q, stmts_.Prepare("SELECT crl_number, last_this_update FROM crl_state WHERE id = 1"));
    CA_TRY(bool row, q.Step());
    if (!row) return Fail(Errc::kInternal, "crl_state row is missing");
    CrlNumber n;
    n.number = static_cast<uint64_t>(q.Int(0)) + 1;
    n.this_update = std::max<UnixTime>(now, q.Int(1));
    CA_TRY(auto u, stmts_.Prepare("UPDATE crl_state SET crl_number = ?, last_this_update = ? WHERE id = 1"));
    u.Bind(1, static_cast<int64_t>(n.number)).Bind(2, n.this_update);
    CA_RETURN_IF_ERROR(u.Run());
    return n;
  }

  Result<void> InsertOrderLocked(const core::Order& o, const std::vector<core::Authz>& authzs) {
    CA_TRY(auto s, stmts_.Prepare(Sql("INSERT INTO orders (", kOrderCols, ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")));
    s.Bind(1, o.id).Bind(2, o.account_id).Bind(3, o.provisioner).Bind(4, core::ToString(o.status));
    s.Bind(5, IdentifiersToJson(o.identifiers)).Bind(6, StringsToJson(o.authz_ids)).Bind(7, o.expires);
    s.BindOptional(8, o.not_before).BindOptional(9, o.not_after).BindOptional(10, o.error);
    s.BindOptional(11, o.cert_id).Bind(12, o.created_at);
    CA_RETURN_IF_ERROR(s.Run());
    for (const auto& a : authzs) {
      CA_TRY(auto ins, stmts_.Prepare(Sql("INSERT INTO authzs (", kAuthzCols, ") VALUES (?,?,?,?,?,?,?,?,?)")));
      ins.Bind(1, a.id).Bind(2, a.order_id).Bind(3, a.account_id).Bind(4, a.identifier.type);
      ins.Bind(5, a.identifier.value).Bind(6, int64_t{a.wildcard ? 1 : 0}).Bind(7, core::ToString(a.status));
      ins.Bind(8, a.expires).Bind(9, ChallengesToJson(a.challenges));
      CA_RETURN_IF_ERROR(ins.Run());
    }
    return Ok();
  }

  Result<core::Authz> GetAuthzLocked(const std::string& id) {
    if (cache_) {
      if (const auto* held = cache_->Authz(id)) return *held;
    }
    CA_TRY(auto s, stmts_.Prepare(Sql("SELECT ", kAuthzCols, " FROM authzs WHERE id = ?")));
    s.Bind(1, id);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "authorization not found");
    CA_TRY(auto a, ReadAuthz(s));
    if (cache_) cache_->Put(a);
    return a;
  }

  Result<core::CertRecord> GetCertBy(const char* column, const std::string& value) {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, stmts_.Prepare(std::string("SELECT ") + kCertCols + " FROM certificates WHERE " + column + " = ?"));
    s.Bind(1, value);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "certificate not found");
    return sqlite::ReadCertRow(s);
  }

  sqlite3* db_;
  std::mutex mu_;
  sqlite::StatementCache stmts_;           // under mu_; finalized before sqlite3_close_v2 completes
  std::optional<sqlite::GroupSync> sync_;  // set for a WAL database
  sqlite::DeviceTable devices_;
  sqlite::CertTable certs_;
  std::optional<sqlite::ObjectCache> cache_;  // under mu_; the server's store only (Serve)
  FileLock serve_lock_;
};

}  // namespace

const char* ToString(CertStatus s) {
  switch (s) {
    case CertStatus::kValid: return "valid";
    case CertStatus::kRevoked: return "revoked";
    case CertStatus::kExpired: return "expired";
  }
  return "valid";
}

std::optional<CertStatus> CertStatusFrom(const std::string& s) {
  for (auto st : {CertStatus::kValid, CertStatus::kRevoked, CertStatus::kExpired}) {
    if (s == ToString(st)) return st;
  }
  return std::nullopt;
}

namespace {

// Rows per kind (accounts, orders, authorizations) the server keeps: a few MB at most, and far more
// than the orders in flight at once.
constexpr size_t kServerCacheCapacity = 2048;

Result<std::unique_ptr<SqliteStore>> OpenSqlite(const std::string& path, SchemaVersion* version) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Fail(Errc::kInternal, "cannot open database " + path + ": " + msg);
  }
  auto store = std::make_unique<SqliteStore>(db);
  CA_TRY(*version, store->Init());
  return store;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, SqliteRole role) {
  // The server holds <database>.serve-lock while it runs: a second server on the same file is
  // refused (SQLite serves one node; cache_ assumes only this server writes its rows). The CLI
  // takes no lock and runs beside it.
  FileLock lock;
  if (role == SqliteRole::kServer && path != ":memory:") {
    auto taken = FileLock::TryTake(path + ".serve-lock");
    if (!taken && taken.error().code == Errc::kConflict) {
      return Fail(Errc::kConflict, "another attestca server is using the database " + path + " (it holds " + path +
                                       ".serve-lock); SQLite serves one node, several nodes share PostgreSQL");
    }
    if (!taken) return tl::unexpected(taken.error());
    lock = std::move(*taken);
  }
  SchemaVersion ignored;
  CA_TRY(auto store, OpenSqlite(path, &ignored));
  if (role == SqliteRole::kServer) store->Serve(std::move(lock), kServerCacheCapacity);
  return std::unique_ptr<Store>(std::move(store));
}

Result<SchemaVersion> MigrateSqlite(const std::string& path) {
  SchemaVersion v;
  CA_RETURN_IF_ERROR(OpenSqlite(path, &v));
  return v;
}

}  // namespace ca::storage

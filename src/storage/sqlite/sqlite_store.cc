// SqliteStore: the embedded Store backend (WAL, synchronous=FULL so a returned write survives a
// crash, busy timeout). One connection behind a mutex: SQLite serialises writers anyway.
#include <sqlite3.h>

#include <algorithm>
#include <mutex>

#include "core/account.h"
#include "storage/model.h"
#include "storage/sqlite/cert_table.h"
#include "storage/sqlite/device_table.h"
#include "storage/sqlite/migrations.h"
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
  explicit SqliteStore(sqlite3* db) : db_(db), devices_(db, mu_), certs_(db, mu_) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Result<void> Init() {
    CA_RETURN_IF_ERROR(Exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
    sqlite3_busy_timeout(db_, 5000);
    CA_RETURN_IF_ERROR(Exec(db_,
                            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                            "name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
    for (const auto& m : sqlite::Migrations()) {
      CA_TRY(auto q, Statement::Prepare(db_, "SELECT 1 FROM schema_migrations WHERE version = ?"));
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
    return Ok();
  }

  // --- accounts ---
  Result<void> CreateAccount(const core::Account& a) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, Sql("INSERT INTO accounts (", kAccountCols,
                                               ") VALUES (?,?,?,?,?,?,?,?,?)")));
    s.Bind(1, a.id).Bind(2, a.provisioner).Bind(3, core::ToString(a.status)).Bind(4, a.jwk_json);
    s.Bind(5, a.thumbprint).Bind(6, StringsToJson(a.contact)).Bind(7, int64_t{a.tos_agreed ? 1 : 0});
    s.BindOptional(8, a.eab_kid).Bind(9, a.created_at);
    return s.Run();
  }

  Result<core::Account> GetAccount(const std::string& id) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, Sql("SELECT ", kAccountCols, " FROM accounts WHERE id = ?")));
    s.Bind(1, id);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "account not found");
    return ReadAccount(s);
  }

  Result<std::optional<core::Account>> FindAccountByThumbprint(const std::string& provisioner,
                                                               const std::string& thumbprint) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, Sql("SELECT ", kAccountCols,
                                               " FROM accounts WHERE provisioner = ? AND thumbprint = ?")));
    s.Bind(1, provisioner).Bind(2, thumbprint);
    CA_TRY(bool row, s.Step());
    if (!row) return std::optional<core::Account>();
    CA_TRY(auto a, ReadAccount(s));
    return std::optional<core::Account>(std::move(a));
  }

  Result<void> UpdateAccount(const core::Account& a) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(
                       db_, "UPDATE accounts SET status = ?, contact = ?, jwk = ?, thumbprint = ? WHERE id = ?"));
    s.Bind(1, core::ToString(a.status)).Bind(2, StringsToJson(a.contact)).Bind(3, a.jwk_json);
    s.Bind(4, a.thumbprint).Bind(5, a.id);
    CA_RETURN_IF_ERROR(s.Run());
    if (sqlite::Changes(db_) != 1) return Fail(Errc::kNotFound, "account not found");
    return Ok();
  }

  Result<void> CreateEabKey(const core::EabKey& k) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_,
                                      "INSERT INTO eab_keys (kid, provisioner, hmac_key, account_id, created_at) "
                                      "VALUES (?,?,?,?,?)"));
    s.Bind(1, k.kid).Bind(2, k.provisioner).Bind(3, k.hmac_key_b64url).BindOptional(4, k.bound_account_id);
    s.Bind(5, k.created_at);
    return s.Run();
  }

  Result<core::EabKey> GetEabKey(const std::string& kid) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(
                       db_, "SELECT kid, provisioner, hmac_key, account_id, created_at FROM eab_keys WHERE kid = ?"));
    s.Bind(1, kid);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "EAB key not found");
    return core::EabKey{s.Text(0), s.Text(1), s.Text(2), s.OptText(3), s.Int(4)};
  }

  Result<void> BindEabKey(const std::string& kid, const std::string& account_id) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s,
           Statement::Prepare(db_, "UPDATE eab_keys SET account_id = ? WHERE kid = ? AND account_id IS NULL"));
    s.Bind(1, account_id).Bind(2, kid);
    CA_RETURN_IF_ERROR(s.Run());
    if (sqlite::Changes(db_) != 1) return Fail(Errc::kUnauthorized, "external account binding key is already used");
    return Ok();
  }

  // --- orders and authorizations ---
  Result<void> CreateOrder(const core::Order& o, const std::vector<core::Authz>& authzs) override {
    std::lock_guard lock(mu_);
    CA_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    auto r = InsertOrderLocked(o, authzs);
    if (!r) {
      (void)Exec(db_, "ROLLBACK");
      return r;
    }
    return Exec(db_, "COMMIT");
  }

  Result<core::Order> GetOrder(const std::string& id) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, Sql("SELECT ", kOrderCols, " FROM orders WHERE id = ?")));
    s.Bind(1, id);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "order not found");
    return ReadOrder(s);
  }

  Result<void> UpdateOrder(const core::Order& o) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, "UPDATE orders SET status = ?, error = ?, cert_id = ? WHERE id = ?"));
    s.Bind(1, core::ToString(o.status)).BindOptional(2, o.error).BindOptional(3, o.cert_id).Bind(4, o.id);
    CA_RETURN_IF_ERROR(s.Run());
    if (sqlite::Changes(db_) != 1) return Fail(Errc::kNotFound, "order not found");
    return Ok();
  }

  Result<bool> TransitionOrder(const std::string& id, core::OrderStatus from, core::OrderStatus to) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, "UPDATE orders SET status = ? WHERE id = ? AND status = ?"));
    s.Bind(1, core::ToString(to)).Bind(2, id).Bind(3, core::ToString(from));
    CA_RETURN_IF_ERROR(s.Run());
    return sqlite::Changes(db_) == 1;
  }

  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, "SELECT id FROM orders WHERE account_id = ? ORDER BY created_at, id"));
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
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, "UPDATE authzs SET status = ?, challenges = ? WHERE id = ?"));
    s.Bind(1, core::ToString(a.status)).Bind(2, ChallengesToJson(a.challenges)).Bind(3, a.id);
    CA_RETURN_IF_ERROR(s.Run());
    if (sqlite::Changes(db_) != 1) return Fail(Errc::kNotFound, "authorization not found");
    return Ok();
  }

  // --- certificates ---
  Result<void> InsertCertificate(const core::CertRecord& c) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, Sql("INSERT INTO certificates (", kCertCols,
                                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")));
    s.Bind(1, c.id).Bind(2, c.serial_hex).Bind(3, c.account_id).Bind(4, c.order_id).Bind(5, c.provisioner);
    s.BindBlob(6, c.der).Bind(7, c.chain_pem).Bind(8, c.not_before).Bind(9, c.not_after);
    s.Bind(10, c.spki_sha256_hex).Bind(11, IdentifiersToJson(c.identifiers)).BindOptional(12, c.revoked_at);
    s.Bind(13, int64_t{c.revocation_reason}).BindOptional(14, c.attestation);
    return s.Run();
  }

  Result<core::CertRecord> GetCertificate(const std::string& id) override {
    return GetCertBy("id", id);
  }

  Result<core::CertRecord> GetCertificateBySerial(const std::string& serial_hex) override {
    return GetCertBy("serial", serial_hex);
  }

  // Read on every OCSP request: the statement is prepared once and kept (parsing the SQL each time
  // was the largest single cost of a cached OCSP answer).
  Result<CertStatus> GetCertificateStatusBySerial(const std::string& serial_hex) override {
    std::lock_guard lock(mu_);
    if (!status_by_serial_) {
      CA_TRY(auto prepared, Statement::Prepare(
                                db_, "SELECT revoked_at, revocation_reason FROM certificates WHERE serial = ?"));
      status_by_serial_.emplace(std::move(prepared));
    }
    Statement& s = *status_by_serial_;
    s.Reset();
    s.Bind(1, serial_hex);
    CA_TRY(bool row, s.Step());
    if (!row) {
      s.Reset();
      return Fail(Errc::kNotFound, "certificate not found");
    }
    CertStatus out{s.OptInt(0), static_cast<int>(s.Int(1))};
    s.Reset();  // ends the read, so no snapshot is held between requests (WAL checkpoints)
    return out;
  }

  Result<void> RevokeCertificate(const std::string& id, int reason, UnixTime when) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_,
                                      "UPDATE certificates SET revoked_at = ?, revocation_reason = ? "
                                      "WHERE id = ? AND revoked_at IS NULL"));
    s.Bind(1, when).Bind(2, int64_t{reason}).Bind(3, id);
    CA_RETURN_IF_ERROR(s.Run());
    if (sqlite::Changes(db_) == 1) return Ok();
    CA_TRY(auto q, Statement::Prepare(db_, "SELECT 1 FROM certificates WHERE id = ?"));
    q.Bind(1, id);
    CA_TRY(bool exists, q.Step());
    if (!exists) return Fail(Errc::kNotFound, "certificate not found");
    return Fail(Errc::kAlreadyRevoked, "certificate is already revoked");
  }

  // --- CRL (the crl_state row of migration 0004) ---
  // Read on every OCSP request too (the responder's check that no revocation happened since an
  // answer's status was read): prepared once and kept, like the status statement.
  Result<int64_t> RevocationRevision() override {
    std::lock_guard lock(mu_);
    if (!revision_) {
      CA_TRY(auto prepared, Statement::Prepare(db_, "SELECT revision FROM crl_state WHERE id = 1"));
      revision_.emplace(std::move(prepared));
    }
    Statement& s = *revision_;
    s.Reset();
    CA_TRY(bool row, s.Step());
    const int64_t revision = row ? s.Int(0) : 0;
    s.Reset();  // ends the read transaction
    if (!row) return Fail(Errc::kInternal, "crl_state row is missing");
    return revision;
  }

  Result<std::vector<core::RevokedCert>> ListRevokedUnexpired(UnixTime now) override {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_,
                                      "SELECT serial, revoked_at, revocation_reason, not_after FROM certificates "
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
  }

  // --- listing and device revocation (storage/sqlite/cert_table.cc) ---
  Result<std::vector<core::CertRecord>> ListCertificates(const CertFilter& f) override { return certs_.List(f); }
  Result<DeviceRevocation> RevokeDevice(const std::string& device_id, int reason, UnixTime when) override {
    return certs_.RevokeDevice(device_id, reason, when);
  }

  // --- devices (storage/sqlite/device_table.cc) ---
  Result<void> CreateDevice(const core::Device& d) override { return devices_.Create(d); }
  Result<void> CreateDevices(const std::vector<core::Device>& ds) override { return devices_.CreateAll(ds); }
  Result<core::Device> GetDevice(const std::string& id) override { return devices_.Get(id); }
  Result<std::optional<core::Device>> FindDeviceByIdentifier(const std::string& type,
                                                             const std::string& identifier) override {
    return devices_.FindByIdentifier(type, identifier);
  }
  Result<std::vector<core::Device>> ListDevices(std::optional<core::DeviceState> state) override {
    return devices_.List(state);
  }
  Result<void> SetDeviceState(const std::string& id, core::DeviceState state, UnixTime now) override {
    return devices_.SetState(id, state, now);
  }

 private:
  Result<CrlNumber> NextCrlNumberLocked(UnixTime now) {
    CA_TRY(auto q, Statement::Prepare(db_, "SELECT crl_number, last_this_update FROM crl_state WHERE id = 1"));
    CA_TRY(bool row, q.Step());
    if (!row) return Fail(Errc::kInternal, "crl_state row is missing");
    CrlNumber n;
    n.number = static_cast<uint64_t>(q.Int(0)) + 1;
    n.this_update = std::max<UnixTime>(now, q.Int(1));
    CA_TRY(auto u, Statement::Prepare(db_, "UPDATE crl_state SET crl_number = ?, last_this_update = ? WHERE id = 1"));
    u.Bind(1, static_cast<int64_t>(n.number)).Bind(2, n.this_update);
    CA_RETURN_IF_ERROR(u.Run());
    return n;
  }

  Result<void> InsertOrderLocked(const core::Order& o, const std::vector<core::Authz>& authzs) {
    CA_TRY(auto s, Statement::Prepare(db_, Sql("INSERT INTO orders (", kOrderCols,
                                               ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")));
    s.Bind(1, o.id).Bind(2, o.account_id).Bind(3, o.provisioner).Bind(4, core::ToString(o.status));
    s.Bind(5, IdentifiersToJson(o.identifiers)).Bind(6, StringsToJson(o.authz_ids)).Bind(7, o.expires);
    s.BindOptional(8, o.not_before).BindOptional(9, o.not_after).BindOptional(10, o.error);
    s.BindOptional(11, o.cert_id).Bind(12, o.created_at);
    CA_RETURN_IF_ERROR(s.Run());
    for (const auto& a : authzs) {
      CA_TRY(auto ins, Statement::Prepare(db_, Sql("INSERT INTO authzs (", kAuthzCols,
                                                   ") VALUES (?,?,?,?,?,?,?,?,?)")));
      ins.Bind(1, a.id).Bind(2, a.order_id).Bind(3, a.account_id).Bind(4, a.identifier.type);
      ins.Bind(5, a.identifier.value).Bind(6, int64_t{a.wildcard ? 1 : 0}).Bind(7, core::ToString(a.status));
      ins.Bind(8, a.expires).Bind(9, ChallengesToJson(a.challenges));
      CA_RETURN_IF_ERROR(ins.Run());
    }
    return Ok();
  }

  Result<core::Authz> GetAuthzLocked(const std::string& id) {
    CA_TRY(auto s, Statement::Prepare(db_, Sql("SELECT ", kAuthzCols, " FROM authzs WHERE id = ?")));
    s.Bind(1, id);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "authorization not found");
    return ReadAuthz(s);
  }

  Result<core::CertRecord> GetCertBy(const char* column, const std::string& value) {
    std::lock_guard lock(mu_);
    CA_TRY(auto s, Statement::Prepare(db_, std::string("SELECT ") + kCertCols + " FROM certificates WHERE " +
                                               column + " = ?"));
    s.Bind(1, value);
    CA_TRY(bool row, s.Step());
    if (!row) return Fail(Errc::kNotFound, "certificate not found");
    return sqlite::ReadCertRow(s);
  }

  sqlite3* db_;
  std::mutex mu_;
  std::optional<Statement> status_by_serial_;  // under mu_; finalized before sqlite3_close_v2 completes
  std::optional<Statement> revision_;          // likewise
  sqlite::DeviceTable devices_;
  sqlite::CertTable certs_;
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

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Fail(Errc::kInternal, "cannot open database " + path + ": " + msg);
  }
  auto store = std::make_unique<SqliteStore>(db);
  CA_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace ca::storage

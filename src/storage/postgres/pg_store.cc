// PgStore: the Store ports on PostgreSQL (libpq), for several attestca nodes sharing one database.
// Each call borrows a pooled connection for its duration; multi-statement writes run in one
// transaction on that connection. Semantics and error codes are SQLite's (one conformance suite).
#include <algorithm>
#include <limits>

#include "storage/model.h"
#include "storage/postgres/conn.h"
#include "storage/postgres/pool.h"
#include "storage/postgres/queries.h"
#include "storage/postgres/rows.h"
#include "storage/postgres/schema.h"
#include "storage/store.h"

namespace ca::storage {
namespace {

using pg::Conn;
using pg::Params;
using pg::Rows;

// InTransaction runs body between BEGIN and COMMIT; any failure rolls the whole of it back.
template <class F>
auto InTransaction(Conn& c, F&& body) -> decltype(body()) {
  CA_RETURN_IF_ERROR(c.Exec("BEGIN"));
  auto r = body();
  if (!r) {
    (void)c.Exec("ROLLBACK");
    return r;
  }
  if (auto done = c.Exec("COMMIT"); !done) {
    (void)c.Exec("ROLLBACK");
    return tl::unexpected(std::move(done).error());
  }
  return r;
}

// CertParams: a certificate row's values, in kCertInsert's order.
Params CertParams(const core::CertRecord& cr) {
  Params p;
  p.Text(cr.id).Text(cr.serial_hex).Text(cr.account_id).Text(cr.order_id).Text(cr.provisioner);
  p.Bytea(cr.der).Text(cr.chain_pem).Int(cr.not_before).Int(cr.not_after).Text(cr.spki_sha256_hex);
  p.Text(IdentifiersToJson(cr.identifiers)).OptInt(cr.revoked_at).Int(cr.revocation_reason).OptText(cr.attestation);
  return p;
}

// Limit: the listing's size_t limit as the BIGINT LIMIT takes it.
int64_t Limit(size_t n) {
  return n > static_cast<size_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                      : static_cast<int64_t>(n);
}

class PgStore final : public Store {
 public:
  explicit PgStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  // --- accounts ---
  Result<void> CreateAccount(const core::Account& a) override {
    CA_TRY(auto c, pool_->Acquire());
    Params p;
    p.Text(a.id).Text(a.provisioner).Text(core::ToString(a.status)).Text(a.jwk_json).Text(a.thumbprint);
    p.Text(StringsToJson(a.contact)).Bool(a.tos_agreed).OptText(a.eab_kid).Int(a.created_at);
    CA_RETURN_IF_ERROR(c->Run(pg::q::kAccountInsert, p));
    return Ok();
  }

  Result<core::Account> GetAccount(const std::string& id) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kAccountGet, Params().Text(id)));
    if (r.Count() == 0) return Fail(Errc::kNotFound, "account not found");
    return pg::ReadAccount(r, 0);
  }

  Result<std::optional<core::Account>> FindAccountByThumbprint(const std::string& provisioner,
                                                               const std::string& thumbprint) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kAccountByThumbprint, Params().Text(provisioner).Text(thumbprint)));
    if (r.Count() == 0) return std::optional<core::Account>();
    CA_TRY(auto a, pg::ReadAccount(r, 0));
    return std::optional<core::Account>(std::move(a));
  }

  Result<void> UpdateAccount(const core::Account& a) override {
    CA_TRY(auto c, pool_->Acquire());
    Params p;
    p.Text(core::ToString(a.status)).Text(StringsToJson(a.contact)).Text(a.jwk_json).Text(a.thumbprint).Text(a.id);
    CA_TRY(auto r, c->Run(pg::q::kAccountUpdate, p));
    if (r.Affected() != 1) return Fail(Errc::kNotFound, "account not found");
    return Ok();
  }

  Result<void> CreateEabKey(const core::EabKey& k) override {
    CA_TRY(auto c, pool_->Acquire());
    Params p;
    p.Text(k.kid).Text(k.provisioner).Text(k.hmac_key_b64url).OptText(k.bound_account_id).Int(k.created_at);
    CA_RETURN_IF_ERROR(c->Run(pg::q::kEabInsert, p));
    return Ok();
  }

  Result<core::EabKey> GetEabKey(const std::string& kid) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kEabGet, Params().Text(kid)));
    if (r.Count() == 0) return Fail(Errc::kNotFound, "EAB key not found");
    return core::EabKey{r.Text(0, 0), r.Text(0, 1), r.Text(0, 2), r.OptText(0, 3), r.Int(0, 4)};
  }

  Result<void> BindEabKey(const std::string& kid, const std::string& account_id) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kEabBind, Params().Text(account_id).Text(kid)));
    if (r.Affected() != 1) return Fail(Errc::kUnauthorized, "external account binding key is already used");
    return Ok();
  }

  // --- orders and authorizations ---
  Result<void> CreateOrder(const core::Order& o, const std::vector<core::Authz>& authzs) override {
    CA_TRY(auto c, pool_->Acquire());
    return InTransaction(*c, [&]() -> Result<void> {
      Params p;
      p.Text(o.id).Text(o.account_id).Text(o.provisioner).Text(core::ToString(o.status));
      p.Text(IdentifiersToJson(o.identifiers)).Text(StringsToJson(o.authz_ids)).Int(o.expires);
      p.OptInt(o.not_before).OptInt(o.not_after).OptText(o.error).OptText(o.cert_id).Int(o.created_at);
      CA_RETURN_IF_ERROR(c->Run(pg::q::kOrderInsert, p));
      for (const auto& a : authzs) {
        Params ap;
        ap.Text(a.id).Text(a.order_id).Text(a.account_id).Text(a.identifier.type).Text(a.identifier.value);
        ap.Bool(a.wildcard).Text(core::ToString(a.status)).Int(a.expires).Text(ChallengesToJson(a.challenges));
        CA_RETURN_IF_ERROR(c->Run(pg::q::kAuthzInsert, ap));
      }
      return Ok();
    });
  }

  Result<core::Order> GetOrder(const std::string& id) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kOrderGet, Params().Text(id)));
    if (r.Count() == 0) return Fail(Errc::kNotFound, "order not found");
    return pg::ReadOrder(r, 0);
  }

  Result<void> UpdateOrder(const core::Order& o) override {
    CA_TRY(auto c, pool_->Acquire());
    Params p;
    p.Text(core::ToString(o.status)).OptText(o.error).OptText(o.cert_id).Text(o.id);
    CA_TRY(auto r, c->Run(pg::q::kOrderUpdate, p));
    if (r.Affected() != 1) return Fail(Errc::kNotFound, "order not found");
    return Ok();
  }

  Result<bool> TransitionOrder(const std::string& id, core::OrderStatus from, core::OrderStatus to) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kOrderTransition,
                          Params().Text(core::ToString(to)).Text(id).Text(core::ToString(from))));
    return r.Affected() == 1;
  }

  Result<std::vector<std::string>> ListOrderIds(const std::string& account_id) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kOrderIds, Params().Text(account_id)));
    std::vector<std::string> out;
    for (int i = 0; i < r.Count(); ++i) out.push_back(r.Text(i, 0));
    return out;
  }

  Result<core::Authz> GetAuthz(const std::string& id) override {
    CA_TRY(auto c, pool_->Acquire());
    return GetAuthzOn(*c, id);
  }

  Result<std::vector<core::Authz>> GetAuthzs(const std::vector<std::string>& ids) override {
    CA_TRY(auto c, pool_->Acquire());
    std::vector<core::Authz> out;
    for (const auto& id : ids) {
      CA_TRY(auto a, GetAuthzOn(*c, id));
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<void> UpdateAuthz(const core::Authz& a) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kAuthzUpdate,
                          Params().Text(core::ToString(a.status)).Text(ChallengesToJson(a.challenges)).Text(a.id)));
    if (r.Affected() != 1) return Fail(Errc::kNotFound, "authorization not found");
    return Ok();
  }

  Result<bool> UpdateAuthzAndOrder(const core::Authz& a, core::OrderStatus from, core::OrderStatus to) override {
    CA_TRY(auto c, pool_->Acquire());
    return InTransaction(*c, [&]() -> Result<bool> {
      CA_TRY(auto u, c->Run(pg::q::kAuthzUpdate,
                            Params().Text(core::ToString(a.status)).Text(ChallengesToJson(a.challenges)).Text(a.id)));
      if (u.Affected() != 1) return Fail(Errc::kNotFound, "authorization not found");
      CA_TRY(auto t, c->Run(pg::q::kOrderTransition,
                            Params().Text(core::ToString(to)).Text(a.order_id).Text(core::ToString(from))));
      return t.Affected() == 1;
    });
  }

  // The certificate row and the order's move to valid commit together (see Store::CompleteOrder).
  Result<void> CompleteOrder(const core::CertRecord& cr) override {
    CA_TRY(auto c, pool_->Acquire());
    return InTransaction(*c, [&]() -> Result<void> {
      CA_RETURN_IF_ERROR(c->Run(pg::q::kCertInsert, CertParams(cr)));
      CA_TRY(auto r, c->Run(pg::q::kOrderComplete, Params().Text(cr.id).Text(cr.order_id)));
      if (r.Affected() != 1) return Fail(Errc::kConflict, "order " + cr.order_id + " is not processing");
      return Ok();
    });
  }

  Result<size_t> FailStaleProcessingOrders(UnixTime processing_before, const std::string& error_json) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kOrderFailStale, Params().Int(processing_before).Text(error_json)));
    return static_cast<size_t>(r.Affected());
  }

  // --- certificates ---
  // Returns once the row is committed (synchronous_commit as the server is configured; on by default).
  Result<void> InsertCertificate(const core::CertRecord& cr) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_RETURN_IF_ERROR(c->Run(pg::q::kCertInsert, CertParams(cr)));
    return Ok();
  }

  Result<core::CertRecord> GetCertificate(const std::string& id) override { return GetCertBy(pg::q::kCertById, id); }

  Result<core::CertRecord> GetCertificateBySerial(const std::string& serial_hex) override {
    return GetCertBy(pg::q::kCertBySerial, serial_hex);
  }

  Result<CertStatus> GetCertificateStatusBySerial(const std::string& serial_hex) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kCertStatusBySerial, Params().Text(serial_hex)));
    if (r.Count() == 0) return Fail(Errc::kNotFound, "certificate not found");
    return CertStatus{r.OptInt(0, 0), static_cast<int>(r.Int(0, 1)), r.Int(0, 2)};
  }

  Result<void> RevokeCertificate(const std::string& id, int reason, UnixTime when) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kCertRevoke, Params().Int(when).Int(reason).Text(id)));
    if (r.Affected() == 1) return Ok();
    CA_TRY(auto exists, c->Run(pg::q::kCertExists, Params().Text(id)));
    if (exists.Count() == 0) return Fail(Errc::kNotFound, "certificate not found");
    return Fail(Errc::kAlreadyRevoked, "certificate is already revoked");
  }

  Result<std::vector<core::CertRecord>> ListCertificates(const CertFilter& f) override {
    CA_TRY(auto c, pool_->Acquire());
    Params p;
    p.OptText(f.status ? std::optional<std::string>(ToString(*f.status)) : std::nullopt).Int(f.now);
    p.OptText(f.device_id).OptText(f.serial_hex).Int(Limit(f.limit));
    CA_TRY(auto r, c->Run(pg::q::kCertList, p));
    return ReadCerts(r);
  }

  Result<DeviceRevocation> RevokeDevice(const std::string& device_id, int reason, UnixTime when) override {
    CA_TRY(auto c, pool_->Acquire());
    return InTransaction(*c, [&]() -> Result<DeviceRevocation> {
      DeviceRevocation out;
      // The row lock orders this against a concurrent revocation or state change of the device.
      CA_TRY(auto dev, c->Run(pg::q::kDeviceLock, Params().Text(device_id)));
      if (dev.Count() == 0) return Fail(Errc::kNotFound, "device " + device_id + " not found");
      out.device.id = device_id;
      out.device.type = dev.Text(0, 0);
      out.device.identifier = dev.Text(0, 1);
      auto st = core::DeviceStateFrom(dev.Text(0, 2));
      if (!st) return Fail(Errc::kInternal, "stored device state is corrupt");
      out.device.state = *st;
      CA_TRY(auto revoked, c->Run(pg::q::kDeviceRevokeCerts, Params().Int(when).Int(reason).Text(device_id)));
      CA_TRY(out.revoked, ReadCerts(revoked));
      // The listing's order (newest first, then serial), as SQLite returns them.
      std::sort(out.revoked.begin(), out.revoked.end(), [](const core::CertRecord& a, const core::CertRecord& b) {
        return a.not_before != b.not_before ? a.not_before > b.not_before : a.serial_hex < b.serial_hex;
      });
      CA_RETURN_IF_ERROR(c->Run(pg::q::kDeviceRevoke, Params().Int(when).Text(device_id)));
      return out;
    });
  }

  // --- CRL ---
  Result<int64_t> RevocationRevision() override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kCrlRevision));
    if (r.Count() == 0) return Fail(Errc::kInternal, "crl_state row is missing");
    return r.Int(0, 0);
  }

  Result<std::vector<core::RevokedCert>> ListRevokedUnexpired(UnixTime now) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kCrlRevoked, Params().Int(now)));
    std::vector<core::RevokedCert> out;
    for (int i = 0; i < r.Count(); ++i) {
      out.push_back({r.Text(i, 0), r.Int(i, 1), static_cast<int>(r.Int(i, 2)), r.Int(i, 3)});
    }
    return out;
  }

  Result<CrlNumber> NextCrlNumber(UnixTime now) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kCrlNext, Params().Int(now)));
    if (r.Count() == 0) return Fail(Errc::kInternal, "crl_state row is missing");
    return CrlNumber{static_cast<uint64_t>(r.Int(0, 0)), r.Int(0, 1)};
  }

  // --- devices ---
  Result<void> CreateDevice(const core::Device& d) override {
    CA_TRY(auto c, pool_->Acquire());
    return InsertDevice(*c, d);
  }

  Result<void> CreateDevices(const std::vector<core::Device>& ds) override {
    CA_TRY(auto c, pool_->Acquire());
    return InTransaction(*c, [&]() -> Result<void> {
      for (const auto& d : ds) CA_RETURN_IF_ERROR(InsertDevice(*c, d));
      return Ok();
    });
  }

  Result<core::Device> GetDevice(const std::string& id) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kDeviceGet, Params().Text(id)));
    if (r.Count() == 0) return Fail(Errc::kNotFound, "device " + id + " not found");
    return pg::ReadDevice(r, 0);
  }

  Result<std::optional<core::Device>> FindDeviceByIdentifier(const std::string& type,
                                                             const std::string& identifier) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kDeviceByIdentifier, Params().Text(type).Text(identifier)));
    if (r.Count() == 0) return std::optional<core::Device>();
    CA_TRY(auto d, pg::ReadDevice(r, 0));
    return std::optional<core::Device>(std::move(d));
  }

  Result<std::vector<core::Device>> ListDevices(std::optional<core::DeviceState> state) override {
    CA_TRY(auto c, pool_->Acquire());
    auto rows = state ? c->Run(pg::q::kDeviceListState, Params().Text(core::ToString(*state)))
                      : c->Run(pg::q::kDeviceList);
    CA_TRY(auto r, std::move(rows));
    std::vector<core::Device> out;
    for (int i = 0; i < r.Count(); ++i) {
      CA_TRY(auto d, pg::ReadDevice(r, i));
      out.push_back(std::move(d));
    }
    return out;
  }

  Result<void> SetDeviceState(const std::string& id, core::DeviceState state, UnixTime now) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kDeviceSetState, Params().Text(core::ToString(state)).Int(now).Text(id)));
    if (r.Affected() == 1) return Ok();
    CA_TRY(auto exists, c->Run(pg::q::kDeviceExists, Params().Text(id)));
    if (exists.Count() == 0) return Fail(Errc::kNotFound, "device " + id + " not found");
    return Fail(Errc::kConflict, "device " + id + " is revoked; a revoked device cannot be made " +
                                     core::ToString(state));
  }

 private:
  static Result<std::vector<core::CertRecord>> ReadCerts(const Rows& r) {
    std::vector<core::CertRecord> out;
    for (int i = 0; i < r.Count(); ++i) {
      CA_TRY(auto cert, pg::ReadCert(r, i));
      out.push_back(std::move(cert));
    }
    return out;
  }

  static Result<core::Authz> GetAuthzOn(Conn& c, const std::string& id) {
    CA_TRY(auto r, c.Run(pg::q::kAuthzGet, Params().Text(id)));
    if (r.Count() == 0) return Fail(Errc::kNotFound, "authorization not found");
    return pg::ReadAuthz(r, 0);
  }

  static Result<void> InsertDevice(Conn& c, const core::Device& d) {
    Params p;
    p.Text(d.id).Text(d.type).Text(d.identifier).Text(d.owner).Text(d.note).Text(core::ToString(d.state));
    p.Int(d.created_at).Int(d.updated_at);
    auto r = c.Run(pg::q::kDeviceInsert, p);
    if (!r && r.error().code == Errc::kConflict) {
      return Fail(Errc::kConflict, "device " + d.type + " \"" + d.identifier + "\" is already in the inventory");
    }
    if (!r) return tl::unexpected(std::move(r).error());
    return Ok();
  }

  Result<core::CertRecord> GetCertBy(const pg::Query& q, const std::string& value) {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(q, Params().Text(value)));
    if (r.Count() == 0) return Fail(Errc::kNotFound, "certificate not found");
    return pg::ReadCert(r, 0);
  }

  // --- replay nonces ---
  Result<void> InsertNonce(const std::string& value, UnixTime expires) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_RETURN_IF_ERROR(c->Run(pg::q::kNonceInsert, Params().Text(value).Int(expires)));
    return Ok();
  }

  Result<bool> RedeemNonce(const std::string& value, UnixTime now) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kNonceRedeem, Params().Text(value).Int(now)));
    return r.Count() == 1;
  }

  Result<int64_t> PurgeExpiredNonces(UnixTime now, int64_t limit) override {
    CA_TRY(auto c, pool_->Acquire());
    CA_TRY(auto r, c->Run(pg::q::kNoncePurge, Params().Int(now).Int(limit)));
    return r.Affected();
  }

  std::unique_ptr<pg::Pool> pool_;
};

pg::PoolOptions PoolOptionsFor(const PostgresOptions& o) {
  pg::PoolOptions po;
  po.conn.url = o.url;
  po.conn.statement_timeout_ms = o.statement_timeout_ms;
  po.size = o.pool_size;
  po.acquire_timeout = std::chrono::milliseconds(o.statement_timeout_ms);
  return po;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& o, SchemaPolicy policy) {
  CA_TRY(auto pool, pg::Pool::Open(PoolOptionsFor(o)));
  {
    CA_TRY(auto c, pool->Acquire());
    if (policy == SchemaPolicy::kMigrate) {
      CA_RETURN_IF_ERROR(pg::ApplyMigrations(*c));
    } else {
      CA_RETURN_IF_ERROR(pg::CheckSchema(*c));
    }
  }
  return std::unique_ptr<Store>(std::make_unique<PgStore>(std::move(pool)));
}

Result<SchemaVersion> MigratePostgres(const PostgresOptions& o) {
  pg::ConnOptions co;
  co.url = o.url;
  co.statement_timeout_ms = 0;  // a migration on a big table may take long; 0 = no limit
  CA_TRY(auto c, Conn::Open(co));
  return pg::ApplyMigrations(*c);
}

std::string RedactPostgresUrl(const std::string& url) { return pg::RedactUrl(url); }

}  // namespace ca::storage

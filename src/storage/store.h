#pragma once
// Store ports: the only path to the database. ACME code sees these interfaces, never SQL, so a
// PostgreSQL backend can follow without touching it. Every write is durable when it returns.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "core/account.h"
#include "core/cert_record.h"
#include "core/device.h"
#include "core/order.h"

namespace ca::storage {

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  virtual Result<void> CreateAccount(const core::Account& a) = 0;  // kConflict if the key is taken
  virtual Result<core::Account> GetAccount(const std::string& id) = 0;  // kNotFound
  virtual Result<std::optional<core::Account>> FindAccountByThumbprint(const std::string& provisioner,
                                                                       const std::string& thumbprint) = 0;
  // UpdateAccount rewrites status, contact, jwk_json and thumbprint (kConflict if the new key is taken).
  virtual Result<void> UpdateAccount(const core::Account& a) = 0;

  virtual Result<void> CreateEabKey(const core::EabKey& k) = 0;
  virtual Result<core::EabKey> GetEabKey(const std::string& kid) = 0;  // kNotFound
  // BindEabKey atomically binds an unbound key to an account; kUnauthorized if already bound.
  virtual Result<void> BindEabKey(const std::string& kid, const std::string& account_id) = 0;
};

class OrderStore {
 public:
  virtual ~OrderStore() = default;
  // CreateOrder stores an order and its new authorizations in one transaction.
  virtual Result<void> CreateOrder(const core::Order& o, const std::vector<core::Authz>& authzs) = 0;
  virtual Result<core::Order> GetOrder(const std::string& id) = 0;  // kNotFound
  // UpdateOrder rewrites status, error and cert_id.
  virtual Result<void> UpdateOrder(const core::Order& o) = 0;
  // TransitionOrder sets status to `to` only if it is `from` now; returns whether it did.
  virtual Result<bool> TransitionOrder(const std::string& id, core::OrderStatus from, core::OrderStatus to) = 0;
  virtual Result<std::vector<std::string>> ListOrderIds(const std::string& account_id) = 0;

  virtual Result<core::Authz> GetAuthz(const std::string& id) = 0;  // kNotFound
  virtual Result<std::vector<core::Authz>> GetAuthzs(const std::vector<std::string>& ids) = 0;
  // UpdateAuthz rewrites status and challenges.
  virtual Result<void> UpdateAuthz(const core::Authz& a) = 0;
  // UpdateAuthzAndOrder rewrites the authorization and, in the same transaction, moves its order
  // (a.order_id) from `from` to `to` if it is `from` now: a validation result and what it means for
  // the order land together. Returns whether the order moved.
  virtual Result<bool> UpdateAuthzAndOrder(const core::Authz& a, core::OrderStatus from, core::OrderStatus to) = 0;
  // CompleteOrder stores the certificate and marks its order (c.order_id) valid with cert_id = c.id,
  // in one transaction and only if the order is processing: otherwise kConflict and nothing is
  // stored, so an order never gets two certificates nor a certificate it does not name.
  virtual Result<void> CompleteOrder(const core::CertRecord& c) = 0;
  // FailStaleProcessingOrders turns every order that has been processing since before
  // `processing_before` (the database's clock stamps processing_since when an order moves to
  // processing) invalid with `error_json`, each with a compare-and-set on status = 'processing': a
  // finalize that completes first wins, and a finalize that completes after gets kConflict from
  // CompleteOrder and stores no certificate. Returns how many orders it failed.
  virtual Result<size_t> FailStaleProcessingOrders(UnixTime processing_before, const std::string& error_json) = 0;
};

// CertStatus is what a listing filters on: valid (not revoked, not yet expired), revoked, expired
// (not revoked, past notAfter).
enum class CertStatus { kValid, kRevoked, kExpired };
const char* ToString(CertStatus s);
std::optional<CertStatus> CertStatusFrom(const std::string& s);

// CertFilter selects certificates; every field set must match.
struct CertFilter {
  std::optional<CertStatus> status;
  // A device's certificates: those whose attestation names the device id, and those whose
  // identifiers hold the device's (type, identifier) pair (issued with inventory = "off").
  std::optional<std::string> device_id;
  std::optional<std::string> serial_hex;
  UnixTime now = 0;  // the clock for valid/expired
  size_t limit = 1000;
};

// DeviceRevocation is what RevokeDevice did: the device before the change, and the certificates it
// revoked now (those already revoked are left as they were).
struct DeviceRevocation {
  core::Device device;
  std::vector<core::CertRecord> revoked;
};

class CertStore {
 public:
  virtual ~CertStore() = default;
  virtual Result<void> InsertCertificate(const core::CertRecord& c) = 0;
  virtual Result<core::CertRecord> GetCertificate(const std::string& id) = 0;  // kNotFound
  virtual Result<core::CertRecord> GetCertificateBySerial(const std::string& serial_hex) = 0;
  // RevokeCertificate marks it revoked; kAlreadyRevoked if it was.
  virtual Result<void> RevokeCertificate(const std::string& id, int reason, UnixTime when) = 0;
  // ListCertificates returns the matching certificates, newest first, at most filter.limit.
  virtual Result<std::vector<core::CertRecord>> ListCertificates(const CertFilter& filter) = 0;
  // RevokeDevice revokes every unrevoked certificate of the device (as CertFilter::device_id
  // matches them) and sets the device's state to revoked, in ONE transaction: after a crash either
  // all of it happened or none. kNotFound if there is no such device.
  virtual Result<DeviceRevocation> RevokeDevice(const std::string& device_id, int reason, UnixTime when) = 0;
  // CertStatus is the revocation state and the expiry: what the OCSP responder reads on every request.
  struct CertStatus {
    std::optional<UnixTime> revoked_at;
    int revocation_reason = 0;
    UnixTime not_after = 0;
  };
  // GetCertificateStatusBySerial: kNotFound for a serial never issued. A backend may answer it
  // with a narrower read than the whole record (SQLite does: no DER, chain or JSON).
  virtual Result<CertStatus> GetCertificateStatusBySerial(const std::string& serial_hex) {
    CA_TRY(auto rec, GetCertificateBySerial(serial_hex));
    return CertStatus{rec.revoked_at, rec.revocation_reason, rec.not_after};
  }
};

// CrlStore: what CRL generation reads and the CRL numbering it persists.
class CrlStore {
 public:
  virtual ~CrlStore() = default;
  // RevocationRevision changes whenever a certificate's revocation state changes, in the same
  // transaction, whatever path wrote it (this process, the CLI, another server on the database).
  virtual Result<int64_t> RevocationRevision() = 0;
  // ListRevokedUnexpired returns the revoked certificates with notAfter > now, by serial.
  virtual Result<std::vector<core::RevokedCert>> ListRevokedUnexpired(UnixTime now) = 0;
  // NextCrlNumber reserves the next cRLNumber (1, 2, ...; never reused, also across restarts) and
  // its thisUpdate: max(now, previous thisUpdate), so thisUpdate never goes back with the clock
  // (equal times are fine: the numbers differ, RFC 5280 §5.2.3; +1s would drift into the future).
  struct CrlNumber {
    uint64_t number = 0;
    UnixTime this_update = 0;
  };
  virtual Result<CrlNumber> NextCrlNumber(UnixTime now) = 0;
};

// DeviceStore is the device inventory. Every call reads the database afresh (no cache), so a change
// made by `attestca device ...` in another process is seen by a running server at its next request.
class DeviceStore {
 public:
  virtual ~DeviceStore() = default;
  // CreateDevice adds one device; kConflict if its (type, identifier) pair (or id) exists.
  virtual Result<void> CreateDevice(const core::Device& d) = 0;
  // CreateDevices adds all of them in one transaction: all or nothing (kConflict names the first clash).
  virtual Result<void> CreateDevices(const std::vector<core::Device>& ds) = 0;
  virtual Result<core::Device> GetDevice(const std::string& id) = 0;  // kNotFound
  // FindDeviceByIdentifier matches type and identifier octet for octet.
  virtual Result<std::optional<core::Device>> FindDeviceByIdentifier(const std::string& type,
                                                                     const std::string& identifier) = 0;
  // ListDevices returns the devices (in one state, if given), oldest first.
  virtual Result<std::vector<core::Device>> ListDevices(std::optional<core::DeviceState> state) = 0;
  // SetDeviceState sets state and updated_at = now. kNotFound if there is no such device; revoked is
  // final: moving a revoked device to another state is kConflict (setting revoked again succeeds).
  virtual Result<void> SetDeviceState(const std::string& id, core::DeviceState state, UnixTime now) = 0;
};

// NonceStore keeps ACME replay nonces (RFC 8555 §6.5) in the database, so that several nodes sharing
// it accept a nonce issued by any of them exactly once. A single-process server keeps them in memory
// instead (acme/nonce.h); see docs/storage.md.
class NonceStore {
 public:
  virtual ~NonceStore() = default;
  // InsertNonce records a fresh nonce, redeemable while now < expires. kConflict if it exists.
  virtual Result<void> InsertNonce(const std::string& value, UnixTime expires) = 0;
  // RedeemNonce deletes the nonce and returns true if it existed and had not expired at now; false
  // otherwise. Atomic across stores and nodes: of racing redeemers exactly one gets true.
  virtual Result<bool> RedeemNonce(const std::string& value, UnixTime now) = 0;
  // PurgeExpiredNonces deletes at most `limit` nonces with expires <= now (never redeemed) and
  // returns how many; bounded so one call never holds locks for long.
  virtual Result<int64_t> PurgeExpiredNonces(UnixTime now, int64_t limit) = 0;
};

// Store is every port together; backends implement it.
class Store : public AccountStore, public OrderStore, public CertStore, public CrlStore, public DeviceStore,
              public NonceStore {
 public:
  ~Store() override = default;
};

// SchemaVersion: a database's schema before and after opening or migrating, and the newest version
// this binary knows. Every backend refuses a database whose schema is newer than `known`.
struct SchemaVersion {
  int before = 0;
  int after = 0;
  int known = 0;
};

// OpenSqliteStore opens (creating if needed) the database at path and runs pending migrations.
// ":memory:" gives a private in-memory database (tests). The server's store (kServer) keeps the
// accounts, orders and authorizations it reads and writes in memory, and refuses to open while
// another server has the database (kConflict); CLI commands (kTool) run beside it.
enum class SqliteRole { kTool, kServer };
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, SqliteRole role = SqliteRole::kTool);
// MigrateSqlite applies the pending migrations of the database at path (`attestca migrate`).
Result<SchemaVersion> MigrateSqlite(const std::string& path);

// PostgresOptions: the server (a libpq URL; the password from the URL, PGPASSWORD or ~/.pgpass),
// the pool and the per-connection statement timeout (also the longest wait for a free connection).
struct PostgresOptions {
  std::string url;
  size_t pool_size = 8;
  uint32_t statement_timeout_ms = 10000;
};
// SchemaPolicy: whether opening may migrate. A server node only checks (kRequireCurrent): the
// operator runs `attestca migrate` once for the cluster.
enum class SchemaPolicy { kMigrate, kRequireCurrent };
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& o, SchemaPolicy policy);
// MigratePostgres applies the pending migrations (`attestca migrate`, `attestca init`).
Result<SchemaVersion> MigratePostgres(const PostgresOptions& o);
// RedactPostgresUrl hides the password of a URL for messages.
std::string RedactPostgresUrl(const std::string& url);

}  // namespace ca::storage

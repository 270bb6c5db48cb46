#pragma once
// CertTable: the certificate listing and the device-revocation transaction of the CertStore port for
// SQLite, on the connection (and under the mutex) SqliteStore owns.
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "core/cert_record.h"
#include "storage/store.h"

struct sqlite3;

namespace ca::storage::sqlite {

class Statement;
class StatementCache;

// The certificate columns, in the order ReadCertRow expects them.
extern const char* const kCertCols;
Result<core::CertRecord> ReadCertRow(const Statement& s);

class CertTable final {
 public:
  CertTable(sqlite3* db, std::mutex& mu, StatementCache& stmts) : db_(db), mu_(mu), stmts_(stmts) {}

  Result<std::vector<core::CertRecord>> List(const CertFilter& f);
  Result<DeviceRevocation> RevokeDevice(const std::string& device_id, int reason, UnixTime when);

 private:
  Result<std::vector<core::CertRecord>> ListLocked(const CertFilter& f);
  Result<DeviceRevocation> RevokeDeviceLocked(const std::string& device_id, int reason, UnixTime when);

  sqlite3* db_;
  std::mutex& mu_;
  StatementCache& stmts_;  // under mu_
};

}  // namespace ca::storage::sqlite

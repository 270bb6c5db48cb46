#include "storage/sqlite/statement.h"

#include <sqlite3.h>

namespace ca::storage::sqlite {

Result<Statement> Statement::Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK) {
    return Fail(Errc::kInternal, std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  return Statement(db, s);
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (home_ != nullptr) {
    home_->Return(std::move(sql_), stmt_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

StatementCache::~StatementCache() {
  for (auto& [sql, s] : idle_) sqlite3_finalize(s);
}

Result<Statement> StatementCache::Prepare(std::string_view sql) {
  std::string key(sql);
  sqlite3_stmt* s = nullptr;
  if (auto it = idle_.find(key); it != idle_.end()) {
    s = it->second;
    idle_.erase(it);
  } else if (sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &s,
                                nullptr) != SQLITE_OK) {
    return Fail(Errc::kInternal, std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  }
  Statement out(db_, s);
  out.home_ = this;
  out.sql_ = std::move(key);
  return out;
}

void StatementCache::Return(std::string sql, sqlite3_stmt* s) {
  // Reset ends any read the statement still holds, so no snapshot outlives the call (WAL checkpoints
  // and other processes' writes stay visible).
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (!idle_.emplace(std::move(sql), s).second) sqlite3_finalize(s);  // a second copy of a lent one
}

Statement& Statement::Bind(int i, std::string_view v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
    bind_failed_ = true;
  }
  return *this;
}

Statement& Statement::Bind(int i, int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) bind_failed_ = true;
  return *this;
}

Statement& Statement::BindBlob(int i, ByteView v) {
  if (sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) {
    bind_failed_ = true;
  }
  return *this;
}

Statement& Statement::BindOptional(int i, const std::optional<std::string>& v) {
  if (v) return Bind(i, *v);
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) bind_failed_ = true;
  return *this;
}

Statement& Statement::BindOptional(int i, const std::optional<int64_t>& v) {
  if (v) return Bind(i, *v);
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) bind_failed_ = true;
  return *this;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_failed_ = false;
}

Result<bool> Statement::Step() {
  if (bind_failed_) return Fail(Errc::kInternal, "sqlite bind failed");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Fail(Errc::kConflict, std::string("constraint: ") + sqlite3_errmsg(db_));
  return Fail(Errc::kInternal, std::string("sqlite step: ") + sqlite3_errmsg(db_));
}

Result<void> Statement::Run() {
  CA_TRY(bool row, Step());
  if (row) return Fail(Errc::kInternal, "sqlite: statement returned rows");
  return Ok();
}

std::string Statement::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

Bytes Statement::Blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? Bytes() : Bytes(p, p + n);
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::optional<std::string> Statement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<int64_t> Statement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

Result<void> Exec(sqlite3* db, std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown";
    sqlite3_free(err);
    return Fail(Errc::kInternal, "sqlite exec: " + msg);
  }
  return Ok();
}

int64_t Changes(sqlite3* db) { return sqlite3_changes(db); }

bool LastWasConstraint(sqlite3* db) { return (sqlite3_errcode(db) & 0xff) == SQLITE_CONSTRAINT; }

}  // namespace ca::storage::sqlite

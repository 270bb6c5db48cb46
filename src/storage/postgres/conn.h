#pragma once
// libpq behind RAII: one connection, the statements it has prepared (each once, on first use) and
// results. Values always travel as parameters (text, or binary for bytea), never inside SQL text.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"

struct pg_conn;
struct pg_result;

namespace ca::storage::pg {

// Query is one statement with a stable name; a connection prepares it under that name the first
// time it runs it and reuses the plan afterwards.
struct Query {
  const char* name;
  const char* sql;
};

// Params are a statement's parameters ($1, $2, ... in the order added).
class Params {
 public:
  Params& Text(std::string_view v);
  Params& Int(int64_t v);
  Params& Bool(bool v);
  Params& Bytea(ByteView v);  // sent in binary format: no escaping at all
  Params& OptText(const std::optional<std::string>& v);
  Params& OptInt(const std::optional<int64_t>& v);

 private:
  friend class Conn;
  void Add(std::string v, bool null, int format);
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> formats_;
};

// Rows owns a result (text format). Columns are read by index, in SELECT order.
class Rows {
 public:
  explicit Rows(pg_result* r);
  Rows(Rows&&) noexcept = default;
  Rows& operator=(Rows&&) noexcept = default;

  int Count() const;
  // Affected is the number of rows an INSERT/UPDATE/DELETE touched.
  int64_t Affected() const;
  bool IsNull(int row, int col) const;
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;  // BIGINT/INTEGER columns; kInternal-free: the schema types them
  bool Bool(int row, int col) const;
  Result<Bytes> Bytea(int row, int col) const;  // the hex text form, decoded
  std::optional<std::string> OptText(int row, int col) const;
  std::optional<int64_t> OptInt(int row, int col) const;

 private:
  friend class Conn;
  struct Free {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Free> r_;
};

// ConnOptions: how to reach the server. The URL may hold the password; it is never put in an error.
struct ConnOptions {
  std::string url;
  uint32_t statement_timeout_ms = 10000;
};

class Conn {
 public:
  static Result<std::unique_ptr<Conn>> Open(const ConnOptions& o);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Run executes q with p (preparing q on this connection first if needed).
  Result<Rows> Run(const Query& q, const Params& p = Params());
  // Exec runs parameterless SQL, possibly several statements (BEGIN, COMMIT, migrations).
  Result<void> Exec(const char* sql);
  // Usable: the connection is up and outside any transaction (may go back to the pool).
  bool Usable() const;

 private:
  explicit Conn(pg_conn* c) : c_(c) {}
  Error FailureOf(pg_result* r, const char* what) const;

  pg_conn* c_;
  std::set<std::string> prepared_;
};

// RedactUrl replaces the password of a postgresql:// URL (and a password= parameter) with "***",
// for messages and logs.
std::string RedactUrl(const std::string& url);

}  // namespace ca::storage::pg

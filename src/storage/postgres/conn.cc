#include "storage/postgres/conn.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/log.h"

namespace ca::storage::pg {

void Params::Add(std::string v, bool null, int format) {
  values_.push_back(std::move(v));
  null_.push_back(null);
  formats_.push_back(format);
}

Params& Params::Text(std::string_view v) {
  Add(std::string(v), false, 0);
  return *this;
}
Params& Params::Int(int64_t v) {
  Add(std::to_string(v), false, 0);
  return *this;
}
Params& Params::Bool(bool v) {
  Add(v ? "true" : "false", false, 0);
  return *this;
}
Params& Params::Bytea(ByteView v) {
  Add(std::string(reinterpret_cast<const char*>(v.data()), v.size()), false, 1);
  return *this;
}
Params& Params::OptText(const std::optional<std::string>& v) {
  Add(v.value_or(""), !v, 0);
  return *this;
}
Params& Params::OptInt(const std::optional<int64_t>& v) {
  Add(v ? std::to_string(*v) : "", !v, 0);
  return *this;
}

void Rows::Free::operator()(pg_result* r) const { PQclear(r); }

Rows::Rows(pg_result* r) : r_(r) {}

int Rows::Count() const { return PQntuples(r_.get()); }

int64_t Rows::Affected() const {
  const char* n = PQcmdTuples(r_.get());
  int64_t v = 0;
  std::from_chars(n, n + std::strlen(n), v);
  return v;
}

bool Rows::IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }

std::string Rows::Text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col)));
}

int64_t Rows::Int(int row, int col) const {
  const char* p = PQgetvalue(r_.get(), row, col);
  int64_t v = 0;
  std::from_chars(p, p + PQgetlength(r_.get(), row, col), v);
  return v;
}

bool Rows::Bool(int row, int col) const { return PQgetvalue(r_.get(), row, col)[0] == 't'; }

Result<Bytes> Rows::Bytea(int row, int col) const {
  size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &n);
  if (raw == nullptr) return Fail(Errc::kInternal, "postgres: cannot decode a bytea value");
  Bytes out(raw, raw + n);
  PQfreemem(raw);
  return out;
}

std::optional<std::string> Rows::OptText(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Text(row, col);
}

std::optional<int64_t> Rows::OptInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

namespace {

// Whole classes of SQLSTATE (https://www.postgresql.org/docs/15/errcodes-appendix.html).
bool ClassIs(const char* state, const char* cls) { return state != nullptr && std::strncmp(state, cls, 2) == 0; }

}  // namespace

Result<std::unique_ptr<Conn>> Conn::Open(const ConnOptions& o) {
  // expand_dbname: libpq parses the URL itself; the password comes from it, PGPASSWORD or ~/.pgpass.
  // Keywords before dbname are defaults the URL may override: connect_timeout bounds an attempt on an
  // unreachable server (the pool's wait does not). client_encoding comes after, so it always holds.
  const std::string connect_timeout = std::to_string(std::max<uint32_t>(5, o.statement_timeout_ms / 1000));
  const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {connect_timeout.c_str(), "attestca", o.url.c_str(), "UTF8", nullptr};
  pg_conn* c = PQconnectdbParams(keys, values, 1);
  if (c == nullptr) return Fail(Errc::kUnavailable, "postgres: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(c);
    return Fail(Errc::kUnavailable, "cannot connect to " + RedactUrl(o.url) + ": " + msg);
  }
  // Server NOTICEs ("relation already exists, skipping") are not for the operator's terminal.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  std::unique_ptr<Conn> conn(new Conn(c));
  // A runaway statement fails (kUnavailable) instead of holding a pooled connection for ever.
  static constexpr Query kTimeout{"attestca_set_timeout", "SELECT set_config('statement_timeout', $1, false)"};
  CA_RETURN_IF_ERROR(conn->Run(kTimeout, Params().Text(std::to_string(o.statement_timeout_ms))));
  return conn;
}

Conn::~Conn() { PQfinish(c_); }

Error Conn::FailureOf(pg_result* r, const char* what) const {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = primary != nullptr ? primary : PQerrorMessage(c_);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (ClassIs(state, "23")) return Error{Errc::kConflict, "constraint: " + msg, {}};
  // Timeouts, lost connections, exhausted server resources, serialization failures and deadlocks:
  // the request may succeed again; nothing is wrong with it. kUnavailable details reach ACME clients,
  // so they name the kind of trouble only; the server's own words go to the log.
  const char* kind = PQstatus(c_) != CONNECTION_OK || ClassIs(state, "08") ? "connection lost"
                     : state != nullptr && std::strcmp(state, "57014") == 0 ? "statement timeout"
                     : ClassIs(state, "57") ? "server shutting down"
                     : ClassIs(state, "53") ? "server out of resources"
                     : ClassIs(state, "40") ? "transaction conflict"
                                            : nullptr;
  if (kind != nullptr) {
    log::Warn("postgres {}: {} ({})", what, msg, state != nullptr ? state : "no SQLSTATE");
    return Error{Errc::kUnavailable, std::string("the database is unavailable (") + kind + "); try again later", {}};
  }
  return Error{Errc::kInternal, std::string("postgres ") + what + ": " + msg + (state ? std::string(" (") + state + ")" : ""), {}};
}

Result<Rows> Conn::Run(const Query& q, const Params& p) {
  if (!prepared_.count(q.name)) {
    Rows prep(PQprepare(c_, q.name, q.sql, 0, nullptr));
    if (PQresultStatus(prep.r_.get()) != PGRES_COMMAND_OK) {
      return tl::unexpected(FailureOf(prep.r_.get(), "prepare"));
    }
    prepared_.insert(q.name);
  }
  std::vector<const char*> values(p.values_.size());
  std::vector<int> lengths(p.values_.size());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = p.null_[i] ? nullptr : p.values_[i].data();
    lengths[i] = static_cast<int>(p.values_[i].size());
  }
  Rows rows(PQexecPrepared(c_, q.name, static_cast<int>(values.size()), values.data(), lengths.data(),
                           p.formats_.data(), 0));
  auto st = PQresultStatus(rows.r_.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return tl::unexpected(FailureOf(rows.r_.get(), "query"));
  return rows;
}

Result<void> Conn::Exec(const char* sql) {
  Rows r(PQexec(c_, sql));
  auto st = PQresultStatus(r.r_.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return tl::unexpected(FailureOf(r.r_.get(), "exec"));
  return Ok();
}

bool Conn::Usable() const { return PQstatus(c_) == CONNECTION_OK && PQtransactionStatus(c_) == PQTRANS_IDLE; }

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  // postgresql://user:secret@host/db: the password sits between the first ':' of the userinfo and '@'.
  if (auto scheme = out.find("://"); scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = out.find_first_of("/?", start);
    size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URL query parameter or a conninfo keyword.
  for (size_t pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
    size_t v = pos + std::strlen("password=");
    size_t end = out.find_first_of("& ", v);
    out.replace(v, (end == std::string::npos ? out.size() : end) - v, "***");
  }
  return out;
}

}  // namespace ca::storage::pg

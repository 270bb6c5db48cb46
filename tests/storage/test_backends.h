#pragma once
// The backends the storage conformance suite runs on: each test gets a fresh database of its own
// (SQLite: a temporary file; PostgreSQL: a schema of its own, so tests run in parallel on one server).
// PostgreSQL needs ATTESTCA_TEST_PG_URL; without it its tests skip, unless ATTESTCA_REQUIRE_PG=1
// (scripts/test sets it), which makes them fail instead.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <ostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/store.h"

namespace ca::storage::conformance {

// TestDb is one test's database; Open gives a new store instance on it (a second instance stands
// for another process or another node).
class TestDb {
 public:
  virtual ~TestDb() = default;
  virtual Result<std::unique_ptr<Store>> Open() = 0;
  // Exec runs SQL on a raw connection of its own, outside the store (set-up for failure tests).
  virtual bool Exec(const std::string& sql) = 0;
  // BreakDeviceUpdates makes every UPDATE of devices fail, as a crash or a full disk would.
  virtual bool BreakDeviceUpdates() = 0;
};

inline std::string UniqueTag() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 1000000);
}

// SqliteDb: with `server`, the first store opened is the server's (SqliteRole::kServer: it caches
// accounts, orders and authorizations) and the later ones stand for CLI commands beside it.
class SqliteDb final : public TestDb {
 public:
  explicit SqliteDb(bool server = false)
      : path_((std::filesystem::temp_directory_path() / ("attestca-conf-" + UniqueTag() + ".db")).string()),
        server_(server) {}
  ~SqliteDb() override {
    for (const char* suffix : {"", "-wal", "-shm", ".serve-lock"}) std::filesystem::remove(path_ + suffix);
  }
  Result<std::unique_ptr<Store>> Open() override {
    const bool first = opened_++ == 0;
    return OpenSqliteStore(path_, server_ && first ? SqliteRole::kServer : SqliteRole::kTool);
  }
  const std::string& path() const { return path_; }
  bool Exec(const std::string& sql) override {
    sqlite3* raw = nullptr;
    bool ok = sqlite3_open(path_.c_str(), &raw) == SQLITE_OK &&
              sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(raw);
    return ok;
  }
  bool BreakDeviceUpdates() override {
    return Exec("CREATE TRIGGER boom BEFORE UPDATE ON devices BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
  }

 private:
  std::string path_;
  bool server_;
  int opened_ = 0;
};

class PostgresDb final : public TestDb {
 public:
  // Creates schema t_<tag> on the server at url; the store's connections put it on their search_path.
  explicit PostgresDb(const std::string& url) : url_(url), schema_("t_" + UniqueTag()) {
    raw_ = PQconnectdb(url.c_str());
    ok_ = PQstatus(raw_) == CONNECTION_OK && Exec("CREATE SCHEMA " + schema_);
  }
  ~PostgresDb() override {
    if (ok_) Exec("DROP SCHEMA " + schema_ + " CASCADE");
    PQfinish(raw_);
  }
  bool ok() const { return ok_; }
  std::string Url() const {
    return url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
  }
  PostgresOptions Options() const {
    PostgresOptions o;
    o.url = Url();
    o.pool_size = 4;
    return o;
  }
  Result<std::unique_ptr<Store>> Open() override { return OpenPostgresStore(Options(), SchemaPolicy::kMigrate); }
  // The schema name is ours (digits and underscores), never a value from a test.
  bool Exec(const std::string& sql) override {
    std::string in_schema = "SET search_path TO " + schema_ + "; " + sql;
    PGresult* r = PQexec(raw_, in_schema.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) ADD_FAILURE() << "postgres: " << PQresultErrorMessage(r);
    PQclear(r);
    return ok;
  }
  bool BreakDeviceUpdates() override {
    return Exec(
        "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'disk full'; END$$;"
        "CREATE TRIGGER boom BEFORE UPDATE ON devices FOR EACH ROW EXECUTE FUNCTION boom();");
  }

 private:
  std::string url_;
  std::string schema_;
  PGconn* raw_ = nullptr;
  bool ok_ = false;
};

// PgUrl: the test server, or empty (then PostgreSQL tests skip, or fail under ATTESTCA_REQUIRE_PG=1).
inline std::string PgUrl() {
  const char* url = std::getenv("ATTESTCA_TEST_PG_URL");
  return url != nullptr ? url : "";
}
inline bool PgRequired() {
  const char* req = std::getenv("ATTESTCA_REQUIRE_PG");
  return req != nullptr && std::string(req) == "1";
}

struct Backend {
  std::string name;
  std::function<std::unique_ptr<TestDb>()> make;  // nullptr: not available here
};

inline std::vector<Backend> AllBackends() {
  return {
      {"Sqlite", [] { return std::unique_ptr<TestDb>(std::make_unique<SqliteDb>()); }},
      {"SqliteServer", [] { return std::unique_ptr<TestDb>(std::make_unique<SqliteDb>(true)); }},
      {"Postgres",
       []() -> std::unique_ptr<TestDb> {
         if (PgUrl().empty()) return nullptr;
         auto db = std::make_unique<PostgresDb>(PgUrl());
         if (!db->ok()) return nullptr;
         return db;
       }},
  };
}

// PrintTo names the backend in gtest's messages (instead of the struct's bytes).
inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

// StoreTest: a conformance test on one backend. store() is the first instance; OpenAnother() gives
// more on the same database.
class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = GetParam().make();
    if (!db_) {
      if (PgRequired()) {
        FAIL() << GetParam().name << " is required (ATTESTCA_REQUIRE_PG=1) but unavailable: is ATTESTCA_TEST_PG_URL ("
               << PgUrl() << ") set and the server up?";
      }
      GTEST_SKIP() << GetParam().name << " unavailable: set ATTESTCA_TEST_PG_URL to run these tests";
    }
    auto s = db_->Open();
    ASSERT_TRUE(s) << s.error().detail;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    others_.clear();
    db_.reset();
  }
  Store* store() { return store_.get(); }
  Store* OpenAnother() {
    auto s = db_->Open();
    EXPECT_TRUE(s) << (s ? "" : s.error().detail);
    if (!s) return nullptr;
    others_.push_back(std::move(*s));
    return others_.back().get();
  }
  TestDb& db() { return *db_; }

 private:
  std::unique_ptr<TestDb> db_;
  std::unique_ptr<Store> store_;
  std::vector<std::unique_ptr<Store>> others_;
};

}  // namespace ca::storage::conformance

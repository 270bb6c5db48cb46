// What only the PostgreSQL backend has: URL redaction, connection errors without the password, the
// connection pool, and schema checks on open (a node never migrates; `attestca migrate` does).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "storage/postgres/pool.h"
#include "storage/store.h"
#include "storage/test_backends.h"

namespace ca::storage {
namespace {

using conformance::PgRequired;
using conformance::PgUrl;
using conformance::PostgresDb;

TEST(PgUrl, RedactsThePassword) {
  EXPECT_EQ(RedactPostgresUrl("postgresql://ca:s3cret@db.example:5432/attestca"),
            "postgresql://ca:***@db.example:5432/attestca");
  EXPECT_EQ(RedactPostgresUrl("postgres://ca:p%40ss@db/attestca?sslmode=require"),
            "postgres://ca:***@db/attestca?sslmode=require");
  EXPECT_EQ(RedactPostgresUrl("postgresql://ca@db/attestca?password=s3cret&sslmode=verify-full"),
            "postgresql://ca@db/attestca?password=***&sslmode=verify-full");
  EXPECT_EQ(RedactPostgresUrl("postgresql://db/attestca"), "postgresql://db/attestca");
  EXPECT_EQ(RedactPostgresUrl("host=db password=s3cret dbname=x"), "host=db password=*** dbname=x");
}

// No server needed: nothing listens on port 1.
TEST(PgConnect, FailureIsUnavailableAndNeverShowsThePassword) {
  PostgresOptions o;
  o.url = "postgresql://ca:s3cret-pw@127.0.0.1:1/attestca?connect_timeout=2";
  auto s = OpenPostgresStore(o, SchemaPolicy::kRequireCurrent);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnavailable);
  EXPECT_EQ(s.error().detail.find("s3cret-pw"), std::string::npos) << s.error().detail;
  EXPECT_NE(s.error().detail.find("ca:***@127.0.0.1:1"), std::string::npos) << s.error().detail;
}

class PgOnly : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PgUrl().empty()) {
      if (PgRequired()) FAIL() << "ATTESTCA_REQUIRE_PG=1 but ATTESTCA_TEST_PG_URL is unset";
      GTEST_SKIP() << "set ATTESTCA_TEST_PG_URL to run the PostgreSQL tests";
    }
    db_ = std::make_unique<PostgresDb>(PgUrl());
    ASSERT_TRUE(db_->ok()) << "cannot reach " << RedactPostgresUrl(PgUrl());
  }
  std::unique_ptr<PostgresDb> db_;
};

TEST_F(PgOnly, PoolBlocksWhenExhaustedAndTimesOut) {
  pg::PoolOptions o;
  o.conn.url = db_->Url();
  o.size = 1;
  o.acquire_timeout = std::chrono::milliseconds(200);
  auto pool = pg::Pool::Open(o);
  ASSERT_TRUE(pool) << pool.error().detail;
  {
    auto held = (*pool)->Acquire();
    ASSERT_TRUE(held);
    auto second = (*pool)->Acquire();  // the only connection is out: waits, then gives up
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, Errc::kUnavailable);
    EXPECT_NE(second.error().detail.find("busy"), std::string::npos) << second.error().detail;
  }
  // Given back: the next caller gets it; a waiter is woken when it comes back.
  auto again = (*pool)->Acquire();
  ASSERT_TRUE(again);
  o.acquire_timeout = std::chrono::milliseconds(30000);
  auto patient = pg::Pool::Open(o);
  ASSERT_TRUE(patient);
  auto first = std::make_unique<pg::Pool::Lease>(*(*patient)->Acquire());
  std::thread giver([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first.reset();
  });
  auto woken = (*patient)->Acquire();
  giver.join();
  EXPECT_TRUE(woken) << (woken ? "" : woken.error().detail);
}

// A lease given back inside a transaction (a bug) is rolled back, not handed to the next caller.
TEST_F(PgOnly, PoolNeverReusesAConnectionInsideATransaction) {
  pg::PoolOptions o;
  o.conn.url = db_->Url();
  o.size = 1;
  auto pool = pg::Pool::Open(o);
  ASSERT_TRUE(pool);
  {
    auto c = (*pool)->Acquire();
    ASSERT_TRUE(c);
    ASSERT_TRUE((**c).Exec("BEGIN"));
    ASSERT_TRUE((**c).Exec("CREATE TABLE leaked (x INTEGER)"));
  }
  auto c = (*pool)->Acquire();
  ASSERT_TRUE(c);
  EXPECT_TRUE((**c).Usable());
  static constexpr pg::Query kLeaked{"leaked", "SELECT to_regclass('leaked') IS NULL"};
  auto r = (**c).Run(kLeaked);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->Bool(0, 0));  // the CREATE TABLE was rolled back
}

TEST_F(PgOnly, StatementTimeoutFailsAsUnavailable) {
  pg::ConnOptions o;
  o.url = db_->Url();
  o.statement_timeout_ms = 100;
  auto c = pg::Conn::Open(o);
  ASSERT_TRUE(c) << c.error().detail;
  static constexpr pg::Query kSleep{"sleep", "SELECT pg_sleep(5)"};
  auto r = (*c)->Run(kSleep);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnavailable);
  EXPECT_NE(r.error().detail.find("statement timeout"), std::string::npos) << r.error().detail;
}

// A node opens with kRequireCurrent: an empty or older schema is refused with what to do.
TEST_F(PgOnly, NodeRefusesAnUnmigratedSchemaUntilMigrate) {
  auto stale = OpenPostgresStore(db_->Options(), SchemaPolicy::kRequireCurrent);
  ASSERT_FALSE(stale);
  EXPECT_NE(stale.error().detail.find("attestca migrate"), std::string::npos) << stale.error().detail;

  auto v = MigratePostgres(db_->Options());
  ASSERT_TRUE(v) << v.error().detail;
  EXPECT_EQ(v->before, 0);
  EXPECT_EQ(v->after, v->known);
  EXPECT_GE(v->known, 5);
  auto again = MigratePostgres(db_->Options());  // nothing left to do
  ASSERT_TRUE(again);
  EXPECT_EQ(again->before, again->known);
  EXPECT_EQ(again->after, again->known);

  auto node = OpenPostgresStore(db_->Options(), SchemaPolicy::kRequireCurrent);
  ASSERT_TRUE(node) << node.error().detail;
  EXPECT_TRUE((*node)->ListDevices(std::nullopt));
}

// Several nodes starting `attestca migrate` at once apply each migration once.
TEST_F(PgOnly, ConcurrentMigrationsApplyEachOnce) {
  std::vector<std::thread> nodes;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    nodes.emplace_back([&] {
      if (!MigratePostgres(db_->Options())) ++failures;
    });
  }
  for (auto& t : nodes) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(db_->Exec("DO $$ BEGIN IF (SELECT count(*) FROM schema_migrations) <> (SELECT count(DISTINCT version) "
                        "FROM schema_migrations) THEN RAISE EXCEPTION 'duplicate'; END IF; END $$"));
  auto node = OpenPostgresStore(db_->Options(), SchemaPolicy::kRequireCurrent);
  EXPECT_TRUE(node) << (node ? "" : node.error().detail);
}

}  // namespace
}  // namespace ca::storage

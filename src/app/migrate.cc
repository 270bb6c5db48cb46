// `attestca migrate`: applies the pending schema migrations of the configured database (SQLite or
// PostgreSQL). Run it once per cluster before starting upgraded nodes; it refuses a database whose
// schema is newer than this binary knows.
#include <cstdio>

#include "app/cli_store.h"
#include "app/commands.h"
#include "config/config.h"
#include "storage/store.h"

namespace ca::app {

int RunMigrate(const MigrateArgs& a) {
  auto cfg = config::LoadConfig(a.config);
  if (!cfg) {
    std::fprintf(stderr, "attestca: config errors:\n%s\n", cfg.error().detail.c_str());
    return 2;
  }
  const bool pg = cfg->database.backend == "postgres";
  const std::string where =
      pg ? storage::RedactPostgresUrl(cfg->database.url) : cfg->Path(cfg->database.path);
  auto v = pg ? storage::MigratePostgres(PostgresOptionsFor(cfg->database))
              : storage::MigrateSqlite(cfg->Path(cfg->database.path));
  if (!v) {
    std::fprintf(stderr, "attestca migrate: %s: %s\n", where.c_str(), v.error().detail.c_str());
    return 1;
  }
  if (v->before == v->after) {
    std::printf("%s: schema at version %d, up to date\n", where.c_str(), v->after);
  } else {
    std::printf("%s: schema migrated from version %d to %d\n", where.c_str(), v->before, v->after);
  }
  return 0;
}

}  // namespace ca::app

#include "app/cli_store.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>

#include "config/config.h"

namespace ca::app {

storage::PostgresOptions PostgresOptionsFor(const config::DatabaseConfig& db) {
  storage::PostgresOptions o;
  o.url = db.url;
  o.pool_size = db.pool_size;
  o.statement_timeout_ms = db.statement_timeout_s * 1000;
  return o;
}

Result<std::unique_ptr<storage::Store>> OpenConfiguredStore(const config::Config& cfg, storage::SchemaPolicy policy,
                                                            storage::SqliteRole sqlite_role) {
  if (cfg.database.backend == "postgres") return storage::OpenPostgresStore(PostgresOptionsFor(cfg.database), policy);
  return storage::OpenSqliteStore(cfg.Path(cfg.database.path), sqlite_role);
}

std::unique_ptr<storage::Store> OpenStore(const std::string& config_path, const std::string& cmd, int* rc) {
  auto cfg = config::LoadConfig(config_path);
  if (!cfg) {
    std::fprintf(stderr, "attestca: config errors:\n%s\n", cfg.error().detail.c_str());
    *rc = 2;
    return nullptr;
  }
  auto store = OpenConfiguredStore(*cfg, storage::SchemaPolicy::kRequireCurrent);
  if (!store) {
    std::fprintf(stderr, "attestca %s: %s\n", cmd.c_str(), store.error().detail.c_str());
    *rc = 1;
    return nullptr;
  }
  return std::move(*store);
}

revocation::Actor CliActor() {
  revocation::Actor who;
  who.kind = "cli";
  who.authority = revocation::Authority::kOperator;
  // The real uid, not $USER: an audit line should not be whatever the environment says.
  const passwd* pw = getpwuid(getuid());
  who.id = pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : "uid " + std::to_string(getuid());
  return who;
}

}  // namespace ca::app

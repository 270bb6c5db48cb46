#pragma once
// What the CLI commands that work on the database share: opening the store named by --config, and
// naming the operator in audit lines.
#include <memory>
#include <string>

#include "config/config.h"
#include "revocation/revoker.h"
#include "storage/store.h"

namespace ca::app {

// OpenConfiguredStore opens the backend the config names ([storage]). SQLite migrates on open (one
// process owns the file); PostgreSQL is shared by nodes, so only `attestca migrate`/`init` migrate it
// and everything else (kRequireCurrent) refuses a schema that is not exactly this binary's. `serve`
// opens a SQLite database as its server (storage::SqliteRole::kServer); the CLI as a tool.
Result<std::unique_ptr<storage::Store>> OpenConfiguredStore(
    const config::Config& cfg, storage::SchemaPolicy policy,
    storage::SqliteRole sqlite_role = storage::SqliteRole::kTool);
// PostgresOptionsFor: the [storage] keys as the PostgreSQL backend takes them.
storage::PostgresOptions PostgresOptionsFor(const config::DatabaseConfig& db);

// OpenStore loads the config and opens its database; on failure prints why ("attestca CMD: ...")
// and sets *rc (2 config error, 1 database error).
std::unique_ptr<storage::Store> OpenStore(const std::string& config_path, const std::string& cmd, int* rc);

// CliActor is the operator at the terminal: kind "cli", id the OS user name.
revocation::Actor CliActor();

}  // namespace ca::app

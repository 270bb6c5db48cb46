#pragma once
// Applying and checking the PostgreSQL schema (migrations.cc) on one connection.
#include "common/result.h"
#include "storage/postgres/conn.h"
#include "storage/store.h"

namespace ca::storage::pg {

// ReadSchemaVersion: the highest applied migration (0 for an empty database).
Result<int> ReadSchemaVersion(Conn& c);
// ApplyMigrations applies the pending migrations, each in its own transaction under an advisory
// lock (several nodes starting at once apply each migration once). Refuses a newer schema.
Result<SchemaVersion> ApplyMigrations(Conn& c);
// CheckSchema fails unless the database is at exactly this binary's version.
Result<SchemaVersion> CheckSchema(Conn& c);

}  // namespace ca::storage::pg

#pragma once
// Numbered schema migrations for PostgreSQL: the same versions and names as SQLite's, in PostgreSQL's
// types (BIGINT Unix seconds, BOOLEAN, BYTEA, TEXT COLLATE "C" so that comparisons and ORDER BY are
// octet for octet, as SQLite's BINARY collation).
#include <vector>

#include "storage/migration.h"

namespace ca::storage::pg {

const std::vector<Migration>& Migrations();

}  // namespace ca::storage::pg

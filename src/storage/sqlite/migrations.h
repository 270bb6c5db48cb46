#pragma once
// Numbered schema migrations for SQLite, applied in order at start inside one transaction each.
#include <vector>

#include "storage/migration.h"

namespace ca::storage::sqlite {

const std::vector<Migration>& Migrations();

}  // namespace ca::storage::sqlite

#pragma once
// Numbered schema migrations for SQLite, applied in order at start inside one transaction each.
#include <string_view>
#include <vector>

namespace ca::storage::sqlite {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& Migrations();

}  // namespace ca::storage::sqlite

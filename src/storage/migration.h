#pragma once
// Migration: one numbered schema step. Each backend lists its own SQL under the same versions and
// names (sqlite/migrations.cc, postgres/migrations.cc), recorded in its schema_migrations table.
#include <string_view>

namespace ca::storage {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

}  // namespace ca::storage

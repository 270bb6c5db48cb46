#include "storage/postgres/schema.h"

#include <string>

#include "storage/postgres/migrations.h"

namespace ca::storage::pg {
namespace {

int KnownVersion() { return Migrations().empty() ? 0 : Migrations().back().version; }

Error Newer(int have, int known) {
  return Error{Errc::kInternal,
               "the database schema is at version " + std::to_string(have) + ", newer than this attestca knows (" +
                   std::to_string(known) + "): run a newer attestca (refusing to touch it)",
               {}};
}

constexpr Query kHasTable{"schema_has_table", "SELECT to_regclass('schema_migrations') IS NOT NULL"};
constexpr Query kMaxVersion{"schema_max_version", "SELECT coalesce(max(version), 0) FROM schema_migrations"};
// One lock a schema: nodes sharing a database serialise here; tests in other schemas do not wait.
constexpr Query kLock{"schema_lock",
                      "SELECT pg_advisory_xact_lock(hashtext('attestca migrations ' || coalesce(current_schema(), '')))"};
constexpr Query kRecord{"schema_record",
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES ($1::integer, $2::text, extract(epoch from now())::bigint)"};

// ApplyOne runs inside the caller's transaction: returns whether it applied m.
Result<bool> ApplyOne(Conn& c, const Migration& m) {
  CA_RETURN_IF_ERROR(c.Run(kLock));
  CA_RETURN_IF_ERROR(c.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL)"));
  CA_TRY(auto max, c.Run(kMaxVersion));
  int have = static_cast<int>(max.Int(0, 0));
  if (have > KnownVersion()) return tl::unexpected(Newer(have, KnownVersion()));
  if (have >= m.version) return false;
  std::string sql(m.sql);
  auto applied = c.Exec(sql.c_str());
  if (!applied) {
    return Fail(Errc::kInternal, "migration " + std::string(m.name) + " failed: " + applied.error().detail);
  }
  CA_RETURN_IF_ERROR(c.Run(kRecord, Params().Int(m.version).Text(m.name)));
  return true;
}

}  // namespace

Result<int> ReadSchemaVersion(Conn& c) {
  CA_TRY(auto has, c.Run(kHasTable));
  if (!has.Bool(0, 0)) return 0;
  CA_TRY(auto max, c.Run(kMaxVersion));
  return static_cast<int>(max.Int(0, 0));
}

Result<SchemaVersion> ApplyMigrations(Conn& c) {
  SchemaVersion v;
  v.known = KnownVersion();
  CA_TRY(v.before, ReadSchemaVersion(c));
  if (v.before > v.known) return tl::unexpected(Newer(v.before, v.known));
  for (const auto& m : Migrations()) {
    if (m.version <= v.before) continue;
    CA_RETURN_IF_ERROR(c.Exec("BEGIN"));
    auto r = ApplyOne(c, m);
    if (!r) {
      (void)c.Exec("ROLLBACK");
      return tl::unexpected(std::move(r).error());
    }
    CA_RETURN_IF_ERROR(c.Exec("COMMIT"));
  }
  CA_TRY(v.after, ReadSchemaVersion(c));
  return v;
}

Result<SchemaVersion> CheckSchema(Conn& c) {
  SchemaVersion v;
  v.known = KnownVersion();
  CA_TRY(v.before, ReadSchemaVersion(c));
  v.after = v.before;
  if (v.before > v.known) return tl::unexpected(Newer(v.before, v.known));
  if (v.before < v.known) {
    return Fail(Errc::kInternal, "the database schema is at version " + std::to_string(v.before) +
                                     ", this attestca needs version " + std::to_string(v.known) +
                                     ": run `attestca migrate --config FILE` first");
  }
  return v;
}

}  // namespace ca::storage::pg

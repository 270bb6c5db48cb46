#include "storage/sqlite/device_table.h"

#include "storage/sqlite/statement.h"

namespace ca::storage::sqlite {
namespace {

constexpr const char* kDeviceCols = "id, type, identifier, owner, note, state, created_at, updated_at";

std::string Sql(const char* head, const char* tail) { return std::string(head) + kDeviceCols + tail; }

Result<core::Device> ReadDevice(const Statement& s) {
  core::Device d;
  d.id = s.Text(0);
  d.type = s.Text(1);
  d.identifier = s.Text(2);
  d.owner = s.Text(3);
  d.note = s.Text(4);
  auto st = core::DeviceStateFrom(s.Text(5));
  if (!st) return Fail(Errc::kInternal, "stored device state is corrupt");
  d.state = *st;
  d.created_at = s.Int(6);
  d.updated_at = s.Int(7);
  return d;
}

}  // namespace

Result<void> DeviceTable::InsertLocked(const core::Device& d) {
  CA_TRY(auto s, stmts_.Prepare(Sql("INSERT INTO devices (", ") VALUES (?,?,?,?,?,?,?,?)")));
  s.Bind(1, d.id).Bind(2, d.type).Bind(3, d.identifier).Bind(4, d.owner).Bind(5, d.note);
  s.Bind(6, core::ToString(d.state)).Bind(7, d.created_at).Bind(8, d.updated_at);
  auto r = s.Run();
  if (!r && r.error().code == Errc::kConflict) {
    return Fail(Errc::kConflict, "device " + d.type + " \"" + d.identifier + "\" is already in the inventory");
  }
  return r;
}

Result<void> DeviceTable::Create(const core::Device& d) {
  std::lock_guard lock(mu_);
  return InsertLocked(d);
}

Result<void> DeviceTable::CreateAll(const std::vector<core::Device>& ds) {
  std::lock_guard lock(mu_);
  CA_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  for (const auto& d : ds) {
    auto r = InsertLocked(d);
    if (!r) {
      (void)Exec(db_, "ROLLBACK");
      return r;
    }
  }
  auto c = Exec(db_, "COMMIT");
  if (!c) (void)Exec(db_, "ROLLBACK");
  return c;
}

Result<core::Device> DeviceTable::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  CA_TRY(auto s, stmts_.Prepare(Sql("SELECT ", " FROM devices WHERE id = ?")));
  s.Bind(1, id);
  CA_TRY(bool row, s.Step());
  if (!row) return Fail(Errc::kNotFound, "device " + id + " not found");
  return ReadDevice(s);
}

Result<std::optional<core::Device>> DeviceTable::FindByIdentifier(const std::string& type,
                                                                  const std::string& identifier) {
  std::lock_guard lock(mu_);
  CA_TRY(auto s, stmts_.Prepare(Sql("SELECT ", " FROM devices WHERE type = ? AND identifier = ?")));
  s.Bind(1, type).Bind(2, identifier);
  CA_TRY(bool row, s.Step());
  if (!row) return std::optional<core::Device>();
  CA_TRY(auto d, ReadDevice(s));
  return std::optional<core::Device>(std::move(d));
}

Result<std::vector<core::Device>> DeviceTable::List(std::optional<core::DeviceState> state) {
  std::lock_guard lock(mu_);
  const char* where = state ? " FROM devices WHERE state = ? ORDER BY created_at, identifier, id"
                            : " FROM devices ORDER BY created_at, identifier, id";
  CA_TRY(auto s, stmts_.Prepare(Sql("SELECT ", where)));
  if (state) s.Bind(1, core::ToString(*state));
  std::vector<core::Device> out;
  while (true) {
    CA_TRY(bool row, s.Step());
    if (!row) break;
    CA_TRY(auto d, ReadDevice(s));
    out.push_back(std::move(d));
  }
  return out;
}

Result<void> DeviceTable::SetState(const std::string& id, core::DeviceState state, UnixTime now) {
  std::lock_guard lock(mu_);
  CA_TRY(auto s, stmts_.Prepare("UPDATE devices SET state = ?1, updated_at = ?2 "
                                "WHERE id = ?3 AND (state <> 'revoked' OR ?1 = 'revoked')"));
  s.Bind(1, core::ToString(state)).Bind(2, now).Bind(3, id);
  CA_RETURN_IF_ERROR(s.Run());
  if (Changes(db_) == 1) return Ok();
  CA_TRY(auto q, stmts_.Prepare("SELECT 1 FROM devices WHERE id = ?"));
  q.Bind(1, id);
  CA_TRY(bool exists, q.Step());
  if (!exists) return Fail(Errc::kNotFound, "device " + id + " not found");
  return Fail(Errc::kConflict, "device " + id + " is revoked; a revoked device cannot be made " +
                                   core::ToString(state));
}

}  // namespace ca::storage::sqlite

#include "storage/sqlite/cert_table.h"

#include "storage/model.h"
#include "storage/sqlite/statement.h"

namespace ca::storage::sqlite {

const char* const kCertCols =
    "id, serial, account_id, order_id, provisioner, der, chain_pem, not_before, not_after, spki_sha256, "
    "identifiers, revoked_at, revocation_reason, attestation";

Result<core::CertRecord> ReadCertRow(const Statement& s) {
  core::CertRecord c;
  c.id = s.Text(0);
  c.serial_hex = s.Text(1);
  c.account_id = s.Text(2);
  c.order_id = s.Text(3);
  c.provisioner = s.Text(4);
  c.der = s.Blob(5);
  c.chain_pem = s.Text(6);
  c.not_before = s.Int(7);
  c.not_after = s.Int(8);
  c.spki_sha256_hex = s.Text(9);
  CA_TRY(c.identifiers, IdentifiersFromJson(s.Text(10)));
  c.revoked_at = s.OptInt(11);
  c.revocation_reason = static_cast<int>(s.Int(12));
  c.attestation = s.OptText(13);
  return c;
}

namespace {

// Named parameters: ?1 status, ?2 now, ?3 device id, ?4 serial. A NULL parameter matches everything.
// A device's certificates are those whose evidence names it (migration 0005 indexes that) and those
// whose identifiers hold its (type, identifier) pair: certificates issued with inventory = "off".
constexpr const char* kWhere = R"sql(
 WHERE (?1 IS NULL
        OR (?1 = 'revoked' AND revoked_at IS NOT NULL)
        OR (?1 = 'valid' AND revoked_at IS NULL AND not_after > ?2)
        OR (?1 = 'expired' AND revoked_at IS NULL AND not_after <= ?2))
   AND (?3 IS NULL
        OR json_extract(attestation, '$.device_id') = ?3
        OR EXISTS (SELECT 1 FROM devices d, json_each(certificates.identifiers) i
                    WHERE d.id = ?3 AND json_extract(i.value, '$.type') = d.type
                      AND json_extract(i.value, '$.value') = d.identifier))
   AND (?4 IS NULL OR serial = ?4)
)sql";

void BindFilter(Statement& s, const CertFilter& f) {
  s.BindOptional(1, f.status ? std::optional<std::string>(ToString(*f.status)) : std::nullopt);
  s.Bind(2, f.now);
  s.BindOptional(3, f.device_id);
  s.BindOptional(4, f.serial_hex);
}

}  // namespace

Result<std::vector<core::CertRecord>> CertTable::List(const CertFilter& f) {
  std::lock_guard lock(mu_);
  return ListLocked(f);
}

Result<std::vector<core::CertRecord>> CertTable::ListLocked(const CertFilter& f) {
  CA_TRY(auto s, stmts_.Prepare(std::string("SELECT ") + kCertCols + " FROM certificates" + kWhere +
                                " ORDER BY not_before DESC, serial LIMIT ?5"));
  BindFilter(s, f);
  s.Bind(5, static_cast<int64_t>(f.limit));
  std::vector<core::CertRecord> out;
  while (true) {
    CA_TRY(bool row, s.Step());
    if (!row) break;
    CA_TRY(auto c, ReadCertRow(s));
    out.push_back(std::move(c));
  }
  return out;
}

Result<DeviceRevocation> CertTable::RevokeDevice(const std::string& device_id, int reason, UnixTime when) {
  std::lock_guard lock(mu_);
  CA_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  auto r = RevokeDeviceLocked(device_id, reason, when);
  if (!r) {
    (void)Exec(db_, "ROLLBACK");
    return r;
  }
  auto c = Exec(db_, "COMMIT");
  if (!c) {
    (void)Exec(db_, "ROLLBACK");
    return tl::unexpected(c.error());
  }
  return r;
}

// RevokeDeviceLocked runs inside the caller's transaction: certificates first, then the device, so
// that a failure anywhere rolls back both.
Result<DeviceRevocation> CertTable::RevokeDeviceLocked(const std::string& device_id, int reason, UnixTime when) {
  DeviceRevocation out;
  {
    CA_TRY(auto q, stmts_.Prepare("SELECT type, identifier, state FROM devices WHERE id = ?"));
    q.Bind(1, device_id);
    CA_TRY(bool row, q.Step());
    if (!row) return Fail(Errc::kNotFound, "device " + device_id + " not found");
    out.device.id = device_id;
    out.device.type = q.Text(0);
    out.device.identifier = q.Text(1);
    auto st = core::DeviceStateFrom(q.Text(2));
    if (!st) return Fail(Errc::kInternal, "stored device state is corrupt");
    out.device.state = *st;
  }
  CertFilter f;
  f.device_id = device_id;
  f.limit = static_cast<size_t>(INT64_MAX);
  CA_TRY(auto all, ListLocked(f));
  for (auto& c : all) {
    if (c.revoked_at) continue;
    CA_TRY(auto u, stmts_.Prepare("UPDATE certificates SET revoked_at = ?, revocation_reason = ? "
                                  "WHERE id = ? AND revoked_at IS NULL"));
    u.Bind(1, when).Bind(2, int64_t{reason}).Bind(3, c.id);
    CA_RETURN_IF_ERROR(u.Run());
    c.revoked_at = when;
    c.revocation_reason = reason;
    out.revoked.push_back(std::move(c));
  }
  CA_TRY(auto d, stmts_.Prepare("UPDATE devices SET state = 'revoked', updated_at = ? WHERE id = ?"));
  d.Bind(1, when).Bind(2, device_id);
  CA_RETURN_IF_ERROR(d.Run());
  return out;
}

}  // namespace ca::storage::sqlite

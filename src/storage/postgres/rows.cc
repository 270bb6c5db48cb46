#include "storage/postgres/rows.h"

#include "storage/model.h"

namespace ca::storage::pg {

Result<core::Account> ReadAccount(const Rows& r, int row) {
  core::Account a;
  a.id = r.Text(row, 0);
  a.provisioner = r.Text(row, 1);
  std::string st = r.Text(row, 2);
  a.status = st == "valid" ? core::AccountStatus::kValid
             : st == "deactivated" ? core::AccountStatus::kDeactivated
                                   : core::AccountStatus::kRevoked;
  a.jwk_json = r.Text(row, 3);
  a.thumbprint = r.Text(row, 4);
  CA_TRY(a.contact, StringsFromJson(r.Text(row, 5)));
  a.tos_agreed = r.Bool(row, 6);
  a.eab_kid = r.OptText(row, 7);
  a.created_at = r.Int(row, 8);
  return a;
}

Result<core::Order> ReadOrder(const Rows& r, int row) {
  core::Order o;
  o.id = r.Text(row, 0);
  o.account_id = r.Text(row, 1);
  o.provisioner = r.Text(row, 2);
  auto st = core::OrderStatusFrom(r.Text(row, 3));
  if (!st) return Fail(Errc::kInternal, "stored order status is corrupt");
  o.status = *st;
  CA_TRY(o.identifiers, IdentifiersFromJson(r.Text(row, 4)));
  CA_TRY(o.authz_ids, StringsFromJson(r.Text(row, 5)));
  o.expires = r.Int(row, 6);
  o.not_before = r.OptInt(row, 7);
  o.not_after = r.OptInt(row, 8);
  o.error = r.OptText(row, 9);
  o.cert_id = r.OptText(row, 10);
  o.created_at = r.Int(row, 11);
  return o;
}

Result<core::Authz> ReadAuthz(const Rows& r, int row) {
  core::Authz a;
  a.id = r.Text(row, 0);
  a.order_id = r.Text(row, 1);
  a.account_id = r.Text(row, 2);
  a.identifier = {r.Text(row, 3), r.Text(row, 4)};
  a.wildcard = r.Bool(row, 5);
  auto st = core::AuthzStatusFrom(r.Text(row, 6));
  if (!st) return Fail(Errc::kInternal, "stored authz status is corrupt");
  a.status = *st;
  a.expires = r.Int(row, 7);
  CA_TRY(a.challenges, ChallengesFromJson(r.Text(row, 8)));
  return a;
}

Result<core::CertRecord> ReadCert(const Rows& r, int row) {
  core::CertRecord c;
  c.id = r.Text(row, 0);
  c.serial_hex = r.Text(row, 1);
  c.account_id = r.Text(row, 2);
  c.order_id = r.Text(row, 3);
  c.provisioner = r.Text(row, 4);
  CA_TRY(c.der, r.Bytea(row, 5));
  c.chain_pem = r.Text(row, 6);
  c.not_before = r.Int(row, 7);
  c.not_after = r.Int(row, 8);
  c.spki_sha256_hex = r.Text(row, 9);
  CA_TRY(c.identifiers, IdentifiersFromJson(r.Text(row, 10)));
  c.revoked_at = r.OptInt(row, 11);
  c.revocation_reason = static_cast<int>(r.Int(row, 12));
  c.attestation = r.OptText(row, 13);
  return c;
}

Result<core::Device> ReadDevice(const Rows& r, int row) {
  core::Device d;
  d.id = r.Text(row, 0);
  d.type = r.Text(row, 1);
  d.identifier = r.Text(row, 2);
  d.owner = r.Text(row, 3);
  d.note = r.Text(row, 4);
  auto st = core::DeviceStateFrom(r.Text(row, 5));
  if (!st) return Fail(Errc::kInternal, "stored device state is corrupt");
  d.state = *st;
  d.created_at = r.Int(row, 6);
  d.updated_at = r.Int(row, 7);
  return d;
}

}  // namespace ca::storage::pg

#pragma once
// Row -> domain readers for PgStore (the same columns, in the same order, as SQLite's).
#include "common/result.h"
#include "core/account.h"
#include "core/cert_record.h"
#include "core/device.h"
#include "core/order.h"
#include "storage/postgres/conn.h"

namespace ca::storage::pg {

// Column lists as literals, so that queries.h can paste them into constexpr SQL.
#define CA_PG_ACCOUNT_COLS "id, provisioner, status, jwk, thumbprint, contact, tos_agreed, eab_kid, created_at"
#define CA_PG_ORDER_COLS                                                                                \
  "id, account_id, provisioner, status, identifiers, authz_ids, expires, not_before, not_after, error, " \
  "cert_id, created_at"
#define CA_PG_AUTHZ_COLS \
  "id, order_id, account_id, identifier_type, identifier_value, wildcard, status, expires, challenges"
#define CA_PG_CERT_COLS                                                                                    \
  "id, serial, account_id, order_id, provisioner, der, chain_pem, not_before, not_after, spki_sha256, " \
  "identifiers, revoked_at, revocation_reason, attestation"
#define CA_PG_DEVICE_COLS "id, type, identifier, owner, note, state, created_at, updated_at"

Result<core::Account> ReadAccount(const Rows& r, int row);
Result<core::Order> ReadOrder(const Rows& r, int row);
Result<core::Authz> ReadAuthz(const Rows& r, int row);
Result<core::CertRecord> ReadCert(const Rows& r, int row);
Result<core::Device> ReadDevice(const Rows& r, int row);

}  // namespace ca::storage::pg

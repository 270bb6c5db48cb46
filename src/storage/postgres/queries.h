#pragma once
// Every statement PgStore runs, named for the per-connection prepared statement cache. Parameters are
// cast where PostgreSQL could not infer their type (a parameter used only in `$1 IS NULL`).
#include "storage/postgres/conn.h"
#include "storage/postgres/rows.h"

namespace ca::storage::pg::q {

// --- accounts and EAB keys ---
inline constexpr Query kAccountInsert{
    "account_insert", "INSERT INTO accounts (" CA_PG_ACCOUNT_COLS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"};
inline constexpr Query kAccountGet{"account_get", "SELECT " CA_PG_ACCOUNT_COLS " FROM accounts WHERE id = $1"};
inline constexpr Query kAccountByThumbprint{
    "account_by_thumbprint",
    "SELECT " CA_PG_ACCOUNT_COLS " FROM accounts WHERE provisioner = $1 AND thumbprint = $2"};
inline constexpr Query kAccountUpdate{
    "account_update", "UPDATE accounts SET status = $1, contact = $2, jwk = $3, thumbprint = $4 WHERE id = $5"};
inline constexpr Query kEabInsert{
    "eab_insert",
    "INSERT INTO eab_keys (kid, provisioner, hmac_key, account_id, created_at) VALUES ($1,$2,$3,$4,$5)"};
inline constexpr Query kEabGet{
    "eab_get", "SELECT kid, provisioner, hmac_key, account_id, created_at FROM eab_keys WHERE kid = $1"};
inline constexpr Query kEabBind{"eab_bind",
                                "UPDATE eab_keys SET account_id = $1 WHERE kid = $2 AND account_id IS NULL"};

// --- orders and authorizations ---
inline constexpr Query kOrderInsert{
    "order_insert", "INSERT INTO orders (" CA_PG_ORDER_COLS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"};
inline constexpr Query kAuthzInsert{
    "authz_insert", "INSERT INTO authzs (" CA_PG_AUTHZ_COLS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"};
inline constexpr Query kOrderGet{"order_get", "SELECT " CA_PG_ORDER_COLS " FROM orders WHERE id = $1"};
inline constexpr Query kOrderUpdate{"order_update",
                                    "UPDATE orders SET status = $1, error = $2, cert_id = $3 WHERE id = $4"};
// A compare-and-set: under READ COMMITTED the second of two racing updates re-checks the row after
// the first commits, so exactly one of them changes it.
// Moving to processing stamps processing_since with the database's clock (one clock for all nodes).
inline constexpr Query kOrderTransition{
    "order_transition",
    "UPDATE orders SET status = $1::text, processing_since = CASE WHEN $1::text = 'processing' THEN "
    "extract(epoch FROM now())::bigint ELSE processing_since END WHERE id = $2 AND status = $3"};
// CompleteOrder: only a processing order becomes valid, naming its one certificate.
inline constexpr Query kOrderComplete{"order_complete",
                                      "UPDATE orders SET status = 'valid', cert_id = $1 WHERE id = $2 AND "
                                      "status = 'processing'"};
inline constexpr Query kOrderIds{"order_ids",
                                 "SELECT id FROM orders WHERE account_id = $1 ORDER BY created_at, id"};
inline constexpr Query kAuthzGet{"authz_get", "SELECT " CA_PG_AUTHZ_COLS " FROM authzs WHERE id = $1"};
inline constexpr Query kAuthzUpdate{"authz_update",
                                    "UPDATE authzs SET status = $1, challenges = $2 WHERE id = $3"};

// --- certificates ---
inline constexpr Query kCertInsert{
    "cert_insert",
    "INSERT INTO certificates (" CA_PG_CERT_COLS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"};
inline constexpr Query kCertById{"cert_by_id", "SELECT " CA_PG_CERT_COLS " FROM certificates WHERE id = $1"};
inline constexpr Query kCertBySerial{"cert_by_serial",
                                     "SELECT " CA_PG_CERT_COLS " FROM certificates WHERE serial = $1"};
inline constexpr Query kCertStatusBySerial{
    "cert_status_by_serial", "SELECT revoked_at, revocation_reason, not_after FROM certificates WHERE serial = $1"};
inline constexpr Query kCertRevoke{"cert_revoke",
                                   "UPDATE certificates SET revoked_at = $1, revocation_reason = $2 "
                                   "WHERE id = $3 AND revoked_at IS NULL"};
inline constexpr Query kCertExists{"cert_exists", "SELECT 1 FROM certificates WHERE id = $1"};

// A device's certificates ($3): those whose evidence names it (indexed by migration 0005) and those
// whose identifiers hold its (type, identifier) pair (issued with inventory = "off").
#define CA_PG_DEVICE_MATCH                                                                              \
  "((attestation::jsonb ->> 'device_id') COLLATE \"C\" = $3::text"                                      \
  " OR EXISTS (SELECT 1 FROM devices d, jsonb_array_elements(certificates.identifiers::jsonb) i"        \
  "             WHERE d.id = $3 AND (i ->> 'type') COLLATE \"C\" = d.type"                              \
  "               AND (i ->> 'value') COLLATE \"C\" = d.identifier))"
// $1 status (NULL: any), $2 now, $3 device id (NULL: any), $4 serial (NULL: any), $5 limit.
inline constexpr Query kCertList{
    "cert_list",
    "SELECT " CA_PG_CERT_COLS " FROM certificates"
    " WHERE ($1::text IS NULL"
    "        OR ($1 = 'revoked' AND revoked_at IS NOT NULL)"
    "        OR ($1 = 'valid' AND revoked_at IS NULL AND not_after > $2::bigint)"
    "        OR ($1 = 'expired' AND revoked_at IS NULL AND not_after <= $2))"
    "   AND ($3::text IS NULL OR " CA_PG_DEVICE_MATCH ")"
    "   AND ($4::text IS NULL OR serial = $4)"
    " ORDER BY not_before DESC, serial LIMIT $5::bigint"};

// --- device revocation (one transaction: lock the device, revoke its certificates, revoke it) ---
inline constexpr Query kDeviceLock{"device_lock", "SELECT type, identifier, state FROM devices WHERE id = $1 FOR UPDATE"};
// $1 when, $2 reason, $3 device id. Returns the certificates it revoked, as they are now.
inline constexpr Query kDeviceRevokeCerts{
    "device_revoke_certs",
    "UPDATE certificates SET revoked_at = $1::bigint, revocation_reason = $2::integer"
    " WHERE revoked_at IS NULL AND " CA_PG_DEVICE_MATCH " RETURNING " CA_PG_CERT_COLS};
inline constexpr Query kDeviceRevoke{"device_revoke",
                                     "UPDATE devices SET state = 'revoked', updated_at = $1 WHERE id = $2"};
#undef CA_PG_DEVICE_MATCH

// --- CRL state (one row, migration 0004) ---
inline constexpr Query kCrlRevision{"crl_revision", "SELECT revision FROM crl_state WHERE id = 1"};
inline constexpr Query kCrlRevoked{"crl_revoked",
                                   "SELECT serial, revoked_at, revocation_reason, not_after FROM certificates"
                                   " WHERE revoked_at IS NOT NULL AND not_after > $1 ORDER BY serial"};
// One statement: the row lock makes two nodes reserving at once get distinct numbers.
inline constexpr Query kCrlNext{
    "crl_next",
    "UPDATE crl_state SET crl_number = crl_number + 1, last_this_update = GREATEST(last_this_update, $1::bigint)"
    " WHERE id = 1 RETURNING crl_number, last_this_update"};

// --- devices ---
inline constexpr Query kDeviceInsert{"device_insert",
                                     "INSERT INTO devices (" CA_PG_DEVICE_COLS ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"};
inline constexpr Query kDeviceGet{"device_get", "SELECT " CA_PG_DEVICE_COLS " FROM devices WHERE id = $1"};
inline constexpr Query kDeviceByIdentifier{
    "device_by_identifier", "SELECT " CA_PG_DEVICE_COLS " FROM devices WHERE type = $1 AND identifier = $2"};
inline constexpr Query kDeviceList{"device_list",
                                   "SELECT " CA_PG_DEVICE_COLS " FROM devices ORDER BY created_at, identifier, id"};
inline constexpr Query kDeviceListState{
    "device_list_state",
    "SELECT " CA_PG_DEVICE_COLS " FROM devices WHERE state = $1 ORDER BY created_at, identifier, id"};
inline constexpr Query kDeviceSetState{"device_set_state",
                                       "UPDATE devices SET state = $1::text, updated_at = $2"
                                       " WHERE id = $3 AND (state <> 'revoked' OR $1 = 'revoked')"};
inline constexpr Query kDeviceExists{"device_exists", "SELECT 1 FROM devices WHERE id = $1"};

// --- replay nonces (migration 0006) ---
inline constexpr Query kNonceInsert{"nonce_insert", "INSERT INTO nonces (value, expires) VALUES ($1, $2)"};
// One statement: the row lock makes exactly one of several racing nodes see the row returned.
inline constexpr Query kNonceRedeem{"nonce_redeem",
                                    "DELETE FROM nonces WHERE value = $1 AND expires > $2 RETURNING 1"};
inline constexpr Query kNoncePurge{"nonce_purge",
                                   "DELETE FROM nonces WHERE value IN (SELECT value FROM nonces WHERE expires <= $1"
                                   " ORDER BY expires LIMIT $2 FOR UPDATE SKIP LOCKED)"};
// FailStaleProcessingOrders: one statement, so each row is compare-and-set on status = 'processing'
// (a concurrent CompleteOrder that committed first makes the row no longer match).
inline constexpr Query kOrderFailStale{
    "order_fail_stale",
    "UPDATE orders SET status = 'invalid', error = $2 WHERE status = 'processing' AND processing_since < $1"};

}  // namespace ca::storage::pg::q

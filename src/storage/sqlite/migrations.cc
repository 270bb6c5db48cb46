#include "storage/sqlite/migrations.h"

namespace ca::storage::sqlite {

// Columns are named in every SELECT (never *), so adding a column is a migration, not a code hunt.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "0001_init", R"sql(
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  provisioner TEXT NOT NULL,
  status TEXT NOT NULL,
  jwk TEXT NOT NULL,
  thumbprint TEXT NOT NULL,
  contact TEXT NOT NULL,
  tos_agreed INTEGER NOT NULL,
  eab_kid TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (provisioner, thumbprint)
);
CREATE TABLE eab_keys (
  kid TEXT PRIMARY KEY,
  provisioner TEXT NOT NULL,
  hmac_key TEXT NOT NULL,
  account_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  provisioner TEXT NOT NULL,
  status TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  authz_ids TEXT NOT NULL,
  expires INTEGER NOT NULL,
  not_before INTEGER,
  not_after INTEGER,
  error TEXT,
  cert_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX orders_by_account ON orders (account_id, created_at);
CREATE TABLE authzs (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  identifier_type TEXT NOT NULL,
  identifier_value TEXT NOT NULL,
  wildcard INTEGER NOT NULL,
  status TEXT NOT NULL,
  expires INTEGER NOT NULL,
  challenges TEXT NOT NULL
);
CREATE TABLE certificates (
  id TEXT PRIMARY KEY,
  serial TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  provisioner TEXT NOT NULL,
  der BLOB NOT NULL,
  chain_pem TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  spki_sha256 TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  revoked_at INTEGER,
  revocation_reason INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX certificates_by_spki ON certificates (spki_sha256);
)sql"},
      // The device inventory (device-attest-01). identifier is the ACME identifier value, matched octet
      // for octet (BINARY collation), so UNIQUE (type, identifier) is the inventory's key.
      {2, "0002_devices", R"sql(
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('permanent-identifier', 'hardware-module')),
  identifier TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'revoked')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (type, identifier)
);
CREATE INDEX devices_by_state ON devices (state, created_at);
)sql"},
      // device-attest-01: the attestation behind a certificate (format, attested key, identifiers,
      // posture facts as JSON), kept for audit and for revoking a device's certificates.
      {3, "0003_certificate_attestation", R"sql(
ALTER TABLE certificates ADD COLUMN attestation TEXT;
)sql"},
      // CRLs: one state row. revision is bumped by triggers in the transaction that changes a
      // certificate's revocation, whichever code path (or process) runs it, so the CRL cache only
      // compares one integer. crl_number and last_this_update only ever grow (NextCrlNumber).
      {4, "0004_crl_state", R"sql(
CREATE TABLE crl_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,
  crl_number INTEGER NOT NULL,
  last_this_update INTEGER NOT NULL
);
INSERT INTO crl_state (id, revision, crl_number, last_this_update) VALUES (1, 0, 0, 0);
CREATE TRIGGER certificates_revocation_update AFTER UPDATE OF revoked_at, revocation_reason ON certificates
BEGIN
  UPDATE crl_state SET revision = revision + 1 WHERE id = 1;
END;
CREATE TRIGGER certificates_revocation_insert AFTER INSERT ON certificates WHEN NEW.revoked_at IS NOT NULL
BEGIN
  UPDATE crl_state SET revision = revision + 1 WHERE id = 1;
END;
CREATE INDEX certificates_revoked ON certificates (serial) WHERE revoked_at IS NOT NULL;
)sql"},
      // Revocation: listing a device's certificates (by the evidence's device_id) and by status.
      {5, "0005_certificate_listing", R"sql(
CREATE INDEX certificates_by_device ON certificates (json_extract(attestation, '$.device_id'));
CREATE INDEX certificates_by_not_before ON certificates (not_before);
)sql"},
      // Replay nonces in the database (the same schema as PostgreSQL's). A SQLite server keeps its
      // nonces in memory (one process owns the database); the table keeps the Store port whole.
      {6, "0006_nonces", R"sql(
CREATE TABLE nonces (
  value TEXT PRIMARY KEY,
  expires INTEGER NOT NULL
);
CREATE INDEX nonces_by_expiry ON nonces (expires);
)sql"},
      // Crash recovery: when an order moved to processing (the database's clock), so that a recovery
      // pass can fail orders whose finalize died with its node. Orders already processing count from now.
      {7, "0007_order_processing_since", R"sql(
ALTER TABLE orders ADD COLUMN processing_since INTEGER;
UPDATE orders SET processing_since = CAST(strftime('%s','now') AS INTEGER) WHERE status = 'processing';
CREATE INDEX orders_processing ON orders (processing_since) WHERE status = 'processing';
)sql"},
      // PostgreSQL's nonce table becomes UNLOGGED; SQLite is never fsynced for nonces (and keeps
      // them in memory), so here the number only stays in step.
      {8, "0008_nonces_unlogged", R"sql(
-- nothing to change on SQLite
)sql"},
  };
  return kMigrations;
}

}  // namespace ca::storage::sqlite

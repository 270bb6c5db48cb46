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
      // Revocation: listing a device's certificates (by the evidence's device_id) and by status.
      {4, "0004_certificate_listing", R"sql(
CREATE INDEX certificates_by_device ON certificates (json_extract(attestation, '$.device_id'));
CREATE INDEX certificates_by_not_before ON certificates (not_before);
)sql"},
  };
  return kMigrations;
}

}  // namespace ca::storage::sqlite

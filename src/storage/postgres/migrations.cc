#include "storage/postgres/migrations.h"

namespace ca::storage::pg {

// Columns are named in every SELECT (never *), so adding a column is a migration, not a code hunt.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "0001_init", R"sql(
CREATE TABLE accounts (
  id TEXT COLLATE "C" PRIMARY KEY,
  provisioner TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  jwk TEXT COLLATE "C" NOT NULL,
  thumbprint TEXT COLLATE "C" NOT NULL,
  contact TEXT COLLATE "C" NOT NULL,
  tos_agreed BOOLEAN NOT NULL,
  eab_kid TEXT COLLATE "C",
  created_at BIGINT NOT NULL,
  UNIQUE (provisioner, thumbprint)
);
CREATE TABLE eab_keys (
  kid TEXT COLLATE "C" PRIMARY KEY,
  provisioner TEXT COLLATE "C" NOT NULL,
  hmac_key TEXT COLLATE "C" NOT NULL,
  account_id TEXT COLLATE "C",
  created_at BIGINT NOT NULL
);
CREATE TABLE orders (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL,
  provisioner TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  identifiers TEXT COLLATE "C" NOT NULL,
  authz_ids TEXT COLLATE "C" NOT NULL,
  expires BIGINT NOT NULL,
  not_before BIGINT,
  not_after BIGINT,
  error TEXT COLLATE "C",
  cert_id TEXT COLLATE "C",
  created_at BIGINT NOT NULL
);
CREATE INDEX orders_by_account ON orders (account_id, created_at);
CREATE TABLE authzs (
  id TEXT COLLATE "C" PRIMARY KEY,
  order_id TEXT COLLATE "C" NOT NULL,
  account_id TEXT COLLATE "C" NOT NULL,
  identifier_type TEXT COLLATE "C" NOT NULL,
  identifier_value TEXT COLLATE "C" NOT NULL,
  wildcard BOOLEAN NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  expires BIGINT NOT NULL,
  challenges TEXT COLLATE "C" NOT NULL
);
CREATE TABLE certificates (
  id TEXT COLLATE "C" PRIMARY KEY,
  serial TEXT COLLATE "C" NOT NULL UNIQUE,
  account_id TEXT COLLATE "C" NOT NULL,
  order_id TEXT COLLATE "C" NOT NULL,
  provisioner TEXT COLLATE "C" NOT NULL,
  der BYTEA NOT NULL,
  chain_pem TEXT COLLATE "C" NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  spki_sha256 TEXT COLLATE "C" NOT NULL,
  identifiers TEXT COLLATE "C" NOT NULL,
  revoked_at BIGINT,
  revocation_reason INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX certificates_by_spki ON certificates (spki_sha256);
)sql"},
      {2, "0002_devices", R"sql(
CREATE TABLE devices (
  id TEXT COLLATE "C" PRIMARY KEY,
  type TEXT COLLATE "C" NOT NULL CHECK (type IN ('permanent-identifier', 'hardware-module')),
  identifier TEXT COLLATE "C" NOT NULL,
  owner TEXT COLLATE "C" NOT NULL DEFAULT '',
  note TEXT COLLATE "C" NOT NULL DEFAULT '',
  state TEXT COLLATE "C" NOT NULL CHECK (state IN ('active', 'suspended', 'revoked')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (type, identifier)
);
CREATE INDEX devices_by_state ON devices (state, created_at);
)sql"},
      {3, "0003_certificate_attestation", R"sql(
ALTER TABLE certificates ADD COLUMN attestation TEXT COLLATE "C";
)sql"},
      // As on SQLite: revision is bumped by a trigger in the transaction that changes a certificate's
      // revocation, whichever node or process runs it. The function pins the search_path it was
      // created under, so it finds crl_state in the schema that holds the tables.
      {4, "0004_crl_state", R"sql(
CREATE TABLE crl_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision BIGINT NOT NULL,
  crl_number BIGINT NOT NULL,
  last_this_update BIGINT NOT NULL
);
INSERT INTO crl_state (id, revision, crl_number, last_this_update) VALUES (1, 0, 0, 0);
CREATE FUNCTION attestca_bump_revocation_revision() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $fn$
BEGIN
  UPDATE crl_state SET revision = revision + 1 WHERE id = 1;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER certificates_revocation_update AFTER UPDATE OF revoked_at, revocation_reason ON certificates
  FOR EACH ROW EXECUTE FUNCTION attestca_bump_revocation_revision();
CREATE TRIGGER certificates_revocation_insert AFTER INSERT ON certificates
  FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL) EXECUTE FUNCTION attestca_bump_revocation_revision();
CREATE INDEX certificates_revoked ON certificates (serial) WHERE revoked_at IS NOT NULL;
)sql"},
      {5, "0005_certificate_listing", R"sql(
CREATE INDEX certificates_by_device ON certificates (((attestation::jsonb ->> 'device_id') COLLATE "C"));
CREATE INDEX certificates_by_not_before ON certificates (not_before);
)sql"},
      // Replay nonces shared by the nodes (acme/nonce_shared.cc): one INSERT per response, one
      // DELETE ... RETURNING per request; the expiry index serves the bounded purge.
      {6, "0006_nonces", R"sql(
CREATE TABLE nonces (
  value TEXT COLLATE "C" PRIMARY KEY,
  expires BIGINT NOT NULL
);
CREATE INDEX nonces_by_expiry ON nonces (expires);
)sql"},
      // Crash recovery: see the SQLite migration of the same number.
      {7, "0007_order_processing_since", R"sql(
ALTER TABLE orders ADD COLUMN processing_since BIGINT;
UPDATE orders SET processing_since = extract(epoch FROM now())::bigint WHERE status = 'processing';
CREATE INDEX orders_processing ON orders (processing_since) WHERE status = 'processing';
)sql"},
      // Nonces need no durability, only single use: an UNLOGGED table writes no WAL, so its INSERTs
      // and DELETEs commit without a WAL flush. A crash empties it, which can only refuse nonces
      // (clients retry badNonce), never bring a redeemed one back.
      {8, "0008_nonces_unlogged", R"sql(
ALTER TABLE nonces SET UNLOGGED;
)sql"},
  };
  return kMigrations;
}

}  // namespace ca::storage::pg

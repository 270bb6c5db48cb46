#pragma once
// Config: plain structs parsed once from attestca.toml (toml++). Every field has a usable default;
// unknown keys are an error naming the key and its line.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace ca::config {

struct ServerConfig {
  std::string listen = "127.0.0.1:8443";       // HTTPS: ACME (and admin, later)
  std::string http_listen = "127.0.0.1:8080";  // plain HTTP: OCSP/CRL (later issues)
  std::string external_url;                     // https://host:port used in ACME URLs; default from listen
  // http://host[:port] put in issued certificates (AIA OCSP and caIssuers, CRL distribution point);
  // default from http_listen. No trailing '/', query or fragment.
  std::string public_http_url;
  std::string tls_cert = "tls.crt";             // relative paths are relative to the config's folder
  std::string tls_key = "tls.key";
  uint32_t max_body_bytes = 64 * 1024;
  uint32_t threads = 0;  // 0: max(8, 2 per core)
};

struct CaConfig {
  std::string root_cert = "root.crt";
  std::string intermediate_cert = "intermediate.crt";
  std::string intermediate_key = "intermediate.key";
  // The root key, when kept here (self-initialised CA): serve renews the root CRL with it. Absent
  // (root kept offline): `attestca crl --root` is run where the key is, serve warns before expiry.
  std::string root_key = "root.key";
  std::string root_crl = "root.crl";  // the root's CRL (DER) over the intermediates, served at /crl/root.crl
  std::string passphrase_file;  // empty: keys are not encrypted (or passphrase_env is used)
  std::string passphrase_env;
};

// DatabaseConfig is the [storage] table (the older [database] table, with `driver` for `backend`, is
// still read). Every node of a cluster names the same PostgreSQL database.
struct DatabaseConfig {
  std::string backend = "sqlite";    // "sqlite" | "postgres"
  std::string path = "attestca.db";  // sqlite: the database file
  // postgres: a libpq URL, postgresql://USER@HOST:PORT/DB[?sslmode=...]. The password may be in it,
  // or in PGPASSWORD or ~/.pgpass; it is never logged.
  std::string url;
  uint32_t pool_size = 8;             // postgres: connections per node
  uint32_t statement_timeout_s = 10;  // postgres: per statement, and the longest wait for a connection
  bool legacy_section = false;        // read from [database]
};

struct ValidationConfig {
  uint16_t http01_port = 80;
  uint16_t tlsalpn01_port = 443;
  std::string dns_resolver;  // host:port; empty: the system resolver
  uint32_t timeout_ms = 10000;
  uint32_t max_concurrent = 32;
  uint32_t max_redirects = 10;
};

struct AcmeConfig {
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  uint32_t order_lifetime_s = 7 * 24 * 3600;
  uint32_t authz_lifetime_s = 7 * 24 * 3600;
  uint32_t nonce_lifetime_s = 3600;
  // An order processing longer than this was interrupted (its node died mid-finalize): the recovery
  // pass fails it. Longer than any finalize takes.
  uint32_t processing_timeout_s = 120;
};

// OcspConfig: the OCSP responder on the plain-HTTP listener ([ocsp]).
struct OcspConfig {
  uint32_t validity_s = 4 * 3600;  // nextUpdate - thisUpdate of every answer (1h..7d)
  bool echo_nonce = false;         // true: echo a request's nonce (answers are then signed live)
  std::string signer = "ca";       // "ca": the intermediate signs; "delegated": an OCSP responder cert
  uint32_t cache_entries = 200000; // signed answers kept in memory (LRU)
  // How old the database's revocation revision may be when a cached answer is served: revocations by
  // this server re-sign at once; those by the CLI or another node show within this (0: every request).
  uint32_t revocation_poll_ms = 100;
};

// CrlConfig: the CRL served at <public_http_url>/crl/intermediate.crl ([crl]).
struct CrlConfig {
  uint32_t validity_s = 24 * 3600;  // nextUpdate - thisUpdate (1h..10d); regenerated at half of it
  // The root CRL: nextUpdate = thisUpdate + root_validity - 1s (32d..365d: BR 4.9.7 caps CA CRLs at
  // 12 months; serve renews it when 30 days old); renewed monthly when the root key is here.
  uint32_t root_validity_s = 365 * 24 * 3600;
};

// AdminToken is one bearer token of the admin API: an id for the audit log and the SHA-256 of the
// token (lowercase hex). The token itself is never in the config.
struct AdminToken {
  std::string id;
  std::string sha256_hex;
};

// AdminClientCert is one TLS client certificate the admin API accepts: an id for the audit log and
// the certificate's serial (hex; colons and leading zeros allowed). Pinning the serial names exactly
// one certificate our CA issued (serials are unique per issuer), so no other certificate of ours,
// e.g. a device's or an ACME client's, can ever match by a shared name.
struct AdminClientCert {
  std::string id;
  std::string serial;
};

// AdminConfig: the admin API under /admin/v1/ on the HTTPS listener ([admin]); no tokens and no
// client certificates, no API (every request answers 401).
struct AdminConfig {
  std::vector<AdminToken> tokens;
  std::vector<AdminClientCert> client_certs;
};

struct LogConfig {
  std::string level = "info";  // debug, info, warn, error
  bool json = false;
};

// NamePolicy: DNS suffixes (".corp.example" matches sub-names, "host.example" matches exactly) and
// IP ranges in CIDR. Denied wins over allowed; an empty allowed list allows everything not denied.
struct NamePolicy {
  std::vector<std::string> allowed_names;
  std::vector<std::string> denied_names;
};

// FormatConfig: one attestation format of a device provisioner ([provisioners.NAME.formats.FORMAT]).
struct FormatConfig {
  bool enabled = true;
  std::vector<std::string> roots;  // extra trust anchors (PEM bundles) for this format only
  bool builtin_roots = true;       // false: trust only `roots`
  bool require_nonce = true;       // apple: the freshness extension must be present
  // Posture rules (apple). Empty / false: no rule. A fact the attestation omits fails the rule.
  std::string min_os_version;          // dotted numeric, e.g. "14.2"
  bool require_sip = false;            // System Integrity Protection enabled
  bool require_full_secure_boot = false;
  // android-key only. revocation_list: Google's attestation status JSON, either a file (relative to
  // the config folder, re-read when it changes) or an https:// URL (fetched, cached an hour);
  // unreadable or unparsable refuses every android-key attestation. Posture rules (empty / false: no
  // rule):
  std::string revocation_list;
  std::string min_security_level;  // "tee" | "strongbox"
  bool require_verified_boot = false;      // RootOfTrust verifiedBootState == Verified
  bool require_locked_bootloader = false;  // RootOfTrust deviceLocked
  std::string min_patch_level;             // "YYYY-MM", compared with osPatchLevel
  // Posture rules (step, YubiKey PIV): the slot's PIN / touch policy must not be "never".
  bool require_pin_policy = false;
  bool require_touch_policy = false;
};

inline constexpr const char* kAttestationFormats[] = {"apple", "step", "tpm", "android-key"};

// CertificateTemplate: what a device certificate keeps of its CSR ([provisioners.NAME.certificate]).
// The device identifiers always come from the attestation; the CSR (an Apple profile's Subject and
// SubjectAltName) only proposes a subject and extra names, and the template decides what is kept.
// Anything not listed is dropped.
struct CertificateTemplate {
  std::vector<std::string> keep_subject = {"CN"};  // CSR subject attributes: CN O OU L ST C
  std::vector<std::string> keep_sans;              // CSR SAN kinds: email, uri, upn
  std::vector<std::string> extended_key_usage = {"clientAuth"};  // clientAuth, serverAuth
};

// WebhookConfig: the authorizing webhook of a device provisioner ([provisioners.NAME.webhook]),
// asked after a device-attest-01 attestation passed every local check (docs/webhooks.md).
struct WebhookConfig {
  std::string url;                  // https:// (http:// only with allow_insecure_http)
  std::string secret_file;          // HMAC-SHA256 key, read at start (trailing newline dropped)
  std::string secret_env;           // or: the environment variable holding the key
  uint32_t timeout_s = 5;           // one attempt, connect to answer ("5s"); 1s..30s
  std::string ca_file;              // PEM bundle to verify the webhook; empty: the system store
  bool allow_insecure_http = false;  // tests and loopback setups only
};

struct ProvisionerConfig {
  std::string name;
  std::vector<std::string> challenges = {"http-01", "dns-01", "tls-alpn-01"};
  bool require_eab = false;
  uint32_t cert_lifetime_s = 24 * 3600;  // from "24h", "90d", "3600s", "30m"
  uint32_t max_cert_lifetime_s = 0;      // 0: same as cert_lifetime_s (caps an order's notAfter)
  std::vector<std::string> allowed_identifier_types = {"dns", "ip"};
  NamePolicy names;
  // Device attestation (device-attest-01): "required" refuses devices that are not in the inventory
  // or not active; "off" skips the inventory (the attestation alone decides).
  std::string inventory = "required";
  std::map<std::string, FormatConfig> formats;  // absent format: enabled with defaults
  CertificateTemplate certificate;               // device-attest-01 orders only
  std::optional<WebhookConfig> webhook;          // device-attest-01 only
  // FormatFor returns the format's settings (defaults when the table is absent).
  FormatConfig FormatFor(const std::string& format) const {
    auto it = formats.find(format);
    return it == formats.end() ? FormatConfig{} : it->second;
  }
};

struct Config {
  std::string dir;  // folder of the config file; relative paths resolve against it
  ServerConfig server;
  CaConfig ca;
  DatabaseConfig database;
  ValidationConfig validation;
  AcmeConfig acme;
  OcspConfig ocsp;
  CrlConfig crl;
  AdminConfig admin;
  LogConfig log;
  std::map<std::string, ProvisionerConfig> provisioners;

  // Path resolves a configured path against dir.
  std::string Path(const std::string& p) const;
};

// LoadConfig parses and validates; the error detail lists every problem found (one a line), each
// with the key and line, e.g. "attestca.toml:12: unknown key 'validation.foo'".
Result<Config> LoadConfig(const std::string& path);
Result<Config> ParseConfig(const std::string& toml_text, const std::string& source_name,
                           const std::string& dir);

// DefaultConfigText renders the commented attestca.toml that `attestca init` writes.
struct InitOptions {
  std::string storage_backend = "sqlite";  // "postgres": storage_url names the database
  std::string storage_url;
  std::string listen = "127.0.0.1:8443";
  std::string http_listen = "127.0.0.1:8080";
  std::vector<std::string> dns_names = {"localhost"};
  std::string passphrase_file;
  std::string passphrase_env;
};
std::string DefaultConfigText(const InitOptions& opts);

// DefaultPublicHttpUrl derives server.public_http_url from http_listen ("" if unparsable).
std::string DefaultPublicHttpUrl(const std::string& http_listen);

// ParseDuration accepts "90d", "24h", "30m", "45s" (and combinations like "1h30m").
std::optional<uint32_t> ParseDuration(const std::string& s);

}  // namespace ca::config

// DefaultConfigText: the commented attestca.toml written by `attestca init`.
#include <cstdio>
#include <string>

#include "config/config.h"

namespace ca::config {
namespace {

// Quote renders s as a TOML basic string.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(u));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

std::string DefaultConfigText(const InitOptions& opts) {
  const Config d;  // defaults
  const ProvisionerConfig prov;
  std::string t;
  t += "# attestca.toml: configuration of the attestca ACME certificate authority.\n";
  t += "#\n";
  t += "# Written by `attestca init`. Every key below is shown at its default value; unknown keys "
       "are\n";
  t += "# an error, so a typo is reported instead of silently ignored. Relative paths resolve "
       "against\n";
  t += "# the folder holding this file. Durations are written like \"90d\", \"24h\", \"30m\", "
       "\"45s\"\n";
  t += "# or combined (\"1h30m\").\n";
  if (!opts.dns_names.empty()) {
    t += "# The TLS certificate created by init covers: " + Join(opts.dns_names) + ".\n";
  }
  t += "\n[server]\n";
  t += "# HTTPS listener for ACME (host:port; IPv6 in brackets, e.g. \"[::1]:8443\")\n";
  t += "listen = " + Quote(opts.listen) + "\n";
  t += "# Plain HTTP listener for OCSP and CRLs (host:port)\n";
  t += "http_listen = " + Quote(opts.http_listen) + "\n";
  t += "# Base URL clients use to reach the ACME API; default: https://<listen host>:<port>\n";
  t += "# external_url = \"https://ca.example.com\"\n";
  t += "# Base URL (http://) written into issued certificates for OCSP (<url>/ocsp), the issuer\n";
  t += "# certificate (<url>/ca/intermediate.crt) and the CRL (<url>/crl/intermediate.crl); it must\n";
  t += "# reach http_listen. Default: http://<http_listen host>:<port>\n";
  t += "public_http_url = " + Quote(DefaultPublicHttpUrl(opts.http_listen)) + "\n";
  t += "# TLS certificate chain (PEM) served on the HTTPS listener\n";
  t += "tls_cert = " + Quote(d.server.tls_cert) + "\n";
  t += "# Private key (PEM) for tls_cert\n";
  t += "tls_key = " + Quote(d.server.tls_key) + "\n";
  t += "# Largest accepted request body, in bytes\n";
  t += "max_body_bytes = " + std::to_string(d.server.max_body_bytes) + "\n";
  t += "# HTTPS worker threads; 0 means max(8, 2 per CPU core)\n";
  t += "threads = " + std::to_string(d.server.threads) + "\n";

  t += "\n[ca]\n";
  t += "# Root CA certificate (PEM), published to clients\n";
  t += "root_cert = " + Quote(d.ca.root_cert) + "\n";
  t += "# Intermediate CA certificate (PEM) that signs leaf certificates\n";
  t += "intermediate_cert = " + Quote(d.ca.intermediate_cert) + "\n";
  t += "# Intermediate CA private key (PEM, optionally encrypted)\n";
  t += "intermediate_key = " + Quote(d.ca.intermediate_key) + "\n";
  t += "# Root CA private key (PEM, same passphrase). While it is here, serve renews the root CRL\n";
  t += "# monthly; once it is moved offline, run `attestca crl --root` where it is, yearly at least\n";
  t += "root_key = " + Quote(d.ca.root_key) + "\n";
  t += "# The root's CRL (DER) over the intermediate, made at init, served at <url>/crl/root.crl\n";
  t += "root_crl = " + Quote(d.ca.root_crl) + "\n";
  t += "# File holding the passphrase of an encrypted intermediate_key (set at most one of "
       "file/env)\n";
  t += (opts.passphrase_file.empty() ? std::string("# passphrase_file = \"passphrase.txt\"")
                                     : "passphrase_file = " + Quote(opts.passphrase_file)) +
       "\n";
  t += "# Environment variable holding that passphrase instead\n";
  t += (opts.passphrase_env.empty() ? std::string("# passphrase_env = \"ATTESTCA_PASSPHRASE\"")
                                    : "passphrase_env = " + Quote(opts.passphrase_env)) +
       "\n";

  t += "\n[storage]\n";
  t += "# \"sqlite\" (one node, the file below) or \"postgres\" (several nodes sharing one database)\n";
  t += "backend = " + Quote(opts.storage_backend) + "\n";
  if (opts.storage_backend == "postgres") {
    t += "# libpq URL; keep the password in ~/.pgpass or PGPASSWORD rather than here\n";
    t += "url = " + Quote(opts.storage_url) + "\n";
    t += "# Connections this node keeps to the database\n";
    t += "pool_size = " + std::to_string(d.database.pool_size) + "\n";
    t += "# Longest a statement may run (and a request may wait for a free connection)\n";
    t += "statement_timeout = \"" + std::to_string(d.database.statement_timeout_s) + "s\"\n";
  } else {
    t += "# SQLite database file\n";
    t += "path = " + Quote(d.database.path) + "\n";
  }

  t += "\n[validation]\n";
  t += "# Port the http-01 challenge is fetched from\n";
  t += "http01_port = " + std::to_string(d.validation.http01_port) + "\n";
  t += "# Port the tls-alpn-01 challenge connects to\n";
  t += "tlsalpn01_port = " + std::to_string(d.validation.tlsalpn01_port) + "\n";
  t += "# DNS resolver for dns-01 and CAA lookups (host:port); default: the system resolver\n";
  t += "# dns_resolver = \"127.0.0.1:53\"\n";
  t += "# Timeout for one validation attempt, in milliseconds (100..120000)\n";
  t += "timeout_ms = " + std::to_string(d.validation.timeout_ms) + "\n";
  t += "# Validations run at the same time\n";
  t += "max_concurrent = " + std::to_string(d.validation.max_concurrent) + "\n";
  t += "# HTTP redirects followed by http-01\n";
  t += "max_redirects = " + std::to_string(d.validation.max_redirects) + "\n";

  t += "\n[acme]\n";
  t += "# Terms of service URL shown in the directory's meta (empty: none)\n";
  t += "terms_of_service = \"\"\n";
  t += "# Website URL shown in the directory's meta (empty: none)\n";
  t += "website = \"\"\n";
  t += "# CAA issuer domain names that identify this CA (RFC 8659 issue/issuewild values)\n";
  t += "caa_identities = []\n";
  t += "# How long a pending order stays valid\n";
  t += "order_lifetime = \"7d\"\n";
  t += "# How long an authorization stays valid\n";
  t += "authz_lifetime = \"7d\"\n";
  t += "# How long a replay nonce can be used\n";
  t += "nonce_lifetime = \"1h\"\n";
  t += "# An order still processing after this was interrupted (server killed mid-issuance): it is made\n";
  t += "# invalid so that the client can create a new one. Longer than any finalization takes.\n";
  t += "processing_timeout = \"2m\"\n";

  t += "\n[ocsp]\n";
  t += "# OCSP responder at http://<http_listen>/ocsp (POST, and GET /ocsp/<base64>)\n";
  t += "# Validity of each answer (nextUpdate - thisUpdate), 1h..7d\n";
  t += "validity = \"4h\"\n";
  t += "# Echo the request's nonce (RFC 9654); off by default so answers can be pre-signed\n";
  t += "echo_nonce = false\n";
  t += "# Who signs: \"ca\" (the intermediate, smallest answers) or \"delegated\" (an OCSP responder\n";
  t += "# certificate from the intermediate, key in memory only, rotated automatically)\n";
  t += "signer = \"ca\"\n";
  t += "# Signed answers kept in memory (least recently used dropped first)\n";
  t += "cache_entries = 200000\n";
  t += "# Revocations made through this server are answered at once; those made by the CLI or\n";
  t += "# another node are seen within this many milliseconds (0..1000; 0: a database read per request)\n";
  t += "revocation_poll_ms = 100\n";

  t += "\n[crl]\n";
  t += "# CRL at <public_http_url>/crl/intermediate.crl, regenerated after every revocation\n";
  t += "# Validity of each CRL (nextUpdate - thisUpdate), 1h..10d; a new one is signed at half of it\n";
  t += "validity = \"24h\"\n";
  t += "# Validity of the root CRL (<public_http_url>/crl/root.crl; nextUpdate = thisUpdate + this - 1s),\n";
  t += "# 32d..365d; renewed when 30 days old while root_key is here, else serve warns 30 days ahead\n";
  t += "root_validity = \"365d\"\n";
  t += "\n[admin]\n";
  t += "# Admin API (https://<listen>/admin/v1/): bearer tokens, kept as SHA-256 only. Make one with\n";
  t += "#   TOKEN=$(openssl rand -hex 32); printf %s \"$TOKEN\" | sha256sum\n";
  t += "# tokens = [{id = \"ops\", sha256 = \"<64 hex digits>\"}]\n";
  t += "tokens = []\n";
  t += "# ...or TLS client certificates issued by this CA (EKU clientAuth), pinned by serial. Get one\n";
  t += "# with any ACME order (its certificates carry clientAuth); `attestca cert list` shows the serial.\n";
  t += "# client_certs = [{id = \"ops-laptop\", serial = \"<hex>\"}]\n";
  t += "client_certs = []\n";

  t += "\n[log]\n";
  t += "# Minimum level: debug, info, warn or error\n";
  t += "level = " + Quote(d.log.level) + "\n";
  t += "# Write JSON lines instead of text\n";
  t += std::string("json = ") + (d.log.json ? "true" : "false") + "\n";

  t += "\n# Provisioners: each [provisioners.NAME] is an ACME endpoint with its own policy;\n";
  t += "# NAME matches [a-z0-9][a-z0-9_-]{0,62}. At least one is required.\n";
  t += "[provisioners.acme]\n";
  t += "# Challenge types offered: http-01, dns-01, tls-alpn-01\n";
  t += "challenges = [\"http-01\", \"dns-01\", \"tls-alpn-01\"]\n";
  t += "# Require External Account Binding when creating accounts\n";
  t += std::string("require_eab = ") + (prov.require_eab ? "true" : "false") + "\n";
  t += "# Validity of issued certificates\n";
  t += "cert_lifetime = \"24h\"\n";
  t += "# Longest validity an order may request (notAfter); 0 means the same as cert_lifetime\n";
  t += "max_cert_lifetime = \"0s\"\n";
  t += "# Identifier types accepted: dns, ip\n";
  t += "allowed_identifier_types = [\"dns\", \"ip\"]\n";
  t += "# Names allowed: \"host.example\" matches exactly, \".corp.example\" matches every name "
       "below it,\n";
  t += "# \"10.0.0.0/8\" or \"fd00::/8\" match IP addresses; empty allows everything not denied\n";
  t += "allowed_names = []\n";
  t += "# Names denied, in the same forms; denied wins over allowed\n";
  t += "denied_names = []\n";
  t += "\n";
  t += "# Devices prove who they are with a hardware attestation (device-attest-01,\n";
  t += "# draft-ietf-acme-device-attest): an Apple MDM profile's ACMECertificate payload points here.\n";
  t += "[provisioners.devices]\n";
  t += "challenges = [\"device-attest-01\"]\n";
  t += "allowed_identifier_types = [\"permanent-identifier\", \"hardware-module\"]\n";
  t += "cert_lifetime = \"24h\"\n";
  t += "require_eab = false\n";
  t += "# \"required\": only devices in the inventory (attestca device add/import) and active may enroll\n";
  t += "inventory = \"required\"\n";
  t += "# Per-format settings: enabled, roots = [\"extra-roots.pem\"] (added to the built-in vendor roots),\n";
  t += "# builtin_roots = false (trust only the listed roots), require_nonce (apple freshness).\n";
  t += "[provisioners.devices.formats.apple]\n";
  t += "enabled = true\n";
  t += "require_nonce = true\n";
  t += "\n";
  t += "# Android Key Attestation (android-key): a device owner / DPC app sends its Keystore chain.\n";
  t += "# revocation_list = \"https://android.googleapis.com/attestation/status\" (fetched, cached an\n";
  t += "#   hour) or a file you refresh, e.g. \"android-status.json\" (re-read when it changes); if it is\n";
  t += "#   set but unreachable, unreadable or invalid, every android-key attestation is refused.\n";
  t += "# Posture rules: min_security_level = \"tee\" | \"strongbox\"; require_verified_boot = true\n";
  t += "#   (verified boot state Verified); require_locked_bootloader = true; min_patch_level = \"YYYY-MM\"\n";
  t += "#   (the OS security patch level).\n";
  t += "[provisioners.devices.formats.android-key]\n";
  t += "enabled = true\n";
  t += "min_security_level = \"tee\"\n";
  t += "require_verified_boot = true\n";
  t += "require_locked_bootloader = true\n";
  t += "\n";
  t += "# What a device certificate keeps of the CSR (an Apple profile's Subject and SubjectAltName).\n";
  t += "# The device identifier SAN always comes from the attestation; everything not listed is dropped.\n";
  t += "[provisioners.devices.certificate]\n";
  t += "# CSR subject attributes copied into the certificate: CN, O, OU, L, ST, C ([] = empty subject)\n";
  t += "keep_subject = [\"CN\"]\n";
  t += "# CSR subjectAltNames copied, by kind: email, uri, upn (Microsoft UPN otherName); unverified!\n";
  t += "keep_sans = []\n";
  t += "# clientAuth (MDM, VPN, Wi-Fi EAP-TLS) and/or serverAuth\n";
  t += "extended_key_usage = [\"clientAuth\"]\n";
  t += "\n";
  t += "# YubiKey PIV (step format) posture: require_pin_policy = true refuses slots whose PIN policy is\n";
  t += "# \"never\"; require_touch_policy = true refuses slots whose touch policy is \"never\".\n";
  t += "# [provisioners.devices.formats.step]\n";
  t += "# require_pin_policy = true\n";
  t += "# require_touch_policy = true\n";
  t += "# Authorizing webhook, asked after the attestation and every local rule passed: POST JSON signed\n";
  t += "# with HMAC-SHA256 (X-Attestca-Signature); answer 200 {\"allow\": true|false, \"reason\": \"...\"}.\n";
  t += "# Unreachable or a bad answer (after one retry) refuses the device. See docs/webhooks.md.\n";
  t += "# [provisioners.devices.webhook]\n";
  t += "# url = \"https://inventory.corp.example/attestca/authorize\"\n";
  t += "# secret_file = \"webhook.secret\"   # or secret_env = \"ATTESTCA_WEBHOOK_SECRET\"; 32 bytes or more\n";
  t += "# timeout = \"5s\"\n";
  t += "# ca_file = \"inventory-ca.pem\"   # default: the system trust store\n";
  return t;
}

}  // namespace ca::config

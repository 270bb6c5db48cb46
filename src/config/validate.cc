// Validate: cross-field rules on a parsed Config, and derived defaults (external_url).
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/internal.h"

namespace ca::config::internal {
namespace {

struct HostPort {
  std::string host;  // without brackets
  bool ipv6 = false;
  uint32_t port = 0;
};

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<uint32_t> ParseUint(const std::string& s, uint32_t max) {
  if (!AllDigits(s) || s.size() > 10) return std::nullopt;
  uint64_t v = std::stoull(s);
  if (v > max) return std::nullopt;
  return static_cast<uint32_t>(v);
}

bool IsIpv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}
bool IsIpv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

// IsDnsName accepts LDH labels separated by dots (letters in either case), at most 253 octets.
bool IsDnsName(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string label = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

// ParseHostPort parses "host:port" or "[v6]:port".
std::optional<HostPort> ParseHostPort(const std::string& s, uint32_t min_port) {
  HostPort hp;
  std::string port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return std::nullopt;
    }
    hp.host = s.substr(1, close - 1);
    hp.ipv6 = true;
    if (!IsIpv6(hp.host)) return std::nullopt;
    port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    hp.host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (hp.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
    if (!IsIpv4(hp.host) && !IsDnsName(hp.host)) return std::nullopt;
  }
  auto p = ParseUint(port, 65535);
  if (!p || *p < min_port) return std::nullopt;
  hp.port = *p;
  return hp;
}

// IsCidr accepts "10.0.0.0/8" and "fd00::/8".
bool IsCidr(const std::string& s) {
  size_t slash = s.find('/');
  if (slash == std::string::npos) return false;
  std::string addr = s.substr(0, slash);
  uint32_t max = IsIpv4(addr) ? 32 : IsIpv6(addr) ? 128 : 0;
  if (max == 0) return false;
  return ParseUint(s.substr(slash + 1), max).has_value();
}

// IsNameEntry accepts a DNS name, a ".suffix", an IP address, or a CIDR range.
bool IsNameEntry(const std::string& s) {
  if (s.find('/') != std::string::npos) return IsCidr(s);
  if (IsIpv4(s) || IsIpv6(s)) return true;
  if (!s.empty() && s.front() == '.') return IsDnsName(s.substr(1));
  return IsDnsName(s);
}

bool IsProvisionerName(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

bool IsHttpUrl(const std::string& s) {
  return (s.rfind("https://", 0) == 0 && s.size() > 8) ||
         (s.rfind("http://", 0) == 0 && s.size() > 7);
}

constexpr uint32_t kMinute = 60;
constexpr uint32_t kDay = 86400;
constexpr uint32_t kMaxCertLifetime = 398 * kDay;

void CheckNonEmpty(Problems& p, const std::string& key, const std::string& v) {
  if (v.empty()) p.AddAt(key, "'" + key + "' must not be empty");
}

// public_http_url goes into every certificate's AIA and CRL distribution point: plain http (the
// client fetching revocation data must not need TLS, RFC 5280 §4.2.1.13), no query or fragment
// (paths are appended), and none of the characters OpenSSL's extension syntax treats specially.
void ValidatePublicHttpUrl(ServerConfig& s, Problems& p) {
  while (!s.public_http_url.empty() && s.public_http_url.back() == '/') s.public_http_url.pop_back();
  if (s.public_http_url.empty()) {
    s.public_http_url = DefaultPublicHttpUrl(s.http_listen);
    return;
  }
  const std::string& u = s.public_http_url;
  bool ok = u.rfind("http://", 0) == 0 && u.size() > 7 && u[7] != '/' && u.size() <= 200;
  for (char c : u) {
    ok = ok && c > 0x20 && c < 0x7f && c != '?' && c != '#' && c != ',' && c != '"' && c != '\\';
  }
  if (!ok) {
    p.AddAt("server.public_http_url",
            "'server.public_http_url' must be an http:// URL without query, fragment, spaces or commas, got '" +
                u + "'");
  }
}

void ValidateServer(ServerConfig& s, Problems& p) {
  auto listen = ParseHostPort(s.listen, 0);
  if (!listen) {
    p.AddAt("server.listen",
            "'server.listen' must be host:port (IPv6 in brackets), got '" + s.listen + "'");
  }
  if (!ParseHostPort(s.http_listen, 0)) {
    p.AddAt(
        "server.http_listen",
        "'server.http_listen' must be host:port (IPv6 in brackets), got '" + s.http_listen + "'");
  }
  ValidatePublicHttpUrl(s, p);
  while (!s.external_url.empty() && s.external_url.back() == '/') s.external_url.pop_back();
  if (!s.external_url.empty()) {
    if (!IsHttpUrl(s.external_url)) {
      p.AddAt("server.external_url", "'server.external_url' must start with https://");
    }
  } else if (listen) {
    std::string host = listen->host;
    if (host == "0.0.0.0" || host == "::") {
      host = "localhost";
    } else if (listen->ipv6) {
      host = "[" + host + "]";
    }
    s.external_url = "https://" + host + ":" + std::to_string(listen->port);
  }
  CheckNonEmpty(p, "server.tls_cert", s.tls_cert);
  CheckNonEmpty(p, "server.tls_key", s.tls_key);
}

void ValidateCa(const CaConfig& ca, Problems& p) {
  CheckNonEmpty(p, "ca.root_cert", ca.root_cert);
  CheckNonEmpty(p, "ca.intermediate_cert", ca.intermediate_cert);
  CheckNonEmpty(p, "ca.intermediate_key", ca.intermediate_key);
  CheckNonEmpty(p, "ca.root_key", ca.root_key);
  CheckNonEmpty(p, "ca.root_crl", ca.root_crl);
  if (!ca.passphrase_file.empty() && !ca.passphrase_env.empty()) {
    p.AddAt("ca.passphrase_env", "set only one of 'ca.passphrase_file' and 'ca.passphrase_env'");
  }
}

// ValidateStorage checks [storage] (or the older [database]).
void ValidateStorage(const DatabaseConfig& db, Problems& p) {
  const std::string sec = db.legacy_section ? "database" : "storage";
  const std::string backend_key = sec + (db.legacy_section ? ".driver" : ".backend");
  if (db.backend == "sqlite") {
    CheckNonEmpty(p, sec + ".path", db.path);
    if (!db.url.empty()) p.AddAt(sec + ".url", "'storage.url' is for backend = \"postgres\"; SQLite uses 'storage.path'");
  } else if (db.backend == "postgres") {
    if (db.legacy_section) {
      p.AddAt(backend_key, "PostgreSQL is configured in [storage] (backend = \"postgres\", url = ...), not [database]");
    } else if (db.url.empty()) {
      p.AddAt(backend_key, "'storage.url' is required for backend = \"postgres\" (postgresql://USER@HOST:PORT/DB)");
    } else if (db.url.rfind("postgresql://", 0) != 0 && db.url.rfind("postgres://", 0) != 0) {
      // Never echo the value: it may hold a password.
      p.AddAt(sec + ".url", "'storage.url' must be a postgresql:// URL");
    }
  } else {
    p.AddAt(backend_key, "'" + backend_key + "' must be \"sqlite\" or \"postgres\", got '" + db.backend + "'");
  }
  if (db.statement_timeout_s == 0) p.AddAt(sec + ".statement_timeout", "'storage.statement_timeout' must be at least 1s");
}

void ValidateOther(const Config& cfg, Problems& p) {
  ValidateStorage(cfg.database, p);
  const auto& r = cfg.validation.dns_resolver;
  if (!r.empty() && !ParseHostPort(r, 1)) {
    p.AddAt("validation.dns_resolver",
            "'validation.dns_resolver' must be host:port (IPv6 in brackets), got '" + r + "'");
  }
  const AcmeConfig& a = cfg.acme;
  if (!a.terms_of_service.empty() && !IsHttpUrl(a.terms_of_service)) {
    p.AddAt("acme.terms_of_service", "'acme.terms_of_service' must be an http(s) URL");
  }
  if (!a.website.empty() && !IsHttpUrl(a.website)) {
    p.AddAt("acme.website", "'acme.website' must be an http(s) URL");
  }
  for (const auto& id : a.caa_identities) {
    if (!IsDnsName(id))
      p.AddAt("acme.caa_identities", "'acme.caa_identities': '" + id + "' is not a DNS name");
  }
  const std::pair<const char*, uint32_t> lifetimes[] = {
      {"acme.order_lifetime", a.order_lifetime_s},
      {"acme.authz_lifetime", a.authz_lifetime_s},
      {"acme.nonce_lifetime", a.nonce_lifetime_s}};
  for (const auto& [key, v] : lifetimes) {
    if (v == 0 || v > kMaxCertLifetime) {
      p.AddAt(key, "'" + std::string(key) + "' must be between 1s and 398d");
    }
  }
  if (a.processing_timeout_s == 0 || a.processing_timeout_s > 24 * 3600) {
    p.AddAt("acme.processing_timeout", "'acme.processing_timeout' must be between 1s and 1d");
  }
  // BR 4.9.9 allows 8h..10d; shorter bounds how long a cached "good" outlives a revocation.
  if (cfg.ocsp.validity_s < 3600 || cfg.ocsp.validity_s > 7 * 24 * 3600) {
    p.AddAt("ocsp.validity", "'ocsp.validity' must be between 1h and 7d");
  }
  // BR 4.9.7 caps a subscriber CRL at 10 days; under an hour it would be re-signed all the time.
  if (cfg.crl.validity_s < 3600 || cfg.crl.validity_s > 10 * 24 * 3600) {
    p.AddAt("crl.validity", "'crl.validity' must be between 1h and 10d");
  }
  // BR 4.9.7: a CA CRL lasts at most 12 months; serve renews it at 30 days, so it must outlive that.
  if (cfg.crl.root_validity_s < 32 * 24 * 3600 || cfg.crl.root_validity_s > 365 * 24 * 3600) {
    p.AddAt("crl.root_validity", "'crl.root_validity' must be between 32d and 365d");
  }
  std::set<std::string> token_ids;
  for (size_t i = 0; i < cfg.admin.tokens.size(); ++i) {
    const AdminToken& t = cfg.admin.tokens[i];
    const std::string key = "admin.tokens[" + std::to_string(i) + "]";
    const bool id_ok = !t.id.empty() && t.id.size() <= 64 && std::all_of(t.id.begin(), t.id.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
    });
    if (!id_ok) p.AddAt(key, "'" + key + ".id' must be 1..64 characters of A-Z a-z 0-9 - _ .");
    if (!token_ids.insert(t.id).second) p.AddAt(key, "'" + key + ".id' repeats the id '" + t.id + "'");
    const bool hash_ok = t.sha256_hex.size() == 64 && std::all_of(t.sha256_hex.begin(), t.sha256_hex.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (!hash_ok) {
      p.AddAt(key, "'" + key + ".sha256' must be the token's SHA-256 as 64 lowercase hex digits "
                   "(printf %s TOKEN | sha256sum)");
    }
  }
  if (cfg.ocsp.signer != "ca" && cfg.ocsp.signer != "delegated") {
    p.AddAt("ocsp.signer", "'ocsp.signer' must be \"ca\" or \"delegated\"; got '" + cfg.ocsp.signer + "'");
  }
  if (cfg.ocsp.cache_entries < 1 || cfg.ocsp.cache_entries > 10000000) {
    p.AddAt("ocsp.cache_entries", "'ocsp.cache_entries' must be between 1 and 10000000");
  }
  std::set<std::string> cert_ids;
  std::set<std::string> cert_serials;
  for (size_t i = 0; i < cfg.admin.client_certs.size(); ++i) {
    const AdminClientCert& c = cfg.admin.client_certs[i];
    const std::string key = "admin.client_certs[" + std::to_string(i) + "]";
    const bool id_ok = !c.id.empty() && c.id.size() <= 64 && std::all_of(c.id.begin(), c.id.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '-' || ch == '_' || ch == '.';
    });
    if (!id_ok) p.AddAt(key, "'" + key + ".id' must be 1..64 characters of A-Z a-z 0-9 - _ .");
    if (!cert_ids.insert(c.id).second) p.AddAt(key, "'" + key + ".id' repeats the id '" + c.id + "'");
    // The serial as `attestca cert list` or `openssl x509 -serial` shows it; compared normalized.
    std::string digits;
    for (char ch : c.serial) {
      if (ch != ':') digits += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    while (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
    const bool serial_ok = !digits.empty() && digits.size() <= 40 && std::all_of(digits.begin(), digits.end(), [](char ch) {
      return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
    });
    if (!serial_ok) {
      p.AddAt(key, "'" + key + ".serial' must be the certificate's serial in hex (at most 20 octets)");
    } else if (!cert_serials.insert(digits).second) {
      p.AddAt(key, "'" + key + ".serial' repeats a serial");
    }
  }
  static const std::set<std::string> kLevels = {"debug", "info", "warn", "error"};
  if (kLevels.count(cfg.log.level) == 0) {
    p.AddAt("log.level",
            "'log.level' must be one of debug, info, warn, error; got '" + cfg.log.level + "'");
  }
}

void ValidateSubset(Problems& p, const std::string& key, const std::vector<std::string>& v,
                    const std::set<std::string>& allowed, const std::string& allowed_text) {
  if (v.empty()) p.AddAt(key, "'" + key + "' must not be empty");
  for (const auto& e : v) {
    if (allowed.count(e) == 0) {
      p.AddAt(key, "'" + key + "': unknown value '" + e + "' (allowed: " + allowed_text + ")");
    }
  }
}

// IsYearMonth accepts "YYYY-MM" (month 01..12).
bool IsYearMonth(const std::string& s) {
  if (s.size() != 7 || s[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  return month >= 1 && month <= 12;
}

// ValidateFormatOnlyRules refuses the apple and step posture rules on any other format: there they
// could only ever refuse (the facts are missing), which is a configuration mistake.
void ValidateFormatOnlyRules(const std::string& base, const std::string& format, const FormatConfig& fc,
                             Problems& p) {
  const std::string key = base + ".formats." + format;
  if (format != "apple" && (!fc.min_os_version.empty() || fc.require_sip || fc.require_full_secure_boot)) {
    p.AddAt(key, "'" + key + "': min_os_version, require_sip and require_full_secure_boot apply to apple only");
  }
  if (format != "step" && (fc.require_pin_policy || fc.require_touch_policy)) {
    p.AddAt(key, "'" + key + "': require_pin_policy and require_touch_policy apply to step only");
  }
}

// ValidateAndroidRules checks the android-key settings, and that they are set on no other format.
void ValidateAndroidRules(const std::string& base, const std::string& format, const FormatConfig& fc, Problems& p) {
  const std::string key = base + ".formats." + format;
  if (format != "android-key") {
    const bool set = !fc.revocation_list.empty() || !fc.min_security_level.empty() || fc.require_verified_boot ||
                     fc.require_locked_bootloader || !fc.min_patch_level.empty();
    if (set) {
      p.AddAt(key, "'" + key + "': revocation_list, min_security_level, require_verified_boot, "
                   "require_locked_bootloader and min_patch_level apply to android-key only");
    }
    return;
  }
  const std::string& list = fc.revocation_list;
  if (list.rfind("http://", 0) == 0 && list.rfind("http://127.0.0.1", 0) != 0 &&
      list.rfind("http://localhost", 0) != 0 && list.rfind("http://[::1]", 0) != 0) {
    // A forged list over plain HTTP could hide revocations: https, or plain HTTP on loopback only.
    p.AddAt(key + ".revocation_list",
            "'" + key + ".revocation_list' must be a file, an https:// URL or an http:// URL on loopback");
  }
  if (!fc.min_security_level.empty() && fc.min_security_level != "tee" && fc.min_security_level != "strongbox") {
    p.AddAt(key + ".min_security_level",
            "'" + key + ".min_security_level' must be \"tee\" or \"strongbox\", got '" + fc.min_security_level + "'");
  }
  if (!fc.min_patch_level.empty() && !IsYearMonth(fc.min_patch_level)) {
    p.AddAt(key + ".min_patch_level",
            "'" + key + ".min_patch_level' must be \"YYYY-MM\" (e.g. \"2025-01\"), got '" + fc.min_patch_level + "'");
  }
}

void ValidateProvisioner(const ProvisionerConfig& pc, Problems& p) {
  const std::string base = "provisioners." + pc.name;
  if (!IsProvisionerName(pc.name)) {
    p.AddAt(base, "provisioner name '" + pc.name + "' must match [a-z0-9][a-z0-9_-]{0,62}");
  }
  ValidateSubset(p, base + ".challenges", pc.challenges, {"http-01", "dns-01", "tls-alpn-01", "device-attest-01"},
                 "http-01, dns-01, tls-alpn-01, device-attest-01");
  ValidateSubset(p, base + ".allowed_identifier_types", pc.allowed_identifier_types,
                 {"dns", "ip", "permanent-identifier", "hardware-module"},
                 "dns, ip, permanent-identifier, hardware-module");
  const std::string tmpl = base + ".certificate";
  for (const auto& a : pc.certificate.keep_subject) {
    if (a != "CN" && a != "O" && a != "OU" && a != "L" && a != "ST" && a != "C") {
      p.AddAt(tmpl + ".keep_subject",
              "'" + tmpl + ".keep_subject': unknown attribute '" + a + "' (allowed: CN, O, OU, L, ST, C)");
    }
  }
  for (const auto& k : pc.certificate.keep_sans) {
    if (k != "email" && k != "uri" && k != "upn") {
      p.AddAt(tmpl + ".keep_sans", "'" + tmpl + ".keep_sans': unknown kind '" + k + "' (allowed: email, uri, upn)");
    }
  }
  ValidateSubset(p, tmpl + ".extended_key_usage", pc.certificate.extended_key_usage, {"clientAuth", "serverAuth"},
                 "clientAuth, serverAuth");
  if (pc.inventory != "required" && pc.inventory != "off") {
    p.AddAt(base + ".inventory", "'" + base + ".inventory' must be \"required\" or \"off\"");
  }
  if (pc.cert_lifetime_s < kMinute || pc.cert_lifetime_s > kMaxCertLifetime) {
    p.AddAt(base + ".cert_lifetime", "'" + base + ".cert_lifetime' must be between 1m and 398d");
  }
  if (pc.max_cert_lifetime_s != 0 &&
      (pc.max_cert_lifetime_s < pc.cert_lifetime_s || pc.max_cert_lifetime_s > kMaxCertLifetime)) {
    p.AddAt(base + ".max_cert_lifetime",
            "'" + base + ".max_cert_lifetime' must be 0 or between cert_lifetime and 398d");
  }
  for (const auto& [format, fc] : pc.formats) {
    ValidateAndroidRules(base, format, fc, p);
    ValidateFormatOnlyRules(base, format, fc, p);
  }
  for (const char* list : {"allowed_names", "denied_names"}) {
    const auto& v =
        std::string(list) == "allowed_names" ? pc.names.allowed_names : pc.names.denied_names;
    const std::string key = base + "." + list;
    for (const auto& e : v) {
      if (!IsNameEntry(e)) {
        p.AddAt(key, "'" + key + "': '" + e +
                         "' is neither a DNS name, a .suffix, an IP address nor a CIDR range");
      }
    }
  }
}

}  // namespace

void Validate(Config& cfg, Problems& p) {
  ValidateServer(cfg.server, p);
  ValidateCa(cfg.ca, p);
  ValidateOther(cfg, p);
  if (cfg.provisioners.empty()) p.Add(0, "at least one [provisioners.NAME] table is required");
  for (const auto& [name, pc] : cfg.provisioners) {
    ValidateProvisioner(pc, p);
    ValidateWebhook(pc, p);
  }
}

}  // namespace ca::config::internal

namespace ca::config {

std::string DefaultPublicHttpUrl(const std::string& http_listen) {
  auto hp = internal::ParseHostPort(http_listen, 0);
  if (!hp) return "";
  std::string host = hp->host;
  if (host == "0.0.0.0" || host == "::") {
    host = "localhost";  // a wildcard listen address is not something a client can reach
  } else if (hp->ipv6) {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(hp->port);
}

}  // namespace ca::config

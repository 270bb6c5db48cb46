// LoadConfig / ParseConfig: strict TOML -> Config. Every key is known; every problem is collected.
#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/internal.h"

namespace ca::config {
namespace internal {

void Problems::Add(int64_t line, const std::string& msg) {
  list_.emplace_back(
      line, line > 0 ? source_ + ":" + std::to_string(line) + ": " + msg : source_ + ": " + msg);
}

void Problems::AddAt(const std::string& key, const std::string& msg) {
  auto it = lines_.find(key);
  Add(it == lines_.end() ? 0 : it->second, msg);
}

std::string Problems::Joined() const {
  auto sorted = list_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    int64_t la = a.first > 0 ? a.first : std::numeric_limits<int64_t>::max();
    int64_t lb = b.first > 0 ? b.first : std::numeric_limits<int64_t>::max();
    return la < lb;
  });
  std::string out;
  for (const auto& [line, msg] : sorted) {
    if (!out.empty()) out += '\n';
    out += msg;
  }
  return out;
}

}  // namespace internal

namespace {

using internal::Problems;
using Handler = std::function<void(const toml::node&, const std::string& path)>;
struct Field {
  std::string_view key;
  Handler fn;
};

int64_t LineOf(const toml::node& n) { return static_cast<int64_t>(n.source().begin.line); }

class Parser {
 public:
  explicit Parser(Problems& p) : p_(p) {}

  // Table walks tbl's entries, dispatching known keys and reporting unknown ones.
  void Table(const toml::node& node, const std::string& path, const std::vector<Field>& fields) {
    const toml::table* tbl = node.as_table();
    if (tbl == nullptr) {
      p_.Add(LineOf(node), "'" + path + "' must be a table");
      return;
    }
    for (auto&& [k, v] : *tbl) {
      std::string full = path.empty() ? std::string(k.str()) : path + "." + std::string(k.str());
      int64_t line = static_cast<int64_t>(k.source().begin.line);
      if (line <= 0) line = LineOf(v);
      std::string_view name = k.str();  // clang 14 cannot capture a structured binding
      auto it = std::find_if(fields.begin(), fields.end(), [name](const Field& f) { return f.key == name; });
      if (it == fields.end()) {
        p_.Add(line, "unknown key '" + full + "'");
        continue;
      }
      p_.SetLine(full, line);
      it->fn(v, full);
    }
  }

  Handler Str(std::string& out) {
    return [this, &out](const toml::node& n, const std::string& path) {
      if (const auto* s = n.as_string()) {
        out = s->get();
      } else {
        Bad(n, path, "a string");
      }
    };
  }

  Handler Bool(bool& out) {
    return [this, &out](const toml::node& n, const std::string& path) {
      if (const auto* b = n.as_boolean()) {
        out = b->get();
      } else {
        Bad(n, path, "a boolean (true or false)");
      }
    };
  }

  template <class T>
  Handler Int(T& out, int64_t lo, int64_t hi) {
    return [this, &out, lo, hi](const toml::node& n, const std::string& path) {
      const auto* i = n.as_integer();
      if (i != nullptr && i->get() >= lo && i->get() <= hi) {
        out = static_cast<T>(i->get());
      } else {
        Bad(n, path, "an integer " + std::to_string(lo) + ".." + std::to_string(hi));
      }
    };
  }

  Handler StrList(std::vector<std::string>& out) {
    return [this, &out](const toml::node& n, const std::string& path) {
      const auto* arr = n.as_array();
      std::vector<std::string> v;
      bool ok = arr != nullptr;
      if (ok) {
        for (const toml::node& e : *arr) {
          const auto* s = e.as_string();
          if (s == nullptr) {
            ok = false;
            break;
          }
          v.push_back(s->get());
        }
      }
      if (ok) {
        out = std::move(v);
      } else {
        Bad(n, path, "an array of strings");
      }
    };
  }

  Handler Duration(uint32_t& out) {
    return [this, &out](const toml::node& n, const std::string& path) {
      std::optional<uint32_t> d;
      if (const auto* s = n.as_string()) d = ParseDuration(s->get());
      if (const auto* i = n.as_integer();
          i != nullptr && i->get() >= 0 && i->get() <= std::numeric_limits<uint32_t>::max()) {
        d = static_cast<uint32_t>(i->get());
      }
      if (d) {
        out = *d;
      } else {
        Bad(n, path, "a duration like \"24h\", \"90d\" or \"1h30m\"");
      }
    };
  }

  void Provisioners(const toml::node& node, Config& cfg) {
    const toml::table* tbl = node.as_table();
    if (tbl == nullptr) {
      p_.Add(LineOf(node), "'provisioners' must be a table");
      return;
    }
    for (auto&& [k, v] : *tbl) {
      std::string name(k.str());
      std::string path = "provisioners." + name;
      int64_t line = static_cast<int64_t>(k.source().begin.line);
      p_.SetLine(path, line > 0 ? line : LineOf(v));
      ProvisionerConfig& pc = cfg.provisioners[name];
      pc.name = name;
      Table(v, path,
            {{"challenges", StrList(pc.challenges)},
             {"require_eab", Bool(pc.require_eab)},
             {"cert_lifetime", Duration(pc.cert_lifetime_s)},
             {"max_cert_lifetime", Duration(pc.max_cert_lifetime_s)},
             {"allowed_identifier_types", StrList(pc.allowed_identifier_types)},
             {"allowed_names", StrList(pc.names.allowed_names)},
             {"denied_names", StrList(pc.names.denied_names)},
             {"inventory", Str(pc.inventory)},
             {"formats", [this, &pc](const toml::node& n, const std::string& p) { Formats(n, p, pc); }},
             {"certificate", [this, &pc](const toml::node& n, const std::string& p) {
                Table(n, p,
                      {{"keep_subject", StrList(pc.certificate.keep_subject)},
                       {"keep_sans", StrList(pc.certificate.keep_sans)},
                       {"extended_key_usage", StrList(pc.certificate.extended_key_usage)}});
              }},
             {"webhook", [this, &pc](const toml::node& n, const std::string& p) { Webhook(n, p, pc); }}});
    }
  }

  // Formats reads [provisioners.NAME.formats.FORMAT] tables.
  void Formats(const toml::node& node, const std::string& path, ProvisionerConfig& pc) {
    std::vector<Field> fields;
    for (const char* f : kAttestationFormats) {
      fields.push_back({f, [this, &pc, f](const toml::node& n, const std::string& p) {
                          FormatConfig& fc = pc.formats[f];
                          Table(n, p,
                                {{"enabled", Bool(fc.enabled)},
                                 {"roots", StrList(fc.roots)},
                                 {"builtin_roots", Bool(fc.builtin_roots)},
                                 {"require_nonce", Bool(fc.require_nonce)},
                                 {"min_os_version", Str(fc.min_os_version)},
                                 {"require_sip", Bool(fc.require_sip)},
                                 {"require_full_secure_boot", Bool(fc.require_full_secure_boot)},
                                 {"revocation_list", Str(fc.revocation_list)},
                                 {"min_security_level", Str(fc.min_security_level)},
                                 {"require_verified_boot", Bool(fc.require_verified_boot)},
                                 {"require_locked_bootloader", Bool(fc.require_locked_bootloader)},
                                 {"min_patch_level", Str(fc.min_patch_level)},
                                 {"require_pin_policy", Bool(fc.require_pin_policy)},
                                 {"require_touch_policy", Bool(fc.require_touch_policy)}});
                        }});
    }
    Table(node, path, fields);
  }

  // Webhook reads [provisioners.NAME.webhook].
  void Webhook(const toml::node& node, const std::string& path, ProvisionerConfig& pc) {
    WebhookConfig& w = pc.webhook.emplace();
    Table(node, path,
          {{"url", Str(w.url)},
           {"secret_file", Str(w.secret_file)},
           {"secret_env", Str(w.secret_env)},
           {"timeout", Duration(w.timeout_s)},
           {"ca_file", Str(w.ca_file)},
           {"allow_insecure_http", Bool(w.allow_insecure_http)}});
  }

  // AdminTokens reads `tokens = [{id = "ops", sha256 = "<hex>"}, ...]`.
  void AdminTokens(const toml::node& node, const std::string& path, AdminConfig& admin) {
    const auto* arr = node.as_array();
    if (arr == nullptr) {
      Bad(node, path, "an array of tables like {id = \"ops\", sha256 = \"<hex>\"}");
      return;
    }
    size_t i = 0;
    for (const toml::node& e : *arr) {
      AdminToken& t = admin.tokens.emplace_back();
      const std::string item = path + "[" + std::to_string(i++) + "]";
      p_.SetLine(item, LineOf(e));
      Table(e, item, {{"id", Str(t.id)}, {"sha256", Str(t.sha256_hex)}});
    }
  }

  // AdminClientCerts reads `client_certs = [{id = "ops-laptop", serial = "<hex>"}, ...]`.
  void AdminClientCerts(const toml::node& node, const std::string& path, AdminConfig& admin) {
    const auto* arr = node.as_array();
    if (arr == nullptr) {
      Bad(node, path, "an array of tables like {id = \"ops-laptop\", serial = \"<hex>\"}");
      return;
    }
    size_t i = 0;
    for (const toml::node& e : *arr) {
      AdminClientCert& c = admin.client_certs.emplace_back();
      const std::string item = path + "[" + std::to_string(i++) + "]";
      p_.SetLine(item, LineOf(e));
      Table(e, item, {{"id", Str(c.id)}, {"serial", Str(c.serial)}});
    }
  }

  void Root(const toml::table& root, Config& cfg) {
    ServerConfig& s = cfg.server;
    CaConfig& ca = cfg.ca;
    DatabaseConfig& db = cfg.database;
    ValidationConfig& va = cfg.validation;
    AcmeConfig& acme = cfg.acme;
    LogConfig& log = cfg.log;
    OcspConfig& ocsp = cfg.ocsp;
    CrlConfig& crl = cfg.crl;
    AdminConfig& admin = cfg.admin;
    bool seen_storage = false;
    std::vector<Field> top = {
        {"server",
         [&](const toml::node& n, const std::string& path) {
           Table(n, path,
                 {{"listen", Str(s.listen)},
                  {"http_listen", Str(s.http_listen)},
                  {"external_url", Str(s.external_url)},
                  {"public_http_url", Str(s.public_http_url)},
                  {"tls_cert", Str(s.tls_cert)},
                  {"tls_key", Str(s.tls_key)},
                  {"max_body_bytes", Int(s.max_body_bytes, 1024, 1 << 30)},
                  {"threads", Int(s.threads, 0, 1024)}});
         }},
        {"ca",
         [&](const toml::node& n, const std::string& path) {
           Table(n, path,
                 {{"root_cert", Str(ca.root_cert)},
                  {"intermediate_cert", Str(ca.intermediate_cert)},
                  {"intermediate_key", Str(ca.intermediate_key)},
                  {"root_key", Str(ca.root_key)},
                  {"root_crl", Str(ca.root_crl)},
                  {"passphrase_file", Str(ca.passphrase_file)},
                  {"passphrase_env", Str(ca.passphrase_env)}});
         }},
        {"storage",
         [&](const toml::node& n, const std::string& path) {
           if (seen_storage) p_.Add(LineOf(n), "use only one of [storage] and [database] (the older name)");
           seen_storage = true;
           Table(n, path,
                 {{"backend", Str(db.backend)},
                  {"path", Str(db.path)},
                  {"url", Str(db.url)},
                  {"pool_size", Int(db.pool_size, 1, 1000)},
                  {"statement_timeout", Duration(db.statement_timeout_s)}});
         }},
        // [database] is the name before PostgreSQL came: driver and path only.
        {"database",
         [&](const toml::node& n, const std::string& path) {
           if (seen_storage) p_.Add(LineOf(n), "use only one of [storage] and [database] (the older name)");
           seen_storage = true;
           db.legacy_section = true;
           Table(n, path, {{"driver", Str(db.backend)}, {"path", Str(db.path)}});
         }},
        {"validation",
         [&](const toml::node& n, const std::string& path) {
           Table(n, path,
                 {{"http01_port", Int(va.http01_port, 1, 65535)},
                  {"tlsalpn01_port", Int(va.tlsalpn01_port, 1, 65535)},
                  {"dns_resolver", Str(va.dns_resolver)},
                  {"timeout_ms", Int(va.timeout_ms, 100, 120000)},
                  {"max_concurrent", Int(va.max_concurrent, 1, 100000)},
                  {"max_redirects", Int(va.max_redirects, 0, 100)}});
         }},
        {"acme",
         [&](const toml::node& n, const std::string& path) {
           Table(n, path,
                 {{"terms_of_service", Str(acme.terms_of_service)},
                  {"website", Str(acme.website)},
                  {"caa_identities", StrList(acme.caa_identities)},
                  {"order_lifetime", Duration(acme.order_lifetime_s)},
                  {"authz_lifetime", Duration(acme.authz_lifetime_s)},
                  {"nonce_lifetime", Duration(acme.nonce_lifetime_s)},
                  {"processing_timeout", Duration(acme.processing_timeout_s)}});
         }},
        {"ocsp",
         [&](const toml::node& n, const std::string& path) {
           Table(n, path,
                 {{"validity", Duration(ocsp.validity_s)},
                  {"echo_nonce", Bool(ocsp.echo_nonce)},
                  {"signer", Str(ocsp.signer)},
                  {"cache_entries", Int(ocsp.cache_entries, 1, 10000000)},
                  {"revocation_poll_ms", Int(ocsp.revocation_poll_ms, 0, 1000)}});
         }},
        {"crl",
         [&](const toml::node& n, const std::string& path) { 
           Table(n, path, {{"validity", Duration(crl.validity_s)}, {"root_validity", Duration(crl.root_validity_s)}});
         }},
        {"admin",
         [&](const toml::node& n, const std::string& path) {
           Table(n, path,
                 {{"tokens", [&](const toml::node& t, const std::string& p) { AdminTokens(t, p, admin); }},
                  {"client_certs",
                   [&](const toml::node& t, const std::string& p) { AdminClientCerts(t, p, admin); }}});
         }},
        {"log",
         [&](const toml::node& n, const std::string& path) {
           Table(n, path, {{"level", Str(log.level)}, {"json", Bool(log.json)}});
         }},
        {"provisioners", [&](const toml::node& n, const std::string&) { Provisioners(n, cfg); }},
    };
    Table(root, "", top);
  }

 private:
  void Bad(const toml::node& n, const std::string& path, const std::string& what) {
    p_.Add(LineOf(n), "'" + path + "' must be " + what);
  }

  Problems& p_;
};

}  // namespace

std::string Config::Path(const std::string& p) const {
  if (p.empty() || p.front() == '/' || dir.empty()) return p;
  return dir + "/" + p;
}

Result<Config> ParseConfig(const std::string& toml_text, const std::string& source_name,
                           const std::string& dir) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return Fail(Errc::kMalformed, source_name + ":" + std::to_string(b.line) + ":" +
                                      std::to_string(b.column) + ": " +
                                      std::string(e.description()));
  }
  Config cfg;
  cfg.dir = dir;
  Problems problems(source_name);
  Parser(problems).Root(root, cfg);
  internal::Validate(cfg, problems);
  if (!problems.Empty()) return Fail(Errc::kMalformed, problems.Joined());
  return cfg;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Errc::kMalformed, path + ": cannot open config file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Fail(Errc::kMalformed, path + ": cannot read config file");
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return Fail(Errc::kMalformed, path + ": " + ec.message());
  std::string dir = abs.lexically_normal().parent_path().string();
  return ParseConfig(ss.str(), path, dir);
}

}  // namespace ca::config

#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace ca::config {
namespace {

constexpr const char* kMinimal = "[provisioners.acme]\n";

Result<Config> Parse(const std::string& text) { return ParseConfig(text, "t.toml", "/etc/ca"); }

std::string ErrorOf(const std::string& text) {
  auto r = Parse(text);
  EXPECT_FALSE(r.has_value()) << text;
  if (r) return "";
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  return r.error().detail;
}

TEST(ConfigTest, Defaults) {
  auto r = Parse(kMinimal);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  const Config& c = *r;
  EXPECT_EQ(c.dir, "/etc/ca");
  EXPECT_EQ(c.server.listen, "127.0.0.1:8443");
  EXPECT_EQ(c.server.http_listen, "127.0.0.1:8080");
  EXPECT_EQ(c.server.external_url, "https://127.0.0.1:8443");
  EXPECT_EQ(c.server.max_body_bytes, 64u * 1024);
  EXPECT_EQ(c.ca.root_cert, "root.crt");
  EXPECT_EQ(c.database.backend, "sqlite");
  EXPECT_EQ(c.validation.http01_port, 80);
  EXPECT_EQ(c.validation.timeout_ms, 10000u);
  EXPECT_EQ(c.acme.order_lifetime_s, 7u * 86400);
  EXPECT_EQ(c.log.level, "info");
  ASSERT_EQ(c.provisioners.size(), 1u);
  const ProvisionerConfig& p = c.provisioners.at("acme");
  EXPECT_EQ(p.name, "acme");
  EXPECT_EQ(p.challenges.size(), 3u);
  EXPECT_EQ(p.cert_lifetime_s, 86400u);
  EXPECT_FALSE(p.require_eab);
}

TEST(ConfigTest, EveryKeyParsed) {
  auto r = Parse(R"(
[server]
listen = "[::1]:9443"
http_listen = "0.0.0.0:9080"
external_url = "https://ca.example.com/"
tls_cert = "/abs/tls.pem"
tls_key = "k.pem"
max_body_bytes = 2048
threads = 4

[ca]
root_cert = "r.pem"
intermediate_cert = "i.pem"
intermediate_key = "i.key"
passphrase_file = "pass.txt"

[database]
driver = "sqlite"
path = "db/ca.db"

[validation]
http01_port = 5002
tlsalpn01_port = 5001
dns_resolver = "[::1]:53"
timeout_ms = 5000
max_concurrent = 8
max_redirects = 3

[acme]
terms_of_service = "https://example.com/tos"
website = "https://example.com"
caa_identities = ["ca.example.com"]
order_lifetime = "1d"
authz_lifetime = "12h"
nonce_lifetime = "30m"
processing_timeout = "90s"

[log]
level = "debug"
json = true

[provisioners.devices]
challenges = ["dns-01"]
require_eab = true
cert_lifetime = "1h"
max_cert_lifetime = "1h30m"
allowed_identifier_types = ["dns"]
allowed_names = [".corp.example", "host.example", "10.0.0.0/8", "fd00::/8"]
denied_names = ["bad.corp.example"]

[provisioners.web-2]
)");
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  const Config& c = *r;
  EXPECT_EQ(c.server.listen, "[::1]:9443");
  EXPECT_EQ(c.server.http_listen, "0.0.0.0:9080");
  EXPECT_EQ(c.server.external_url, "https://ca.example.com");
  EXPECT_EQ(c.server.tls_cert, "/abs/tls.pem");
  EXPECT_EQ(c.server.tls_key, "k.pem");
  EXPECT_EQ(c.server.max_body_bytes, 2048u);
  EXPECT_EQ(c.server.threads, 4u);
  EXPECT_EQ(c.ca.root_cert, "r.pem");
  EXPECT_EQ(c.ca.intermediate_cert, "i.pem");
  EXPECT_EQ(c.ca.intermediate_key, "i.key");
  EXPECT_EQ(c.ca.passphrase_file, "pass.txt");
  EXPECT_EQ(c.database.path, "db/ca.db");
  EXPECT_EQ(c.validation.http01_port, 5002);
  EXPECT_EQ(c.validation.tlsalpn01_port, 5001);
  EXPECT_EQ(c.validation.dns_resolver, "[::1]:53");
  EXPECT_EQ(c.validation.timeout_ms, 5000u);
  EXPECT_EQ(c.validation.max_concurrent, 8u);
  EXPECT_EQ(c.validation.max_redirects, 3u);
  EXPECT_EQ(c.acme.terms_of_service, "https://example.com/tos");
  EXPECT_EQ(c.acme.website, "https://example.com");
  EXPECT_EQ(c.acme.caa_identities, std::vector<std::string>{"ca.example.com"});
  EXPECT_EQ(c.acme.order_lifetime_s, 86400u);
  EXPECT_EQ(c.acme.authz_lifetime_s, 43200u);
  EXPECT_EQ(c.acme.nonce_lifetime_s, 1800u);
  EXPECT_EQ(c.acme.processing_timeout_s, 90u);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_TRUE(c.log.json);
  ASSERT_EQ(c.provisioners.size(), 2u);
  const ProvisionerConfig& p = c.provisioners.at("devices");
  EXPECT_EQ(p.challenges, std::vector<std::string>{"dns-01"});
  EXPECT_TRUE(p.require_eab);
  EXPECT_EQ(p.cert_lifetime_s, 3600u);
  EXPECT_EQ(p.max_cert_lifetime_s, 5400u);
  EXPECT_EQ(p.allowed_identifier_types, std::vector<std::string>{"dns"});
  EXPECT_EQ(p.names.allowed_names.size(), 4u);
  EXPECT_EQ(p.names.denied_names, std::vector<std::string>{"bad.corp.example"});
  EXPECT_EQ(c.provisioners.at("web-2").name, "web-2");
  EXPECT_EQ(c.Path(c.server.tls_cert), "/abs/tls.pem");
  EXPECT_EQ(c.Path(c.database.path), "/etc/ca/db/ca.db");
}

TEST(ConfigTest, UnknownTopLevelKey) {
  std::string e = ErrorOf("[provisioners.acme]\n\n[bogus]\nx = 1\n");
  EXPECT_EQ(e, "t.toml:3: unknown key 'bogus'");
  e = ErrorOf("stray = 1\n[provisioners.acme]\n");
  EXPECT_EQ(e, "t.toml:1: unknown key 'stray'");
}

TEST(ConfigTest, UnknownKeyInSection) {
  std::string e =
      ErrorOf("[server]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n[provisioners.acme]\n");
  EXPECT_EQ(e, "t.toml:3: unknown key 'server.lisen'");
  e = ErrorOf("[validation]\nfoo = 1\n[provisioners.acme]\n");
  EXPECT_EQ(e, "t.toml:2: unknown key 'validation.foo'");
}

TEST(ConfigTest, UnknownKeyInProvisioner) {
  std::string e =
      ErrorOf("[provisioners.acme]\nchallenges = [\"http-01\"]\ncert_lifetim = \"1h\"\n");
  EXPECT_EQ(e, "t.toml:3: unknown key 'provisioners.acme.cert_lifetim'");
}

TEST(ConfigTest, SeveralErrorsReportedTogether) {
  std::string e = ErrorOf(R"([server]
threads = "four"
[validation]
http01_port = 0
foo = true
[log]
level = "loud"
[provisioners.acme]
cert_lifetime = "soon"
challenges = ["http-01", "smtp-01"]
)");
  EXPECT_EQ(
      e,
      "t.toml:2: 'server.threads' must be an integer 0..1024\n"
      "t.toml:4: 'validation.http01_port' must be an integer 1..65535\n"
      "t.toml:5: unknown key 'validation.foo'\n"
      "t.toml:7: 'log.level' must be one of debug, info, warn, error; got 'loud'\n"
      "t.toml:9: 'provisioners.acme.cert_lifetime' must be a duration like \"24h\", \"90d\" or "
      "\"1h30m\"\n"
      "t.toml:10: 'provisioners.acme.challenges': unknown value 'smtp-01' (allowed: http-01, "
      "dns-01, tls-alpn-01, device-attest-01)");
}

TEST(ConfigTest, BadTypes) {
  EXPECT_EQ(ErrorOf("[server]\nlisten = 8443\n[provisioners.acme]\n"),
            "t.toml:2: 'server.listen' must be a string");
  EXPECT_EQ(ErrorOf("[log]\njson = \"yes\"\n[provisioners.acme]\n"),
            "t.toml:2: 'log.json' must be a boolean (true or false)");
  EXPECT_EQ(ErrorOf("[validation]\nhttp01_port = 70000\n[provisioners.acme]\n"),
            "t.toml:2: 'validation.http01_port' must be an integer 1..65535");
  EXPECT_EQ(ErrorOf("[validation]\ntimeout_ms = 50\n[provisioners.acme]\n"),
            "t.toml:2: 'validation.timeout_ms' must be an integer 100..120000");
  EXPECT_EQ(ErrorOf("[acme]\ncaa_identities = [\"a\", 1]\n[provisioners.acme]\n"),
            "t.toml:2: 'acme.caa_identities' must be an array of strings");
  EXPECT_EQ(ErrorOf("server = 1\n[provisioners.acme]\n"), "t.toml:1: 'server' must be a table");
  EXPECT_EQ(ErrorOf("[provisioners]\nacme = 1\n"), "t.toml:2: 'provisioners.acme' must be a table");
}

TEST(ConfigTest, SyntaxErrorHasLineAndColumn) {
  std::string e = ErrorOf("[server]\nlisten = \n");
  EXPECT_EQ(e.rfind("t.toml:2:", 0), 0u) << e;
}

TEST(ConfigTest, StorageBackends) {
  auto pg = Parse(
      "[storage]\nbackend = \"postgres\"\nurl = \"postgresql://ca@db:5432/attestca\"\npool_size = 3\n"
      "statement_timeout = \"2s\"\n[provisioners.acme]\n");
  ASSERT_TRUE(pg) << pg.error().detail;
  EXPECT_EQ(pg->database.backend, "postgres");
  EXPECT_EQ(pg->database.url, "postgresql://ca@db:5432/attestca");
  EXPECT_EQ(pg->database.pool_size, 3u);
  EXPECT_EQ(pg->database.statement_timeout_s, 2u);
  auto sqlite = Parse("[storage]\nbackend = \"sqlite\"\npath = \"x.db\"\n[provisioners.acme]\n");
  ASSERT_TRUE(sqlite) << sqlite.error().detail;
  EXPECT_EQ(sqlite->database.path, "x.db");
  // The older [database] table still reads.
  auto legacy = Parse("[database]\ndriver = \"sqlite\"\npath = \"old.db\"\n[provisioners.acme]\n");
  ASSERT_TRUE(legacy) << legacy.error().detail;
  EXPECT_EQ(legacy->database.path, "old.db");

  EXPECT_EQ(ErrorOf("[storage]\nbackend = \"postgres\"\n[provisioners.acme]\n"),
            "t.toml:2: 'storage.url' is required for backend = \"postgres\" (postgresql://USER@HOST:PORT/DB)");
  // A bad URL is refused without echoing it (it may hold a password).
  EXPECT_EQ(ErrorOf("[storage]\nbackend = \"postgres\"\nurl = \"mysql://u:pw@h/db\"\n[provisioners.acme]\n"),
            "t.toml:3: 'storage.url' must be a postgresql:// URL");
  EXPECT_EQ(ErrorOf("[storage]\nbackend = \"oracle\"\n[provisioners.acme]\n"),
            "t.toml:2: 'storage.backend' must be \"sqlite\" or \"postgres\", got 'oracle'");
  EXPECT_EQ(ErrorOf("[storage]\nurl = \"postgresql://h/db\"\n[provisioners.acme]\n"),
            "t.toml:2: 'storage.url' is for backend = \"postgres\"; SQLite uses 'storage.path'");
  EXPECT_EQ(ErrorOf("[storage]\nbackend = \"postgres\"\nurl = \"postgresql://h/db\"\npool = 3\n[provisioners.acme]\n"),
            "t.toml:4: unknown key 'storage.pool'");
  EXPECT_EQ(ErrorOf("[storage]\nbackend = \"postgres\"\nurl = \"postgresql://h/db\"\npool_size = 0\n"
                    "[provisioners.acme]\n"),
            "t.toml:4: 'storage.pool_size' must be an integer 1..1000");
  EXPECT_EQ(ErrorOf("[database]\ndriver = \"postgres\"\n[provisioners.acme]\n"),
            "t.toml:2: PostgreSQL is configured in [storage] (backend = \"postgres\", url = ...), not [database]");
  EXPECT_NE(ErrorOf("[storage]\n[database]\n[provisioners.acme]\n").find("use only one of [storage] and [database]"),
            std::string::npos);
}

TEST(ConfigTest, SemanticChecks) {
  EXPECT_EQ(ErrorOf(""), "t.toml: at least one [provisioners.NAME] table is required");
  EXPECT_NE(ErrorOf("[provisioners.Bad]\n").find("provisioner name 'Bad'"), std::string::npos);
  EXPECT_NE(ErrorOf("[provisioners.-x]\n").find("provisioner name '-x'"), std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nlisten = \"::1:8443\"\n[provisioners.acme]\n").find("server.listen"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[server]\nlisten = \"host\"\n[provisioners.acme]\n").find("server.listen"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[validation]\ndns_resolver = \"8.8.8.8\"\n[provisioners.acme]\n")
                .find("validation.dns_resolver"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("[provisioners.acme]\nchallenges = []\n"),
            "t.toml:2: 'provisioners.acme.challenges' must not be empty");
  EXPECT_NE(
      ErrorOf("[provisioners.acme]\nallowed_identifier_types = [\"email\"]\n").find("'email'"),
      std::string::npos);
  EXPECT_EQ(ErrorOf("[provisioners.acme]\ncert_lifetime = \"30s\"\n"),
            "t.toml:2: 'provisioners.acme.cert_lifetime' must be between 1m and 398d");
  EXPECT_EQ(ErrorOf("[provisioners.acme]\ncert_lifetime = \"399d\"\n"),
            "t.toml:2: 'provisioners.acme.cert_lifetime' must be between 1m and 398d");
  EXPECT_TRUE(Parse("[provisioners.acme]\ncert_lifetime = \"398d\"\n").has_value());
  EXPECT_EQ(
      ErrorOf("[provisioners.acme]\ncert_lifetime = \"2h\"\nmax_cert_lifetime = \"1h\"\n"),
      "t.toml:3: 'provisioners.acme.max_cert_lifetime' must be 0 or between cert_lifetime and "
      "398d");
  EXPECT_NE(ErrorOf("[ca]\npassphrase_file = \"p\"\npassphrase_env = \"P\"\n[provisioners.acme]\n")
                .find("set only one of"),
            std::string::npos);
  EXPECT_TRUE(Parse("[provisioners.acme]\ncert_lifetime = \"1m\"\n").has_value());
  EXPECT_TRUE(Parse("[server]\nlisten = \"127.0.0.1:0\"\n[provisioners.acme]\n").has_value());
}

TEST(ConfigTest, PublicHttpUrl) {
  EXPECT_EQ(Parse(kMinimal)->server.public_http_url, "http://127.0.0.1:8080");
  EXPECT_EQ(Parse("[server]\nhttp_listen = \"0.0.0.0:80\"\n[provisioners.acme]\n")->server.public_http_url,
            "http://localhost:80");
  EXPECT_EQ(Parse("[server]\nhttp_listen = \"[::1]:8080\"\n[provisioners.acme]\n")->server.public_http_url,
            "http://[::1]:8080");
  auto set = Parse("[server]\npublic_http_url = \"http://pki.corp.example/ca1//\"\n[provisioners.acme]\n");
  ASSERT_TRUE(set.has_value()) << set.error().detail;
  EXPECT_EQ(set->server.public_http_url, "http://pki.corp.example/ca1");  // trailing '/' dropped
  for (const char* bad : {"https://pki.example", "pki.example", "http://", "http:///x", "http://a.example/?x=1",
                          "http://a.example/#f", "http://a.example/a b", "http://a.example/a,b"}) {
    EXPECT_EQ(ErrorOf(std::string("[server]\npublic_http_url = \"") + bad + "\"\n[provisioners.acme]\n")
                  .find("t.toml:2: 'server.public_http_url' must be an http:// URL"),
              0u)
        << bad;
  }
}

TEST(ConfigTest, CrlValidity) {
  EXPECT_EQ(Parse("[crl]\nvalidity = \"7d\"\n[provisioners.acme]\n")->crl.validity_s, 7u * 86400);
  EXPECT_EQ(ErrorOf("[crl]\nvalidity = \"30m\"\n[provisioners.acme]\n"),
            "t.toml:2: 'crl.validity' must be between 1h and 10d");
  EXPECT_EQ(ErrorOf("[crl]\nvalidity = \"11d\"\n[provisioners.acme]\n"),
            "t.toml:2: 'crl.validity' must be between 1h and 10d");
  EXPECT_NE(ErrorOf("[crl]\nshards = 2\n[provisioners.acme]\n").find("unknown key"), std::string::npos);
}

TEST(ConfigTest, RootCrlSettings) {
  auto d = Parse("[provisioners.acme]\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->crl.root_validity_s, 365u * 86400);
  EXPECT_EQ(d->ca.root_key, "root.key");
  EXPECT_EQ(d->ca.root_crl, "root.crl");
  auto c = Parse("[ca]\nroot_key = \"offline/none.key\"\nroot_crl = \"pub/root.crl\"\n[crl]\nroot_validity = \"90d\"\n"
                 "[provisioners.acme]\n");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->crl.root_validity_s, 90u * 86400);
  EXPECT_EQ(c->ca.root_key, "offline/none.key");
  EXPECT_EQ(c->ca.root_crl, "pub/root.crl");
  EXPECT_EQ(ErrorOf("[crl]\nroot_validity = \"31d\"\n[provisioners.acme]\n"),
            "t.toml:2: 'crl.root_validity' must be between 32d and 365d");
  EXPECT_EQ(ErrorOf("[crl]\nroot_validity = \"366d\"\n[provisioners.acme]\n"),
            "t.toml:2: 'crl.root_validity' must be between 32d and 365d");
}

TEST(ConfigTest, BadDurations) {
  EXPECT_NE(ErrorOf("[acme]\norder_lifetime = \"7 days\"\n[provisioners.acme]\n")
                .find("'acme.order_lifetime' must be a duration"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[acme]\nnonce_lifetime = \"0s\"\n[provisioners.acme]\n")
                .find("'acme.nonce_lifetime' must be between"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[acme]\nprocessing_timeout = \"0s\"\n[provisioners.acme]\n")
                .find("'acme.processing_timeout' must be between 1s and 1d"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[acme]\nprocessing_timeout = \"2d\"\n[provisioners.acme]\n")
                .find("'acme.processing_timeout' must be between 1s and 1d"),
            std::string::npos);
}

TEST(ConfigTest, NameEntries) {
  auto with = [](const std::string& entry) {
    return Parse("[provisioners.acme]\nallowed_names = [\"" + entry + "\"]\n");
  };
  for (const char* ok : {"10.0.0.0/8", "fd00::/8", "192.168.1.0/24", "::/0", ".corp.example",
                         "host.example", "10.1.2.3", "2001:db8::1"}) {
    EXPECT_TRUE(with(ok).has_value()) << ok;
  }
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0/8", "10.0.0.0/", "10.0.0.0/x",
                          "fd00::zz/8", "..corp", "bad_name.example", "", "-x.example"}) {
    auto r = with(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().detail.find("provisioners.acme.allowed_names"), std::string::npos);
  }
  auto r = Parse("[provisioners.acme]\ndenied_names = [\"1.2.3.4/40\"]\n");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail,
            "t.toml:2: 'provisioners.acme.denied_names': '1.2.3.4/40' is neither a DNS name, a "
            ".suffix, an IP address nor a CIDR range");
}

TEST(ConfigTest, ExternalUrlDerivation) {
  auto url = [](const std::string& listen) {
    auto r = Parse("[server]\nlisten = \"" + listen + "\"\n[provisioners.acme]\n");
    EXPECT_TRUE(r.has_value()) << listen;
    return r ? r->server.external_url : std::string();
  };
  EXPECT_EQ(url("127.0.0.1:8443"), "https://127.0.0.1:8443");
  EXPECT_EQ(url("0.0.0.0:443"), "https://localhost:443");
  EXPECT_EQ(url("[::]:8443"), "https://localhost:8443");
  EXPECT_EQ(url("[::1]:8443"), "https://[::1]:8443");
  EXPECT_EQ(url("ca.example.com:8443"), "https://ca.example.com:8443");
  auto r = Parse("[server]\nexternal_url = \"https://ca.example/acme//\"\n[provisioners.acme]\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->server.external_url, "https://ca.example/acme");
}

TEST(ConfigTest, PathResolution) {
  Config c;
  c.dir = "/srv/ca";
  EXPECT_EQ(c.Path("root.crt"), "/srv/ca/root.crt");
  EXPECT_EQ(c.Path("keys/i.key"), "/srv/ca/keys/i.key");
  EXPECT_EQ(c.Path("/etc/ssl/x.pem"), "/etc/ssl/x.pem");
  EXPECT_EQ(c.Path(""), "");
}

TEST(ConfigTest, ParseDuration) {
  EXPECT_EQ(ParseDuration("90d"), 90u * 86400);
  EXPECT_EQ(ParseDuration("24h"), 86400u);
  EXPECT_EQ(ParseDuration("30m"), 1800u);
  EXPECT_EQ(ParseDuration("45s"), 45u);
  EXPECT_EQ(ParseDuration("1h30m"), 5400u);
  EXPECT_EQ(ParseDuration("1d2h3m4s"), 86400u + 7200 + 180 + 4);
  EXPECT_EQ(ParseDuration("3600"), 3600u);
  EXPECT_EQ(ParseDuration("0"), 0u);
  EXPECT_EQ(ParseDuration("4294967295"), 4294967295u);
  for (const char* bad : {"", "h", "1x", "1h30", "-1s", " 1h", "1h ", "1.5h", "4294967296",
                          "49711d", "99999999999999999999s", "1H", "d1"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
}

TEST(ConfigTest, DefaultTextRoundTrips) {
  InitOptions opts;
  auto r = Parse(DefaultConfigText(opts));
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  const Config& c = *r;
  const Config d;
  EXPECT_EQ(c.server.listen, opts.listen);
  EXPECT_EQ(c.server.http_listen, opts.http_listen);
  EXPECT_EQ(c.server.external_url, "https://127.0.0.1:8443");
  EXPECT_EQ(c.server.public_http_url, "http://127.0.0.1:8080");
  EXPECT_EQ(c.crl.validity_s, 24u * 3600);
  EXPECT_EQ(c.crl.root_validity_s, d.crl.root_validity_s);
  EXPECT_EQ(c.ca.root_key, "root.key");
  EXPECT_EQ(c.ca.root_crl, "root.crl");
  EXPECT_EQ(c.server.tls_cert, "tls.crt");
  EXPECT_EQ(c.server.tls_key, "tls.key");
  EXPECT_EQ(c.server.max_body_bytes, d.server.max_body_bytes);
  EXPECT_EQ(c.server.threads, d.server.threads);
  EXPECT_EQ(c.ca.root_cert, "root.crt");
  EXPECT_EQ(c.ca.intermediate_cert, "intermediate.crt");
  EXPECT_EQ(c.ca.intermediate_key, "intermediate.key");
  EXPECT_EQ(c.ca.passphrase_file, "");
  EXPECT_EQ(c.ca.passphrase_env, "");
  EXPECT_EQ(c.database.backend, "sqlite");
  EXPECT_EQ(c.database.path, "attestca.db");
  EXPECT_EQ(c.validation.http01_port, d.validation.http01_port);
  EXPECT_EQ(c.validation.tlsalpn01_port, d.validation.tlsalpn01_port);
  EXPECT_EQ(c.validation.dns_resolver, "");
  EXPECT_EQ(c.validation.timeout_ms, d.validation.timeout_ms);
  EXPECT_EQ(c.validation.max_concurrent, d.validation.max_concurrent);
  EXPECT_EQ(c.validation.max_redirects, d.validation.max_redirects);
  EXPECT_EQ(c.acme.order_lifetime_s, d.acme.order_lifetime_s);
  EXPECT_EQ(c.acme.authz_lifetime_s, d.acme.authz_lifetime_s);
  EXPECT_EQ(c.acme.nonce_lifetime_s, d.acme.nonce_lifetime_s);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_FALSE(c.log.json);
  ASSERT_EQ(c.provisioners.size(), 2u);
  const ProvisionerConfig& dev = c.provisioners.at("devices");
  EXPECT_EQ(dev.challenges, std::vector<std::string>{"device-attest-01"});
  EXPECT_EQ(dev.allowed_identifier_types,
            (std::vector<std::string>{"permanent-identifier", "hardware-module"}));
  EXPECT_EQ(dev.inventory, "required");
  EXPECT_TRUE(dev.FormatFor("apple").require_nonce);
  EXPECT_EQ(dev.certificate.keep_subject, std::vector<std::string>{"CN"});
  EXPECT_TRUE(dev.certificate.keep_sans.empty());
  EXPECT_EQ(dev.certificate.extended_key_usage, std::vector<std::string>{"clientAuth"});
  const ProvisionerConfig& p = c.provisioners.at("acme");
  const ProvisionerConfig dp;
  EXPECT_EQ(p.challenges, (std::vector<std::string>{"http-01", "dns-01", "tls-alpn-01"}));
  EXPECT_FALSE(p.require_eab);
  EXPECT_EQ(p.cert_lifetime_s, 86400u);
  EXPECT_EQ(p.max_cert_lifetime_s, dp.max_cert_lifetime_s);
  EXPECT_EQ(p.allowed_identifier_types, (std::vector<std::string>{"dns", "ip"}));
  EXPECT_TRUE(p.names.allowed_names.empty());
  EXPECT_TRUE(p.names.denied_names.empty());
}

TEST(ConfigTest, DefaultTextWithOptions) {
  InitOptions opts;
  opts.listen = "[::]:9443";
  opts.http_listen = "0.0.0.0:9080";
  opts.passphrase_file = "secret \"pass\".txt";
  std::string text = DefaultConfigText(opts);
  EXPECT_EQ(text.rfind("# ", 0), 0u);
  EXPECT_NE(text.find("# HTTPS listener for ACME (host:port"), std::string::npos);
  EXPECT_NE(text.find("# passphrase_env"), std::string::npos);
  EXPECT_NE(text.find("# dns_resolver"), std::string::npos);
  auto r = Parse(text);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->server.listen, "[::]:9443");
  EXPECT_EQ(r->server.http_listen, "0.0.0.0:9080");
  EXPECT_EQ(r->server.external_url, "https://localhost:9443");
  EXPECT_EQ(r->ca.passphrase_file, "secret \"pass\".txt");

  InitOptions env;
  env.passphrase_env = "CA_PASS";
  r = Parse(DefaultConfigText(env));
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->ca.passphrase_env, "CA_PASS");
  EXPECT_EQ(r->ca.passphrase_file, "");
}

// `attestca init --storage postgres --db-url URL` writes a [storage] table that loads as written.
TEST(ConfigTest, DefaultTextForPostgres) {
  InitOptions opts;
  opts.storage_backend = "postgres";
  opts.storage_url = "postgresql://ca@db.example:5432/attestca?sslmode=verify-full";
  auto r = Parse(DefaultConfigText(opts));
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->database.backend, "postgres");
  EXPECT_EQ(r->database.url, opts.storage_url);
  EXPECT_EQ(r->database.pool_size, DatabaseConfig().pool_size);
  EXPECT_EQ(r->database.statement_timeout_s, DatabaseConfig().statement_timeout_s);
}

TEST(ConfigTest, LoadConfigFromFile) {
  auto dir =
      std::filesystem::temp_directory_path() / ("attestca_cfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "attestca.toml";
  {
    std::ofstream out(file);
    out << DefaultConfigText(InitOptions{});
  }
  auto r = LoadConfig(file.string());
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(r->dir, dir.string());
  EXPECT_EQ(r->Path(r->ca.root_cert), (dir / "root.crt").string());
  {
    std::ofstream out(file);
    out << "[provisioners.acme]\nbogus = 1\n";
  }
  r = LoadConfig(file.string());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().detail, file.string() + ":2: unknown key 'provisioners.acme.bogus'");
  std::filesystem::remove_all(dir);
  r = LoadConfig(file.string());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace ca::config

namespace ca::config {
namespace {

TEST(ConfigDevices, FormatsAndInventory) {
  auto c = ParseConfig(R"([provisioners.devices]
challenges = ["device-attest-01"]
allowed_identifier_types = ["permanent-identifier", "hardware-module"]
inventory = "off"
[provisioners.devices.formats.apple]
require_nonce = false
roots = ["extra-apple.pem"]
[provisioners.devices.formats.tpm]
enabled = false
builtin_roots = false
)",
                       "t.toml", "/etc/ca");
  ASSERT_TRUE(c) << c.error().detail;
  const auto& p = c->provisioners.at("devices");
  EXPECT_EQ(p.inventory, "off");
  EXPECT_FALSE(p.FormatFor("apple").require_nonce);
  EXPECT_EQ(p.FormatFor("apple").roots, std::vector<std::string>{"extra-apple.pem"});
  EXPECT_FALSE(p.FormatFor("tpm").enabled);
  EXPECT_FALSE(p.FormatFor("tpm").builtin_roots);
  EXPECT_TRUE(p.FormatFor("step").enabled);  // absent table: defaults
  EXPECT_TRUE(p.FormatFor("step").require_nonce);
}

TEST(ConfigDevices, UnknownFormatAndBadInventoryRefused) {
  auto c = ParseConfig(R"([provisioners.devices]
inventory = "maybe"
[provisioners.devices.formats.packed]
enabled = true
)",
                       "t.toml", "/etc/ca");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("unknown key 'provisioners.devices.formats.packed'"), std::string::npos)
      << c.error().detail;
  EXPECT_NE(c.error().detail.find("inventory' must be \"required\" or \"off\""), std::string::npos)
      << c.error().detail;
}

TEST(ConfigDevices, CertificateTemplate) {
  auto c = ParseConfig(R"([provisioners.devices]
challenges = ["device-attest-01"]
allowed_identifier_types = ["permanent-identifier"]
[provisioners.devices.certificate]
keep_subject = ["CN", "O"]
keep_sans = ["email", "upn"]
extended_key_usage = ["clientAuth", "serverAuth"]
)",
                       "t.toml", "/etc/ca");
  ASSERT_TRUE(c) << c.error().detail;
  const auto& t = c->provisioners.at("devices").certificate;
  EXPECT_EQ(t.keep_subject, (std::vector<std::string>{"CN", "O"}));
  EXPECT_EQ(t.keep_sans, (std::vector<std::string>{"email", "upn"}));
  EXPECT_EQ(t.extended_key_usage, (std::vector<std::string>{"clientAuth", "serverAuth"}));

  auto bad = ParseConfig(R"([provisioners.devices]
challenges = ["device-attest-01"]
allowed_identifier_types = ["permanent-identifier"]
[provisioners.devices.certificate]
keep_subject = ["CN", "emailAddress"]
keep_sans = ["dns"]
extended_key_usage = []
colour = "blue"
)",
                         "t.toml", "/etc/ca");
  ASSERT_FALSE(bad);
  const std::string& d = bad.error().detail;
  EXPECT_NE(d.find("keep_subject': unknown attribute 'emailAddress' (allowed: CN, O, OU, L, ST, C)"),
            std::string::npos) << d;
  EXPECT_NE(d.find("keep_sans': unknown kind 'dns' (allowed: email, uri, upn)"), std::string::npos) << d;
  EXPECT_NE(d.find("'provisioners.devices.certificate.extended_key_usage' must not be empty"), std::string::npos)
      << d;
  EXPECT_NE(d.find("unknown key 'provisioners.devices.certificate.colour'"), std::string::npos) << d;
}

}  // namespace
}  // namespace ca::config

namespace ca::config {
namespace {

TEST(ConfigOcsp, DefaultsAndValues) {
  auto d = ParseConfig("[provisioners.acme]\n", "t.toml", "/etc/ca");
  ASSERT_TRUE(d) << d.error().detail;
  EXPECT_EQ(d->ocsp.validity_s, 4u * 3600);
  EXPECT_FALSE(d->ocsp.echo_nonce);
  EXPECT_EQ(d->ocsp.signer, "ca");
  EXPECT_EQ(d->ocsp.cache_entries, 200000u);
  EXPECT_EQ(d->ocsp.revocation_poll_ms, 100u);
  auto c = ParseConfig(
      "[ocsp]\nvalidity = \"12h\"\necho_nonce = true\nsigner = \"delegated\"\ncache_entries = 50\n"
      "revocation_poll_ms = 0\n[provisioners.acme]\n",
      "t.toml", "/etc/ca");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->ocsp.validity_s, 12u * 3600);
  EXPECT_TRUE(c->ocsp.echo_nonce);
  EXPECT_EQ(c->ocsp.signer, "delegated");
  EXPECT_EQ(c->ocsp.cache_entries, 50u);
  EXPECT_EQ(c->ocsp.revocation_poll_ms, 0u);
}

TEST(ConfigOcsp, Refusals) {
  auto e = [](const std::string& ocsp) {
    auto r = ParseConfig("[ocsp]\n" + ocsp + "\n[provisioners.acme]\n", "t.toml", "/etc/ca");
    return r ? std::string() : r.error().detail;
  };
  EXPECT_NE(e("validity = \"30m\"").find("'ocsp.validity' must be between 1h and 7d"), std::string::npos);
  EXPECT_NE(e("validity = \"8d\"").find("'ocsp.validity' must be between 1h and 7d"), std::string::npos);
  EXPECT_NE(e("echo_nonce = \"yes\"").find("'ocsp.echo_nonce' must be a boolean"), std::string::npos);
  EXPECT_NE(e("signer = \"hsm\"").find("'ocsp.signer' must be \"ca\" or \"delegated\""), std::string::npos);
  EXPECT_NE(e("cache_entries = 0").find("ocsp.cache_entries"), std::string::npos);
  EXPECT_NE(e("revocation_poll_ms = 1001").find("ocsp.revocation_poll_ms"), std::string::npos);
  EXPECT_NE(e("revocation_poll_ms = -1").find("ocsp.revocation_poll_ms"), std::string::npos);
  EXPECT_NE(e("responder = \"ca\"").find("unknown key 'ocsp.responder'"), std::string::npos);
}

}  // namespace
}  // namespace ca::config

// `attestca init`: a new CA in a folder (keys 0600, refuses to overwrite).
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "app/cli_store.h"
#include "app/commands.h"
#include "app/files.h"
#include "app/root_crl.h"
#include "common/clock.h"
#include "common/rng.h"
#include "config/config.h"
#include "issuance/ca_init.h"
#include "storage/store.h"

namespace ca::app {

int RunInit(const InitArgs& a) {
  const bool pg = a.storage == "postgres";
  if (pg != !a.db_url.empty()) {
    std::fprintf(stderr, "attestca init: --db-url is required with --storage postgres, and only with it\n");
    return 2;
  }
  if (pg && a.db_url.rfind("postgresql://", 0) != 0 && a.db_url.rfind("postgres://", 0) != 0) {
    std::fprintf(stderr, "attestca init: --db-url must be a postgresql:// URL\n");
    return 2;
  }
  std::string dir = a.dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  for (const char* f : {"attestca.toml", "root.crt", "root.key", "intermediate.key", "attestca.db", "root.crl"}) {
    if (FileExists(dir + "/" + f)) {
      std::fprintf(stderr, "attestca init: %s/%s exists: refusing to overwrite an existing CA\n", dir.c_str(), f);
      return 1;
    }
  }
  // PostgreSQL first: an unreachable server or a database another CA uses leaves no half-made folder.
  int pg_version = 0;
  if (pg) {
    config::DatabaseConfig db;
    db.backend = a.storage;
    db.url = a.db_url;
    auto schema = storage::MigratePostgres(PostgresOptionsFor(db));
    if (!schema) {
      std::fprintf(stderr, "attestca init: %s\n", schema.error().detail.c_str());
      return 1;
    }
    if (schema->before != 0) {
      std::fprintf(stderr,
                   "attestca init: %s already holds an attestca schema (version %d): init makes a new CA and "
                   "needs an empty database (another node of the same CA copies the CA folder instead)\n",
                   storage::RedactPostgresUrl(a.db_url).c_str(), schema->before);
      return 1;
    }
    pg_version = schema->after;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "attestca init: cannot create %s: %s\n", dir.c_str(), std::strerror(errno));
    return 1;
  }
  auto pass = ReadPassphrase(a.passphrase_file, a.passphrase_env);
  if (!pass) {
    std::fprintf(stderr, "attestca init: %s\n", pass.error().detail.c_str());
    return 1;
  }
  issuance::CaOptions opts;
  opts.name = a.name;
  opts.key_type = *issuance::KeyTypeFrom(a.key_type);
  opts.tls_names = a.dns_names.empty() ? std::vector<std::string>{"localhost", "127.0.0.1"} : a.dns_names;
  opts.passphrase = *pass;
  SystemRng rng;
  SystemClock clock;
  // The CA certificates start an hour early, so that leaves back-dated for clock skew still fit
  // inside the issuer's validity right after init.
  auto ca = issuance::CreateCa(opts, rng, clock.Now() - 3600);
  if (!ca) {
    std::fprintf(stderr, "attestca init: %s\n", ca.error().detail.c_str());
    return 1;
  }
  config::InitOptions io;
  io.listen = a.listen;
  io.http_listen = a.http_listen;
  io.dns_names = opts.tls_names;
  io.passphrase_file = a.passphrase_file;
  io.passphrase_env = a.passphrase_env;
  io.storage_backend = a.storage;
  io.storage_url = a.db_url;
  struct Out {
    const char* name;
    const std::string* data;
    unsigned mode;
  };
  std::string config_text = config::DefaultConfigText(io);
  const Out outs[] = {
      {"root.crt", &ca->root_cert_pem, 0644},          {"root.key", &ca->root_key_pem, 0600},
      {"intermediate.crt", &ca->intermediate_cert_pem, 0644}, {"intermediate.key", &ca->intermediate_key_pem, 0600},
      {"tls.crt", &ca->tls_chain_pem, 0644},           {"tls.key", &ca->tls_key_pem, 0600},
      {"attestca.toml", &config_text, 0600},
  };
  for (const auto& o : outs) {
    auto w = WriteNewFile(dir + "/" + o.name, *o.data, o.mode);
    if (!w) {
      std::fprintf(stderr, "attestca init: %s\n", w.error().detail.c_str());
      return 1;
    }
  }
  // The root's CRL (number 1, nothing revoked): `openssl verify -crl_check_all` wants one for the
  // intermediate. The defaults of the config just written name the files.
  const config::Config defaults;
  RootCrlFiles root_files{dir + "/" + defaults.ca.root_crl, dir + "/root.crt", dir + "/root.key"};
  auto root_crl = RenewRootCrl(root_files, *pass, clock.Now(), defaults.crl.root_validity_s);
  if (!root_crl) {
    std::fprintf(stderr, "attestca init: root CRL: %s\n", root_crl.error().detail.c_str());
    return 1;
  }
  // SQLite: the database file last (its existence marks an initialised CA folder).
  if (!pg) {
    auto schema = storage::MigrateSqlite(dir + "/attestca.db");
    if (!schema) {
      std::fprintf(stderr, "attestca init: %s/attestca.db: %s\n", dir.c_str(), schema.error().detail.c_str());
      return 1;
    }
  }
  std::printf("Created a new CA in %s\n", dir.c_str());
  std::printf("  root certificate:  %s/root.crt   (distribute this to clients)\n", dir.c_str());
  std::printf("  root key:          %s/root.key   (keep offline after init)\n", dir.c_str());
  std::printf("  intermediate:      %s/intermediate.crt, %s/intermediate.key\n", dir.c_str(), dir.c_str());
  std::printf("  root CRL:          %s/root.crl   (renewed by serve while root.key is here)\n", dir.c_str());
  std::printf("  config:            %s/attestca.toml\n", dir.c_str());
  if (pg) std::printf("  database:          %s (schema version %d)\n", storage::RedactPostgresUrl(a.db_url).c_str(), pg_version);
  std::printf("Start it with: attestca serve --config %s/attestca.toml\n", dir.c_str());
  return 0;
}

}  // namespace ca::app

// `attestca crl`: sign a fresh CRL now and write it (DER, or PEM with --pem), e.g. from cron to a
// static web server; `--root` signs the root's CRL instead. Exit codes: 0 written, 1 failed (CA
// files, database, write), 2 config error.
#include <cstdio>
#include <string>

#include "app/cli_store.h"
#include "app/commands.h"
#include "app/files.h"
#include "app/root_crl.h"
#include "common/clock.h"
#include "config/config.h"
#include "crl/publisher.h"
#include "issuance/issuer.h"
#include "ossl/pem.h"
#include "storage/store.h"

namespace ca::app {
namespace {

int Fail1(const std::string& what, const Error& e) {
  std::fprintf(stderr, "attestca crl: %s: %s\n", what.c_str(), e.detail.c_str());
  return 1;
}

// RunRootCrl: the root CRL, numbered after the data folder's copy, which it replaces.
int RunRootCrl(const CrlArgs& a, const config::Config& cfg, const std::string& pass) {
  RootCrlFiles files{cfg.Path(cfg.ca.root_crl), cfg.Path(cfg.ca.root_cert), cfg.Path(cfg.ca.root_key)};
  if (!FileExists(files.root_key)) {
    std::fprintf(stderr, "attestca crl: the root key %s is not here: run this where it is (or set [ca] root_key)\n",
                 files.root_key.c_str());
    return 1;
  }
  SystemClock clock;
  auto made = RenewRootCrl(files, pass, clock.Now(), cfg.crl.root_validity_s);
  if (!made) return Fail1("signing the root CRL", made.error());
  std::string data = a.pem ? ossl::DerToPem(made->der, "X509 CRL") : std::string(made->der.begin(), made->der.end());
  auto wrote = WriteReplacing(a.out, data, 0644);
  if (!wrote) return Fail1("writing " + a.out, wrote.error());
  std::printf("%s: root CRL number %llu (also in %s), next update in %us\n", a.out.c_str(),
              static_cast<unsigned long long>(made->number), files.crl.c_str(), cfg.crl.root_validity_s);
  return 0;
}

}  // namespace

int RunCrl(const CrlArgs& a) {
  auto cfg = config::LoadConfig(a.config);
  if (!cfg) {
    std::fprintf(stderr, "attestca: config errors:\n%s\n", cfg.error().detail.c_str());
    return 2;
  }
  auto pass = ReadPassphrase(cfg->ca.passphrase_file.empty() ? "" : cfg->Path(cfg->ca.passphrase_file),
                             cfg->ca.passphrase_env);
  if (!pass) return Fail1("passphrase", pass.error());
  if (a.root) return RunRootCrl(a, *cfg, *pass);
  auto inter_pem = ReadFile(cfg->Path(cfg->ca.intermediate_cert));
  if (!inter_pem) return Fail1("reading the intermediate certificate", inter_pem.error());
  auto key_pem = ReadFile(cfg->Path(cfg->ca.intermediate_key));
  if (!key_pem) return Fail1("reading the intermediate key", key_pem.error());
  auto issuer = issuance::Issuer::Load(*inter_pem, *key_pem, *pass, "");
  if (!issuer) return Fail1("loading the intermediate CA", issuer.error());
  auto store = OpenConfiguredStore(*cfg, storage::SchemaPolicy::kRequireCurrent);
  if (!store) return Fail1("opening the database", store.error());

  SystemClock clock;
  crl::Options opts;
  opts.validity_s = cfg->crl.validity_s;
  auto made = crl::Generate(**issuer, **store, clock, opts);
  if (!made) return Fail1("signing the CRL", made.error());
  std::string data = a.pem ? ossl::DerToPem(made->der, "X509 CRL") : std::string(made->der.begin(), made->der.end());
  auto wrote = WriteReplacing(a.out, data, 0644);
  if (!wrote) return Fail1("writing " + a.out, wrote.error());
  std::printf("%s: CRL number %llu, %zu revoked certificate(s), next update in %us\n", a.out.c_str(),
              static_cast<unsigned long long>(made->number), made->entries, opts.validity_s);
  return 0;
}

}  // namespace ca::app

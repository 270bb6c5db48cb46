// `attestca crl`: sign a fresh CRL now and write it (DER, or PEM with --pem), e.g. from cron to a
// static web server. Exit codes: 0 written, 1 failed (CA files, database, write), 2 config error.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "app/cli_store.h"
#include "app/commands.h"
#include "app/files.h"
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

// WriteReplacing writes a sibling temporary file and renames it over path, so a web server reading
// path never sees half a CRL.
Result<void> WriteReplacing(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  CA_RETURN_IF_ERROR(WriteNewFile(tmp, data, 0644));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Fail(Errc::kInternal, "cannot rename " + tmp + " to " + path);
  }
  return Ok();
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
  auto wrote = WriteReplacing(a.out, data);
  if (!wrote) return Fail1("writing " + a.out, wrote.error());
  std::printf("%s: CRL number %llu, %zu revoked certificate(s), next update in %us\n", a.out.c_str(),
              static_cast<unsigned long long>(made->number), made->entries, opts.validity_s);
  return 0;
}

}  // namespace ca::app

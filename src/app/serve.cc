// `attestca serve`: load config, CA key and database, then serve ACME over HTTPS (and the CA
// certificates over plain HTTP) until SIGINT/SIGTERM.
#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <span>
#include <thread>

#include "acme/nonce.h"
#include "acme/nonce_store.h"
#include "acme/order_recovery.h"
#include "admin/api.h"
#include "acme/service.h"
#include "acme/wfe.h"
#include "acme/worker_pool.h"
#include "app/cli_store.h"
#include "app/commands.h"
#include "app/files.h"
#include "app/root_crl.h"
#include "common/log.h"
#include "config/config.h"
#include "crl/http_endpoint.h"
#include "crl/publisher.h"
#include "crl/root_publisher.h"
#include "http/server.h"
#include "issuance/issuer.h"
#include "ocsp/http_endpoint.h"
#include "ocsp/responder.h"
#include "revocation/revoker.h"
#include "storage/store.h"
#include "validation/device_attest.h"
#include "validation/validator.h"
#include "webhook/authorizer.h"

namespace ca::app {
namespace {

log::Level LevelFrom(const std::string& s) {
  if (s == "debug") return log::Level::kDebug;
  if (s == "warn") return log::Level::kWarn;
  if (s == "error") return log::Level::kError;
  return log::Level::kInfo;
}

// UsableCpus: the CPUs this process may run on (its affinity mask, which taskset and cpusets
// narrow), at least 1.
uint32_t UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return static_cast<uint32_t>(std::max(1, CPU_COUNT(&set)));
  return std::max(1u, std::thread::hardware_concurrency());
}

int Die(const std::string& what, const Error& e) {
  std::fprintf(stderr, "attestca serve: %s: %s\n", what.c_str(), e.detail.c_str());
  return 1;
}

}  // namespace

int RunServe(const ServeArgs& a) {
  // Block the stop signals before any thread starts, so that only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto cfg = config::LoadConfig(a.config);
  if (!cfg) {
    std::fprintf(stderr, "attestca: config errors:\n%s\n", cfg.error().detail.c_str());
    return 2;
  }
  if (a.check_config) {
    std::printf("%s: OK (%zu provisioner(s))\n", a.config.c_str(), cfg->provisioners.size());
    return 0;
  }
  log::Init(LevelFrom(cfg->log.level), cfg->log.json);

  auto pass = ReadPassphrase(cfg->ca.passphrase_file.empty() ? "" : cfg->Path(cfg->ca.passphrase_file),
                             cfg->ca.passphrase_env);
  if (!pass) return Die("passphrase", pass.error());
  auto inter_pem = ReadFile(cfg->Path(cfg->ca.intermediate_cert));
  auto key_pem = ReadFile(cfg->Path(cfg->ca.intermediate_key));
  auto root_pem = ReadFile(cfg->Path(cfg->ca.root_cert));
  auto tls_pem = ReadFile(cfg->Path(cfg->server.tls_cert));
  auto tls_key = ReadFile(cfg->Path(cfg->server.tls_key));
  for (const auto* r : {&inter_pem, &key_pem, &root_pem, &tls_pem, &tls_key}) {
    if (!*r) return Die("reading CA files", r->error());
  }
  issuance::IssuerOptions issuer_opts;
  issuer_opts.revocation_urls = issuance::RevocationUrlsFor(cfg->server.public_http_url);
  auto issuer = issuance::Issuer::Load(*inter_pem, *key_pem, *pass, *root_pem, issuer_opts);
  if (!issuer) return Die("loading the intermediate CA", issuer.error());
  auto store = OpenConfiguredStore(*cfg, storage::SchemaPolicy::kRequireCurrent, storage::SqliteRole::kServer);
  if (!store) return Die("opening the database", store.error());
  log::Info("storage: {} {}", cfg->database.backend,
            cfg->database.backend == "postgres" ? storage::RedactPostgresUrl(cfg->database.url)
                                                : cfg->Path(cfg->database.path));

  validation::Options vopts;
  vopts.http01_port = cfg->validation.http01_port;
  vopts.tlsalpn01_port = cfg->validation.tlsalpn01_port;
  vopts.dns_resolver = cfg->validation.dns_resolver;
  vopts.timeout_ms = cfg->validation.timeout_ms;
  vopts.max_redirects = cfg->validation.max_redirects;
  auto resolver = validation::MakeResolver(vopts);
  if (!resolver) return Die("DNS resolver", resolver.error());
  std::shared_ptr<validation::Resolver> shared_resolver(std::move(*resolver));
  auto validator = validation::MakeValidator(vopts, shared_resolver);
  auto lookup = [shared_resolver](const std::string& host) { return shared_resolver->LookupAddresses(host); };
  auto device_attest = validation::MakeDeviceAttestVerifier(*cfg, lookup);
  if (!device_attest) return Die("device attestation roots", device_attest.error());

  // Handlers block on SQLite and on short validation waits: keep more threads than cores.
  const uint32_t https_threads =
      cfg->server.threads != 0 ? cfg->server.threads : std::max(8u, 2 * std::thread::hardware_concurrency());
  // A webhook call holds its HTTP thread (up to 2 * timeout + 250ms): at most half of them may wait.
  auto webhooks = webhook::LoadAuthorizers(
      *cfg, ReadPassphrase, lookup, std::max<size_t>(1, https_threads / 2));
  if (!webhooks) return Die("authorizing webhooks", webhooks.error());

  SystemClock clock;
  SystemRng rng;
  acme::WorkerPool pool(cfg->validation.max_concurrent, 1000);
  // Several nodes share a PostgreSQL database, so a nonce one issues must be redeemable on any: keep
  // them there. SQLite means one process owns the database: memory is enough, and fastest.
  std::unique_ptr<acme::NonceSource> nonces;
  if (cfg->database.backend == "postgres") {
    nonces = std::make_unique<acme::StoreNonceSource>(**store, clock, rng, cfg->acme.nonce_lifetime_s);
  } else {
    nonces = std::make_unique<acme::MemoryNonceSource>(clock, rng, cfg->acme.nonce_lifetime_s);
  }
  ocsp::ResponderOptions ocsp_opts;
  ocsp_opts.validity_s = cfg->ocsp.validity_s;
  ocsp_opts.echo_nonce = cfg->ocsp.echo_nonce;
  ocsp_opts.signer = cfg->ocsp.signer == "delegated" ? ocsp::SignerKind::kDelegated : ocsp::SignerKind::kCa;
  ocsp_opts.cache_entries = cfg->ocsp.cache_entries;
  ocsp_opts.revocation_poll_ms = cfg->ocsp.revocation_poll_ms;
  auto responder = ocsp::Responder::Create(**issuer, **store, clock, ocsp_opts);
  if (!responder) return Die("OCSP responder", responder.error());
  crl::Options crl_opts;
  crl_opts.validity_s = cfg->crl.validity_s;
  crl::Publisher crl_publisher(**issuer, **store, clock, crl_opts);
  // Every revocation this process makes (ACME revokeCert, the admin API) re-signs the certificate's
  // OCSP answers and the CRL after it commits and before it is answered. Revocations by the CLI
  // (another process, another node) are caught within [ocsp] revocation_poll_ms by the responder's
  // revision check, and by the CRL's revision.
  revocation::RevokedHook after_revoke = [r = responder->get(),
                                          &crl_publisher](std::span<const core::CertRecord> revoked) {
    for (const auto& c : revoked) {
      if (auto done = r->Revoked(c.serial_hex); !done) {
        log::Warn("ocsp: re-signing revoked serial {} failed (signed at its next request): {}", c.serial_hex,
                  done.error().detail);
      } else {
        log::Info("ocsp: answers for revoked serial {} re-signed before the revocation answered", c.serial_hex);
      }
    }
    // The store's revocation revision moved, so this signs the new CRL now (logged by the publisher).
    if (auto crl = crl_publisher.Current(); !crl) {
      log::Warn("crl: regenerating after a revocation failed (retried at the next fetch): {}", crl.error().detail);
    }
  };
  acme::ServiceDeps deps{store->get(), issuer->get(), validator.get(), &clock, &rng, &*cfg, device_attest->get(), &*webhooks};
  deps.certificate_revoked = after_revoke;
  // Pre-sign a new certificate's OCSP answers, so its first query costs no signature.
  deps.certificate_issued = [r = responder->get()](const std::string& serial_hex) {
    if (auto signed_now = r->Presign(serial_hex); !signed_now) {
      log::Warn("ocsp: pre-signing serial {} failed (signed at its first request): {}", serial_hex,
                signed_now.error().detail);
    }
  };
  acme::Service service(deps, &pool);
  // Orders left processing by a node that died mid-finalize (this one before a restart, or another
  // node on PostgreSQL) are failed once they are older than the timeout: now, then periodically.
  if (auto r = acme::RecoverStaleOrders(**store, clock, cfg->acme.processing_timeout_s); !r) {
    log::Warn("recovery: failing interrupted orders at start did not work: {}", r.error().detail);
  }
  acme::OrderRecovery order_recovery(**store, clock, cfg->acme.processing_timeout_s,
                                     acme::OrderRecovery::IntervalFor(cfg->acme.processing_timeout_s));
  acme::Wfe wfe(&service, nonces.get(), &*cfg);

  http::ServerOptions https;
  https.listen = cfg->server.listen;
  https.tls = true;
  https.tls_cert_chain_pem = *tls_pem;
  https.tls_key_pem = *tls_key;
  https.max_body_bytes = cfg->server.max_body_bytes;
  https.threads = https_threads;
  // The admin API shares the HTTPS listener; its paths never reach the WFE.
  admin::Api admin_api(cfg->admin, **store, clock,
                       admin::ClientCertTrust{(*issuer)->root_der(), (*issuer)->intermediate_der()}, after_revoke);
  auto acme_server = http::Server::Start(https, [&wfe, &admin_api](const http::Request& r) {
    if (admin::IsAdminPath(r.path)) return admin_api.Handle(r);
    return wfe.Handle(r);
  });
  if (!acme_server) return Die("starting the HTTPS listener", acme_server.error());

  ocsp::HttpEndpoint ocsp_http(**responder, clock);

  // The root CRL: renewed here only while the root key is in the data folder (read for each
  // signature, monthly, never kept in memory); an old data folder without one gets one now.
  RootCrlFiles root_files{cfg->Path(cfg->ca.root_crl), cfg->Path(cfg->ca.root_cert), cfg->Path(cfg->ca.root_key)};
  crl::RootPublisher::Renew renew_root = nullptr;
  if (FileExists(root_files.root_key)) {
    renew_root = [root_files, passphrase = *pass, &clock, validity = cfg->crl.root_validity_s]() {
      return RenewRootCrl(root_files, passphrase, clock.Now(), validity);
    };
  }
  crl::RootPublisher root_crl(clock, [root_files] { return ReadRootCrl(root_files); }, std::move(renew_root));
  (void)root_crl.Current();  // creates, renews or warns now rather than at the first fetch
  crl::HttpEndpoint crl_http(crl_publisher, &root_crl);

  // The plain-HTTP listener serves only public, unauthenticated resources: CA certificates, OCSP
  // and the CRL. ACME is never served over plain HTTP.
  http::ServerOptions plain = https;
  plain.listen = cfg->server.http_listen;
  plain.tls = false;
  // OCSP answers come from the cache after one revision read (SQLite: a short local read; PostgreSQL:
  // a round trip on a pooled connection): one thread per CPU we may run on (taskset and cpusets
  // narrow it); more would only switch and contend on SQLite.
  plain.threads = UsableCpus();
  auto plain_server = http::Server::Start(plain, [&wfe, &ocsp_http, &crl_http](const http::Request& r) {
    if (ocsp::IsOcspPath(r.target)) return ocsp_http.Handle(r);
    if (crl::IsCrlPath(r.path)) return crl_http.Handle(r);
    if (r.path == "/health" || r.path.rfind("/ca/", 0) == 0) return wfe.Handle(r);
    http::Response nf;
    nf.status = 404;
    nf.Set("Content-Type", "text/plain");
    nf.body = "not found\n";
    return nf;
  });
  if (!plain_server) return Die("starting the HTTP listener", plain_server.error());

  std::string dir_url = cfg->server.external_url + "/acme/" + cfg->provisioners.begin()->first + "/directory";
  log::Info("attestca serving ACME on https://{} (plain HTTP on {})", cfg->server.listen, cfg->server.http_listen);
  std::printf("attestca is running.\n");
  for (const auto& [name, p] : cfg->provisioners) {
    std::printf("  ACME directory (%s): %s/acme/%s/directory\n", name.c_str(), cfg->server.external_url.c_str(),
                name.c_str());
  }
  std::printf("  Root certificate:  %s\n", cfg->Path(cfg->ca.root_cert).c_str());
  std::printf("  OCSP responder:    %s/ocsp\n", cfg->server.public_http_url.c_str());
  std::printf("  CRL:               %s%s\n", cfg->server.public_http_url.c_str(), std::string(crl::kCrlPath).c_str());
  std::printf("  Root CRL:          %s%s\n", cfg->server.public_http_url.c_str(),
              std::string(crl::kRootCrlPath).c_str());
  std::printf("  certbot: REQUESTS_CA_BUNDLE=%s certbot certonly --server %s --standalone -d NAME\n",
              cfg->Path(cfg->ca.root_cert).c_str(), dir_url.c_str());
  std::printf("  lego:    LEGO_CA_CERTIFICATES=%s lego --server %s --email you@example.test --http -d NAME run\n",
              cfg->Path(cfg->ca.root_cert).c_str(), dir_url.c_str());
  std::printf("Press Ctrl-C to stop.\n");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::Info("signal {} received: stopping", sig);
  (*acme_server)->Stop();
  (*plain_server)->Stop();
  pool.Stop();
  log::Info("stopped");
  return 0;
}

}  // namespace ca::app

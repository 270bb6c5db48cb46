// The device-attest-01 path above the format verifiers:
//   BM_DeviceAttestVerifier_*  validation::DeviceAttestVerifier::Verify, what the server calls for a
//                              challenge answer: attObj decode, format/provisioner checks, verifier
//                              (apple, step, tpm, android-key);
//   BM_ServiceRespond_Step     acme::Service::RespondToChallenge for a device-attest-01 challenge:
//                              the above plus identifier binding, evidence JSON and the authz/order
//                              updates in the real SQLite store (in memory). Not timed: the HTTP/JWS
//                              layer, creating the order, signing the answer.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>
#include <unistd.h>

#include "acme/jwk.h"
#include "acme/service.h"
#include "bench_data.h"
#include "common/log.h"
#include "common/rng.h"
#include "issuance/ca_init.h"
#include "issuance/issuer.h"
#include "storage/store.h"
#include "support/csr_builder.h"
#include "support/fakes.h"
#include "validation/device_attest.h"

namespace ca::bench {
namespace {

constexpr const char* kProvisioner = "devices";

// FormatRoot is one format's only trust anchor: [formats.<format>] roots = [its file] and
// builtin_roots = false.
struct FormatRoot {
  std::string format;
  std::string pem;
};

// DeviceConfig is a config with one device-attest-01 provisioner: inventory "off" (the attestation
// alone decides, so no device rows are needed) and, for each FormatRoot, that root alone; other
// formats keep their defaults (apple its built-in root).
config::Config DeviceConfig(const std::vector<FormatRoot>& roots, const std::filesystem::path& dir) {
  config::Config cfg;
  cfg.dir = dir.string();
  config::ProvisionerConfig p;
  p.name = kProvisioner;
  p.challenges = {"device-attest-01"};
  p.allowed_identifier_types = {"permanent-identifier"};
  p.inventory = "off";
  for (const auto& r : roots) {
    const std::string file = "bench-" + r.format + "-root.pem";
    std::ofstream out(dir / file);
    out << r.pem;
    Require(out.good(), "writing a root", (dir / file).string());
    config::FormatConfig fc;
    fc.roots = {file};
    fc.builtin_roots = false;
    p.formats[r.format] = fc;
  }
  cfg.provisioners[kProvisioner] = p;
  return cfg;
}

// Loaded is a device config and the verifier the server builds from it.
struct Loaded {
  config::Config cfg;
  std::unique_ptr<validation::DeviceAttestVerifier> verifier;
};

// LoadVerifier writes DeviceConfig's roots to a scratch folder, loads the verifier (which reads the
// roots once) and removes the folder.
std::unique_ptr<Loaded> LoadVerifier(const std::vector<FormatRoot>& roots) {
  const auto dir = std::filesystem::temp_directory_path() / ("attestca-bench." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto out = std::make_unique<Loaded>();
  out->cfg = DeviceConfig(roots, dir);
  out->verifier = Must(validation::MakeDeviceAttestVerifier(out->cfg), "MakeDeviceAttestVerifier");
  std::filesystem::remove_all(dir);
  return out;
}

void BM_DeviceAttestVerifier_Apple(benchmark::State& state) {
  const auto loaded = LoadVerifier({});
  const AppleSample s = RealApple();
  const Bytes att_obj = AttObjCbor("apple", s.x5c);
  const std::string key_auth = s.token + ".thumbprint";  // unused by apple, which binds the token
  for (auto _ : state) {
    auto dev = loaded->verifier->Verify(kProvisioner, att_obj, s.token, key_auth, s.at);
    Check(dev, "Verify apple");
    benchmark::DoNotOptimize(dev->spki_der.data());
  }
}
BENCHMARK(BM_DeviceAttestVerifier_Apple);

void BM_DeviceAttestVerifier_Step(benchmark::State& state) {
  const MintedStep m = MintStep();
  const auto loaded = LoadVerifier({{"step", m.root.pem}});
  const std::string key_auth(kKeyAuthorization);
  const Bytes att_obj = AttObjCbor("step", m.x5c, -7, StepSig(m.leaf.key.get(), key_auth));
  for (auto _ : state) {
    auto dev = loaded->verifier->Verify(kProvisioner, att_obj, "token", key_auth, m.at);
    Check(dev, "Verify step");
    benchmark::DoNotOptimize(dev->spki_der.data());
  }
}
BENCHMARK(BM_DeviceAttestVerifier_Step);

// tpm: the minted attestation (bench_data.h MintTpm) as its attObj, its root from `roots = [...]`.
void BM_DeviceAttestVerifier_Tpm(benchmark::State& state) {
  const MintedTpm m = MintTpm();
  const auto loaded = LoadVerifier({{"tpm", m.att.root.pem}});
  const std::string key_auth(kKeyAuthorization);
  const Bytes att_obj = testing::TpmAttObj(m.att.stmt);
  for (auto _ : state) {
    auto dev = loaded->verifier->Verify(kProvisioner, att_obj, "token", key_auth, m.at);
    Check(dev, "Verify tpm");
    benchmark::DoNotOptimize(dev->spki_der.data());
  }
}
BENCHMARK(BM_DeviceAttestVerifier_Tpm);

// android-key: the minted chain (bench_data.h MintAndroid), its root from `roots = [...]`, no
// revocation_list.
void BM_DeviceAttestVerifier_AndroidKey(benchmark::State& state) {
  const MintedAndroid m = MintAndroid();
  const auto loaded = LoadVerifier({{"android-key", m.chain.root.pem}});
  const std::string key_auth(kKeyAuthorization);
  const Bytes att_obj = AttObjCbor("android-key", m.st.x5c, m.st.alg, m.st.sig);
  for (auto _ : state) {
    auto dev = loaded->verifier->Verify(kProvisioner, att_obj, "token", key_auth, m.at);
    Check(dev, "Verify android-key");
    benchmark::DoNotOptimize(dev->spki_der.data());
  }
}
BENCHMARK(BM_DeviceAttestVerifier_AndroidKey);

// DeviceService is acme::Service wired as `attestca serve` wires it, with an in-memory store and a
// clock at the minted chain's time.
class DeviceService {
 public:
  explicit DeviceService(const MintedStep& m) : clock_(m.at), loaded_(LoadVerifier({{"step", m.root.pem}})) {
    static const bool quiet = [] {
      log::Init(log::Level::kWarn, false);  // no audit line per iteration on the terminal; once a process
      return true;
    }();
    (void)quiet;
    auto material = Must(issuance::CreateCa({}, rng_, clock_.Now() - 3600), "CreateCa");
    issuer_ = Must(issuance::Issuer::Load(material.intermediate_cert_pem, material.intermediate_key_pem, "",
                                          material.root_cert_pem),
                   "Issuer::Load");
    store_ = Must(storage::OpenSqliteStore(":memory:"), "OpenSqliteStore");
    service_ = std::make_unique<acme::Service>(acme::ServiceDeps{store_.get(), issuer_.get(), &validator_, &clock_,
                                                                 &rng_, &loaded_->cfg, loaded_->verifier.get()},
                                               &pool_);
    account_key_ = testing::MakeEcKey("P-256");
    acme::NewAccountRequest req;
    req.provisioner = &loaded_->cfg.provisioners.at(kProvisioner);
    req.jwk = Must(acme::JwkFromPublicKey(account_key_.get()), "JwkFromPublicKey");
    req.tos_agreed = true;
    account_ = Must(service_->NewAccount(std::move(req)), "NewAccount").first;
  }

  acme::Service& service() { return *service_; }
  const core::Account& account() const { return account_; }
  const config::ProvisionerConfig* provisioner() const { return &loaded_->cfg.provisioners.at(kProvisioner); }

 private:
  testing::FakeClock clock_;
  SystemRng rng_;
  testing::FakeValidator validator_;
  acme::WorkerPool pool_{1, 4};
  std::unique_ptr<Loaded> loaded_;
  std::unique_ptr<issuance::Issuer> issuer_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<acme::Service> service_;
  ossl::UniquePtr<EVP_PKEY> account_key_;
  core::Account account_;
};

void BM_ServiceRespond_Step(benchmark::State& state) {
  const MintedStep m = MintStep();
  DeviceService d(m);
  acme::NewOrderRequest req;
  req.provisioner = d.provisioner();
  req.identifiers = {{"permanent-identifier", m.serial}};
  for (auto _ : state) {
    state.PauseTiming();
    const auto order = Must(d.service().NewOrder(d.account(), req), "NewOrder");
    const auto authz = Must(d.service().GetAuthz(order.authz_ids.at(0), &d.account()), "GetAuthz");
    const core::Challenge& ch = authz.challenges.at(0);
    acme::ChallengeResponse answer;
    answer.att_obj = AttObjCbor("step", m.x5c, -7, StepSig(m.leaf.key.get(), ch.token + "." + d.account().thumbprint));
    state.ResumeTiming();

    auto done = d.service().RespondToChallenge(authz.id, ch.id, d.account(), answer);
    Check(done, "RespondToChallenge");
    Require(done->status == core::AuthzStatus::kValid, "device-attest-01 answer",
            done->challenges.at(0).error.value_or("authz not valid"));
  }
}
BENCHMARK(BM_ServiceRespond_Step);

}  // namespace
}  // namespace ca::bench

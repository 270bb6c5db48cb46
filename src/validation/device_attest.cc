#include "validation/device_attest.h"

#include <ctime>
#include <fstream>
#include <sstream>

#include "attestation/android.h"
#include "attestation/apple.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "attestation/step.h"
#include "attestation/tpm.h"
#include "common/log.h"
#include "validation/android_status_source.h"

namespace ca::validation {
namespace {

Result<std::string> ReadPem(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Fail(Errc::kInternal, "cannot read attestation roots file " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class Verifier final : public DeviceAttestVerifier {
 public:
  using RootsMap = std::map<std::pair<std::string, std::string>, attestation::TrustRoots>;  // (prov, fmt)
  // Android status lists by provisioner (only where android-key sets revocation_list).
  using StatusMap = std::map<std::string, std::unique_ptr<StatusListCache>>;

  Verifier(const config::Config& cfg, RootsMap roots, StatusMap status)
      : cfg_(cfg), roots_(std::move(roots)), status_(std::move(status)) {}

  Result<attestation::AttestedDevice> Verify(const std::string& provisioner, ByteView att_obj,
                                             const std::string& token, const std::string& key_authorization,
                                             UnixTime now) override {
    auto obj = attestation::DecodeAttestationObject(att_obj);
    if (!obj) return Fail(Errc::kBadAttestation, obj.error().detail);
    const auto& prov = cfg_.provisioners.at(provisioner);
    const std::string& fmt = obj->fmt;
    bool known = false;
    for (const char* f : config::kAttestationFormats) known = known || fmt == f;
    if (!known) return Fail(Errc::kBadAttestation, "unsupported attestation format \"" + fmt + "\"");
    auto fc = prov.FormatFor(fmt);
    if (!fc.enabled) {
      return Fail(Errc::kBadAttestation,
                  "attestation format \"" + fmt + "\" is not enabled for provisioner \"" + provisioner + "\"");
    }
    auto roots = roots_.find({provisioner, fmt});
    if (roots == roots_.end() || roots->second.empty()) {
      return Fail(Errc::kBadAttestation, "no trust roots are configured for attestation format \"" + fmt + "\"");
    }
    if (fmt == "step") return attestation::VerifyStep(obj->att_stmt, key_authorization, roots->second, now);
    if (fmt == "tpm") return attestation::VerifyTpm(obj->att_stmt, key_authorization, roots->second, now);
    if (fmt == "android-key") {
      attestation::RevocationStatus revocation;  // not configured: nothing to check
      if (auto it = status_.find(provisioner); it != status_.end()) revocation = it->second->Current();
      return attestation::VerifyAndroidKey(obj->att_stmt, key_authorization, roots->second, now, revocation);
    }
    return attestation::VerifyApple(obj->att_stmt.x5c, token, fc.require_nonce, roots->second, now);
  }

 private:
  const config::Config& cfg_;
  RootsMap roots_;
  StatusMap status_;
};

}  // namespace

Result<std::unique_ptr<DeviceAttestVerifier>> MakeDeviceAttestVerifier(const config::Config& cfg,
                                                                       http::AddressLookup lookup) {
  Verifier::RootsMap roots;
  Verifier::StatusMap status;
  for (const auto& [name, prov] : cfg.provisioners) {
    bool device = false;
    for (const auto& c : prov.challenges) device = device || c == "device-attest-01";
    if (!device) continue;
    for (const char* f : config::kAttestationFormats) {
      auto fc = prov.FormatFor(f);
      if (!fc.enabled) continue;
      attestation::TrustRoots pool = fc.builtin_roots ? attestation::BuiltinRoots(f) : attestation::TrustRoots(f);
      for (const auto& file : fc.roots) {
        CA_TRY(auto pem, ReadPem(cfg.Path(file)));
        auto added = pool.AddRootsPem(pem);
        if (!added) {
          return Fail(Errc::kInternal, "provisioners." + name + ".formats." + f + ".roots: " + cfg.Path(file) + ": " +
                                           added.error().detail);
        }
      }
      roots.emplace(std::make_pair(name, std::string(f)), std::move(pool));
      if (std::string_view(f) == "android-key" && !fc.revocation_list.empty()) {
        // Loaded now so a bad file shows in the log at start; Current() re-reads it when it changes
        // and refuses every android-key attestation while it is unreadable (fail closed).
        auto source = IsStatusUrl(fc.revocation_list)
                          ? MakeUrlStatusSource(fc.revocation_list, lookup, kAndroidStatusRefresh,
                                                [] { return static_cast<int64_t>(::time(nullptr)); })
                          : MakeFileStatusSource(cfg.Path(fc.revocation_list));
        auto cache = std::make_unique<StatusListCache>(std::move(source));
        if (auto st = cache->Current(); !st.list) {
          log::Warn("provisioners.{}.formats.android-key.revocation_list: {}; android-key attestations are "
                    "refused until it is fixed", name, st.unavailable);
        }
        status.emplace(name, std::move(cache));
      }
    }
  }
  return std::unique_ptr<DeviceAttestVerifier>(new Verifier(cfg, std::move(roots), std::move(status)));
}

}  // namespace ca::validation

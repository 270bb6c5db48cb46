#include "validation/device_attest.h"

#include <fstream>
#include <sstream>

#include "attestation/apple.h"
#include "attestation/object.h"
#include "attestation/roots.h"
#include "attestation/step.h"
#include "attestation/tpm.h"

namespace ca::validation {
namespace {

// Formats whose verifier has landed. The others are refused with a clear detail, never accepted.
bool Implemented(const std::string& format) { return format == "apple" || format == "step" || format == "tpm"; }

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

  Verifier(const config::Config& cfg, RootsMap roots) : cfg_(cfg), roots_(std::move(roots)) {}

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
    if (!Implemented(fmt)) {
      return Fail(Errc::kBadAttestation, "attestation format \"" + fmt + "\" is not supported by this server yet");
    }
    auto roots = roots_.find({provisioner, fmt});
    if (roots == roots_.end() || roots->second.empty()) {
      return Fail(Errc::kBadAttestation, "no trust roots are configured for attestation format \"" + fmt + "\"");
    }
    if (fmt == "step") return attestation::VerifyStep(obj->att_stmt, key_authorization, roots->second, now);
    if (fmt == "tpm") return attestation::VerifyTpm(obj->att_stmt, key_authorization, roots->second, now);
    return attestation::VerifyApple(obj->att_stmt.x5c, token, fc.require_nonce, roots->second, now);
  }

 private:
  const config::Config& cfg_;
  RootsMap roots_;
};

}  // namespace

Result<std::unique_ptr<DeviceAttestVerifier>> MakeDeviceAttestVerifier(const config::Config& cfg) {
  Verifier::RootsMap roots;
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
    }
  }
  return std::unique_ptr<DeviceAttestVerifier>(new Verifier(cfg, std::move(roots)));
}

}  // namespace ca::validation

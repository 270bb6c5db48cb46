// `attestca profile apple`: an enrollment profile that points Apple devices at a device-attest-01
// provisioner. By default a configuration profile (.mobileconfig, XML plist) with the root CA
// certificate and a com.apple.security.acme payload; with --declarative the JSON document of a
// com.apple.credential.acme declarative credential (device-attest.md §3).
#include <algorithm>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/files.h"
#include "common/rng.h"
#include "config/config.h"
#include "core/device.h"
#include "core/identifier.h"
#include "issuance/apple_profile.h"
#include "ossl/pem.h"

namespace ca::app {
namespace {

constexpr const char* kCmd = "attestca profile apple";

int Usage(const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", kCmd, msg.c_str());
  return 2;
}

std::string NewUuid(Rng& rng) { return issuance::FormatUuidV4(rng.Generate(16)); }

}  // namespace

int RunProfileApple(const ProfileArgs& a) {
  if (a.key_size != 256 && a.key_size != 384) return Usage("--key-size must be 256 or 384");
  auto id_ok = core::ValidateDeviceIdentifier(core::kPermanentIdentifier, a.client_id);
  if (!id_ok) return Usage("--client-id \"" + a.client_id + "\": " + id_ok.error().detail);
  if (!issuance::XmlRepresentable(a.client_id) ||
      std::any_of(a.client_id.begin(), a.client_id.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Usage("--client-id holds control characters");
  }
  const std::string subject_text = a.subject.empty() ? "CN=" + a.client_id : a.subject;
  auto subject = issuance::ParseAppleSubject(subject_text);
  if (!subject) return Usage("--subject \"" + subject_text + "\": " + subject.error().detail);
  if (FileExists(a.out)) return Usage("--out " + a.out + " exists; refusing to overwrite it");

  auto cfg = config::LoadConfig(a.config);
  if (!cfg) {
    std::fprintf(stderr, "attestca: config errors:\n%s\n", cfg.error().detail.c_str());
    return 2;
  }
  auto prov = cfg->provisioners.find(a.provisioner);
  if (prov == cfg->provisioners.end()) {
    return Usage("no provisioner \"" + a.provisioner + "\" in " + a.config);
  }
  const auto& ch = prov->second.challenges;
  if (std::find(ch.begin(), ch.end(), "device-attest-01") == ch.end()) {
    return Usage("provisioner \"" + a.provisioner +
                 "\" does not offer device-attest-01 (challenges in " + a.config + ")");
  }
  const std::string directory_url = cfg->server.external_url + "/acme/" + a.provisioner + "/directory";

  std::string out;
  if (a.declarative) {
    nlohmann::json subj = nlohmann::json::array();
    for (const auto& [type, value] : *subject) {
      subj.push_back(nlohmann::json::array({nlohmann::json::array({type, value})}));
    }
    nlohmann::json j = {
        {"DirectoryURL", directory_url},
        {"ClientIdentifier", a.client_id},
        {"KeySize", a.key_size},
        {"KeyType", "ECSECPrimeRandom"},
        {"HardwareBound", true},
        {"Attest", true},
        {"Subject", subj},
        {"ExtendedKeyUsage", nlohmann::json::array({issuance::kClientAuthEku})},
        {"UsageFlags", 1},
    };
    try {
      out = j.dump(2) + "\n";
    } catch (const nlohmann::json::exception&) {
      return Usage("a value is not valid UTF-8");
    }
  } else {
    const std::string root_path = cfg->Path(cfg->ca.root_cert);
    auto pem = ReadFile(root_path);
    if (!pem) {
      std::fprintf(stderr, "%s: %s\n", kCmd, pem.error().detail.c_str());
      return 1;
    }
    auto cert = ossl::CertFromPem(*pem);
    if (!cert) {
      std::fprintf(stderr, "%s: %s: %s\n", kCmd, root_path.c_str(), cert.error().detail.c_str());
      return 1;
    }
    auto der = ossl::CertToDer(cert->get());
    if (!der) {
      std::fprintf(stderr, "%s: %s\n", kCmd, der.error().detail.c_str());
      return 1;
    }
    SystemRng rng;
    issuance::AppleAcmeProfile p;
    p.identifier = "attestca." + a.provisioner + "." + a.client_id;
    p.display_name = "attestca device enrollment (" + a.provisioner + ")";
    p.directory_url = directory_url;
    p.client_identifier = a.client_id;
    p.key_size = a.key_size;
    p.subject = *subject;
    p.root_der = std::move(*der);
    p.root_file_name = "root.crt";
    p.profile_uuid = NewUuid(rng);
    p.root_uuid = NewUuid(rng);
    p.acme_uuid = NewUuid(rng);
    auto text = issuance::RenderAppleMobileconfig(p);
    if (!text) return Usage(text.error().detail);
    out = std::move(*text);
  }
  auto ok = WriteNewFile(a.out, out, 0644);
  if (!ok) {
    std::fprintf(stderr, "%s: %s\n", kCmd, ok.error().detail.c_str());
    return 1;
  }
  std::fprintf(stderr, "wrote %s (%s for %s)\n", a.out.c_str(),
               a.declarative ? "com.apple.credential.acme JSON" : "configuration profile",
               directory_url.c_str());
  return 0;
}

}  // namespace ca::app

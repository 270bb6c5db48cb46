#include "webhook/message.h"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "common/json.h"
#include "ossl/pem.h"

namespace ca::webhook {

std::string RequestBody(const AuthorizeRequest& req) {
  nlohmann::json identifiers = nlohmann::json::array();
  nlohmann::json facts = nlohmann::json::object();
  nlohmann::json chain = nlohmann::json::array();
  std::string format;
  std::string spki_sha256;
  if (req.device != nullptr) {
    const attestation::AttestedDevice& d = *req.device;
    for (const auto& id : d.identifiers) identifiers.push_back({{"kind", id.kind}, {"value", id.value}});
    for (const auto& [k, v] : d.facts) facts[k] = v;
    for (const auto& der : d.chain_der) chain.push_back(ossl::DerToPem(der, "CERTIFICATE"));
    format = d.format;
    spki_sha256 = d.spki_sha256_hex;
  }
  const nlohmann::json body = {
      {"provisioner", req.provisioner},
      {"account", {{"id", req.account_id}, {"thumbprint", req.account_thumbprint}}},
      {"identifier", {{"type", req.identifier.type}, {"value", req.identifier.value}}},
      {"format", format},
      {"identifiers", identifiers},
      {"facts", facts},
      {"attested_key_spki_sha256", spki_sha256},
      {"chain_pem", chain},
      {"timestamp", Rfc3339(req.timestamp)},
      {"request_id", req.request_id},
  };
  // Attested values are bytes from the device: replace invalid UTF-8 rather than throw.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string SignatureValue(ByteView key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  // An empty key is refused at load (LoadWebhooks); EVP_Q_mac cannot fail otherwise.
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, sizeof mac,
                &mac_len) == nullptr) {
    return "sha256=";
  }
  return "sha256=" + Hex(ByteView(mac, mac_len));
}

std::string SanitizeReason(std::string_view reason) {
  std::string out;
  for (char c : reason) {
    if (out.size() == kMaxReasonChars) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  return out;
}

Result<Decision> ParseAnswer(unsigned status, std::string_view body) {
  if (status != 200) return Fail(Errc::kUnavailable, "HTTP status " + std::to_string(status));
  // Bounded and strict: {"allow": false, "allow": true} is refused, not read as its last key.
  const auto parsed = ParseJsonBounded(body);
  if (!parsed || !parsed->is_object()) return Fail(Errc::kUnavailable, "the answer is not a JSON object");
  const nlohmann::json& j = *parsed;
  const auto allow = j.find("allow");
  if (allow == j.end() || !allow->is_boolean()) {
    return Fail(Errc::kUnavailable, "the answer has no boolean \"allow\"");
  }
  Decision d;
  d.allow = allow->get<bool>();
  if (const auto reason = j.find("reason"); reason != j.end()) {
    if (!reason->is_string()) return Fail(Errc::kUnavailable, "the answer's \"reason\" is not a string");
    d.reason = SanitizeReason(reason->get_ref<const std::string&>());
  }
  return d;
}

}  // namespace ca::webhook

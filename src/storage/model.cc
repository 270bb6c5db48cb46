#include "storage/model.h"

#include <nlohmann/json.hpp>

namespace ca::storage {
namespace {
using nlohmann::json;

template <class F>
auto Guard(const std::string& what, F&& f) -> Result<decltype(f())> {
  try {
    return f();
  } catch (const std::exception& e) {
    return Fail(Errc::kInternal, "stored " + what + " is corrupt: " + e.what());
  }
}
}  // namespace

std::string IdentifiersToJson(const std::vector<core::Identifier>& ids) {
  json j = json::array();
  for (const auto& id : ids) j.push_back({{"type", id.type}, {"value", id.value}});
  return j.dump();
}

Result<std::vector<core::Identifier>> IdentifiersFromJson(const std::string& s) {
  return Guard("identifiers", [&] {
    std::vector<core::Identifier> out;
    for (const auto& e : json::parse(s)) out.push_back({e.at("type").get<std::string>(), e.at("value").get<std::string>()});
    return out;
  });
}

std::string StringsToJson(const std::vector<std::string>& v) { return json(v).dump(); }

Result<std::vector<std::string>> StringsFromJson(const std::string& s) {
  return Guard("string list", [&] { return json::parse(s).get<std::vector<std::string>>(); });
}

std::string ChallengesToJson(const std::vector<core::Challenge>& v) {
  json j = json::array();
  for (const auto& c : v) {
    json e = {{"id", c.id}, {"type", c.type}, {"token", c.token}, {"status", core::ToString(c.status)}};
    if (c.validated_at) e["validated"] = *c.validated_at;
    if (c.error) e["error"] = *c.error;
    if (c.attestation) e["attestation"] = *c.attestation;
    j.push_back(std::move(e));
  }
  return j.dump();
}

Result<std::vector<core::Challenge>> ChallengesFromJson(const std::string& s) {
  return Guard("challenges", [&]() -> std::vector<core::Challenge> {
    std::vector<core::Challenge> out;
    for (const auto& e : json::parse(s)) {
      core::Challenge c;
      c.id = e.at("id").get<std::string>();
      c.type = e.at("type").get<std::string>();
      c.token = e.at("token").get<std::string>();
      auto st = core::ChallengeStatusFrom(e.at("status").get<std::string>());
      if (!st) throw std::runtime_error("bad challenge status");
      c.status = *st;
      if (e.contains("validated")) c.validated_at = e.at("validated").get<int64_t>();
      if (e.contains("error")) c.error = e.at("error").get<std::string>();
      if (e.contains("attestation")) c.attestation = e.at("attestation").get<std::string>();
      out.push_back(std::move(c));
    }
    return out;
  });
}

}  // namespace ca::storage

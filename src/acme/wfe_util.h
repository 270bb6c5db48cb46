#pragma once
// Helpers shared by the Wfe handler files (internal to acme/).
#include <string>

#include <nlohmann/json.hpp>

#include "acme/jws.h"
#include "http/message.h"

namespace ca::acme::wfe_util {

inline http::Response JsonResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// PayloadObject decodes a JWS payload that must be a JSON object.
inline Result<nlohmann::json> PayloadObject(const Jws& jws) {
  CA_TRY(auto j, ParseJsonBounded(jws.payload));
  if (!j.is_object()) return Fail(Errc::kMalformed, "JWS payload must be a JSON object");
  return j;
}

}  // namespace ca::acme::wfe_util

#pragma once
// ParseJsonBounded: the one parser for untrusted JSON (ACME bodies, JWS headers, webhook answers).
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace ca {

// ParseJsonBounded parses untrusted JSON: depth <= 32, no duplicate keys at any level; kMalformed.
Result<nlohmann::json> ParseJsonBounded(std::string_view text);

}  // namespace ca

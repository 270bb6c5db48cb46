#pragma once
// Internal helpers of http/ (std types only, no Beast/Asio): listen-address parsing, target
// splitting and problem+json bodies for the errors the server answers itself.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace ca::http::detail {

struct ListenAddress {
  std::string host;  // without IPv6 brackets; "" means any address
  uint16_t port = 0;
};

// ParseListen splits "host:port" / "[v6]:port".
Result<ListenAddress> ParseListen(std::string_view listen);

// SplitTarget returns {path, query} of a request target (query without the '?').
std::pair<std::string, std::string> SplitTarget(std::string_view target);

// ProblemJson renders an RFC 7807 body; 5xx use serverInternal, everything else malformed.
std::string ProblemJson(int status, std::string_view detail);

std::string LowerAscii(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace ca::http::detail

// Helpers shared by the challenge validators: where to connect, reverse-DNS names, digests.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "common/check.h"
#include "validation/challenges.h"

namespace ca::validation {

std::string CanonicalIp(std::string_view s) {
  const std::string str(s);
  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (inet_pton(AF_INET, str.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, out, sizeof(out)) ? std::string(out) : std::string();
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, str.c_str(), &v6) == 1) {
    return inet_ntop(AF_INET6, &v6, out, sizeof(out)) ? std::string(out) : std::string();
  }
  return {};
}

std::string ReverseDnsName(std::string_view ip) {
  const std::string str(ip);
  in_addr v4{};
  if (inet_pton(AF_INET, str.c_str(), &v4) == 1) {
    const auto* b = reinterpret_cast<const uint8_t*>(&v4);
    return fmt::format("{}.{}.{}.{}.in-addr.arpa", b[3], b[2], b[1], b[0]);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, str.c_str(), &v6) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
      const uint8_t b = v6.s6_addr[i];
      out += kHex[b & 0xf];
      out += '.';
      out += kHex[b >> 4];
      out += '.';
    }
    return out + "ip6.arpa";
  }
  return {};
}

std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  CA_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) == 1 &&
           len == out.size());
  return out;
}

std::string Truncate(std::string_view s, size_t n) { return std::string(s.substr(0, n)); }

Result<std::vector<std::string>> TargetAddresses(Resolver& resolver, const core::Identifier& id) {
  if (id.type == core::kIp) {
    std::string ip = CanonicalIp(id.value);
    if (ip.empty()) return Fail(Errc::kMalformed, fmt::format("\"{}\" is not an IP address", Truncate(id.value)));
    return std::vector<std::string>{std::move(ip)};
  }
  if (id.type != core::kDns) {
    return Fail(Errc::kMalformed, fmt::format("unsupported identifier type \"{}\"", Truncate(id.type)));
  }
  CA_TRY(auto addrs, resolver.LookupAddresses(id.value));
  std::stable_partition(addrs.begin(), addrs.end(),
                        [](const std::string& a) { return a.find(':') == std::string::npos; });
  return addrs;
}

}  // namespace ca::validation

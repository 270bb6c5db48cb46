// dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.<name> holding
// base64url(SHA-256(key authorization)).
#include <fmt/format.h>

#include "common/base64.h"
#include "validation/challenges.h"

namespace ca::validation {

Result<void> ValidateDns01(Resolver& resolver, const ChallengeInput& in) {
  if (in.identifier.type != core::kDns) {
    return Fail(Errc::kMalformed, "dns-01 can only validate dns identifiers");
  }
  std::string_view base = in.identifier.value;
  if (base.starts_with("*.")) base.remove_prefix(2);  // wildcards are validated at the base name
  const std::string name = fmt::format("_acme-challenge.{}", base);
  const auto digest = Sha256(in.key_authorization);
  const std::string expected = Base64UrlEncode(ByteView(digest));

  CA_TRY(const auto records, resolver.LookupTxt(name));
  for (const std::string& r : records) {
    if (r == expected) return Ok();
  }
  if (records.empty()) return Fail(Errc::kUnauthorized, fmt::format("No TXT record found at {}", name));
  const std::string more =
      records.size() > 1 ? fmt::format(" (and {} more)", records.size() - 1) : std::string();
  return Fail(Errc::kUnauthorized,
              fmt::format("Incorrect TXT record \"{}\"{} found at {}", Truncate(records.front()), more, name));
}

}  // namespace ca::validation

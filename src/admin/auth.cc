#include "admin/auth.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "common/bytes.h"
#include "ossl/pem.h"

namespace ca::admin {
namespace {

constexpr size_t kMaxTokenBytes = 512;  // far beyond any sane token; bounds the hashing work

}  // namespace

int MatchToken(std::string_view token, const std::vector<config::AdminToken>& tokens) {
  const Bytes digest = ossl::Sha256(ByteView(reinterpret_cast<const uint8_t*>(token.data()), token.size()));
  const std::string hex = Hex(digest);
  int found = -1;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& want = tokens[i].sha256_hex;
    // Configured hashes are validated to 64 lowercase hex digits, as Hex renders them.
    const bool same = want.size() == hex.size() && CRYPTO_memcmp(want.data(), hex.data(), hex.size()) == 0;
    if (same && found < 0) found = static_cast<int>(i);
  }
  return found;
}

Result<revocation::Actor> Authenticate(const http::Request& r, const std::vector<config::AdminToken>& tokens) {
  if (!r.HasHeader("authorization")) return Fail(Errc::kUnauthorized, "no Authorization header");
  const std::string& h = r.Header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() <= kScheme.size() || !std::equal(kScheme.begin(), kScheme.end(), h.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return Fail(Errc::kUnauthorized, "the Authorization header is not a Bearer token");
  }
  std::string_view token(h);
  token.remove_prefix(kScheme.size());
  if (token.empty() || token.size() > kMaxTokenBytes) return Fail(Errc::kUnauthorized, "the bearer token is malformed");
  if (tokens.empty()) return Fail(Errc::kUnauthorized, "no admin tokens are configured");
  const int i = MatchToken(token, tokens);
  if (i < 0) return Fail(Errc::kUnauthorized, "unknown bearer token");
  revocation::Actor who;
  who.kind = "admin-token";
  who.id = tokens[static_cast<size_t>(i)].id;
  who.authority = revocation::Authority::kOperator;
  return who;
}

}  // namespace ca::admin

#include <arpa/inet.h>

#include <string>

#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/types.h"

namespace ca::issuance {

Result<ossl::UniquePtr<ASN1_STRING>> NewSerial(Rng& rng) {
  constexpr size_t kBytes = 16;
  for (int attempt = 0; attempt < 64; ++attempt) {
    Bytes b = rng.Generate(kBytes);
    if (b.size() != kBytes) return Fail(Errc::kInternal, "rng returned a short buffer");
    b[0] &= 0x7f;  // positive, <= 127 bits: never needs a leading zero byte beyond DER's own
    bool high_zero = true;
    for (size_t i = 0; i < 8; ++i) high_zero = high_zero && b[i] == 0;
    if (high_zero) continue;  // < 2^64: fewer than 64 significant bits
    return ossl::SerialFromBytes(b);
  }
  return Fail(Errc::kInternal, "rng keeps producing short serial numbers");
}

std::optional<Bytes> ParseIpLiteral(std::string_view text) {
  std::string s(text);
  Bytes out(16);
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), out.data()) != 1) return std::nullopt;
    out.resize(4);
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

Result<ossl::SanEntry> SanEntryFor(const core::Identifier& id) {
  if (id.type == core::kPermanentIdentifier || id.type == core::kHardwareModule) return DeviceSanEntry(id);
  ossl::SanEntry e;
  if (id.type == core::kDns) {
    e.kind = ossl::SanEntry::Kind::kDns;
    e.dns = id.value;
    return e;
  }
  if (id.type == core::kIp) {
    auto ip = ParseIpLiteral(id.value);
    if (!ip) return Fail(Errc::kInternal, "ip identifier \"" + id.value + "\" is not an IP literal");
    e.kind = ossl::SanEntry::Kind::kIp;
    e.ip = std::move(*ip);
    return e;
  }
  return Fail(Errc::kInternal, "identifier type \"" + id.type + "\" cannot be issued");
}

}  // namespace ca::issuance

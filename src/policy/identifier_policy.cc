// Identifier syntax (RFC 8555 §7.1.4, RFC 8738 §3, RFC 1123 §2.1) and the provisioner's name lists.
#include "policy/identifier_policy.h"

#include <algorithm>
#include <string_view>

#include "core/device.h"
#include "policy/internal.h"

namespace ca::policy {
namespace {

constexpr size_t kMaxDnsName = 253;
constexpr size_t kMaxLabel = 63;

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsLdh(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

Result<std::string> NormalizeDns(std::string_view raw) {
  std::string name = LowerAscii(raw);
  const std::string q = Quote(raw);
  if (name.empty()) return Fail(Errc::kMalformed, "DNS name is empty");
  if (name.size() > kMaxDnsName) return Fail(Errc::kMalformed, "DNS name " + q + " is longer than 253 characters");
  if (name.back() == '.') return Fail(Errc::kMalformed, "DNS name " + q + " must not end with a dot");
  std::string_view base = name;
  if (base.starts_with("*.")) base.remove_prefix(2);
  if (base.find('*') != std::string_view::npos) {
    return Fail(Errc::kMalformed,
                "DNS name " + q + " has a wildcard that is not the whole leftmost label (only \"*.\" is allowed)");
  }
  size_t start = 0;
  std::string_view last_label;
  while (true) {
    size_t dot = base.find('.', start);
    std::string_view label = base.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return Fail(Errc::kMalformed, "DNS name " + q + " has an empty label");
    if (label.size() > kMaxLabel) {
      return Fail(Errc::kMalformed, "DNS name " + q + " has a label longer than 63 characters");
    }
    if (!std::all_of(label.begin(), label.end(), IsLdh)) {
      return Fail(Errc::kMalformed,
                  "DNS name " + q + " contains a character other than letters, digits, '-' and '.'"
                  " (internationalized names must be in punycode)");
    }
    if (label.front() == '-' || label.back() == '-') {
      return Fail(Errc::kMalformed, "DNS name " + q + " has a label that starts or ends with '-'");
    }
    last_label = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (std::all_of(last_label.begin(), last_label.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (IpFromText(base)) {
      return Fail(Errc::kMalformed, "DNS name " + q + " is an IP address: use an \"ip\" identifier");
    }
    return Fail(Errc::kMalformed, "DNS name " + q + " has an all-numeric last label");
  }
  return name;
}

struct Cidr {
  Bytes prefix;
  int bits = 0;
};

std::optional<Cidr> ParseCidr(std::string_view entry) {
  size_t slash = entry.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = IpFromText(entry.substr(0, slash));
  std::string_view len = entry.substr(slash + 1);
  if (!addr || len.empty() || len.size() > 3) return std::nullopt;
  int bits = 0;
  for (char c : len) {
    if (c < '0' || c > '9') return std::nullopt;
    bits = bits * 10 + (c - '0');
  }
  if (bits > static_cast<int>(addr->size() * 8)) return std::nullopt;
  return Cidr{std::move(*addr), bits};
}

bool InCidr(const Cidr& cidr, const Bytes& ip) {
  if (ip.size() != cidr.prefix.size()) return false;
  for (int i = 0; i < cidr.bits; ++i) {
    auto byte = static_cast<size_t>(i / 8);
    int mask = 0x80 >> (i % 8);
    if ((ip[byte] & mask) != (cidr.prefix[byte] & mask)) return false;
  }
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

enum class List { kAllowed, kDenied };

// Matches: ".s" covers every name under s (a wildcard "*.s" too, since it stands for names under s);
// "host" matches exactly; "a/n" and bare IP literals match ip identifiers. A denied exact entry
// also catches a wildcard whose base it is or that would cover it ("x.corp" denies "*.x.corp" and
// "*.corp"); an allowed exact entry never grants a wildcard other than itself.
bool Matches(const core::Identifier& id, const std::string& raw_entry, List list) {
  std::string entry = LowerAscii(raw_entry);
  if (entry.empty()) return false;
  if (id.type == core::kIp) {
    auto ip = IpFromText(id.value);
    if (!ip) return false;
    if (auto cidr = ParseCidr(entry)) return InCidr(*cidr, *ip);
    if (auto exact = IpFromText(entry)) return *exact == *ip;
    return false;
  }
  if (entry.find('/') != std::string::npos || IpFromText(entry)) return false;
  const std::string& name = id.value;
  if (entry.front() == '.') return name.size() > entry.size() && EndsWith(name, entry);
  if (name == entry) return true;
  if (list == List::kDenied && name.starts_with("*.")) {
    std::string_view base = std::string_view(name).substr(2);
    if (base == entry) return true;
    size_t dot = entry.find('.');
    return dot != std::string::npos && std::string_view(entry).substr(dot + 1) == base;
  }
  return false;
}

}  // namespace

Result<core::Identifier> NormalizeIdentifier(const core::Identifier& id) {
  if (id.type == core::kDns) {
    CA_TRY(std::string name, NormalizeDns(id.value));
    return core::Identifier{core::kDns, std::move(name)};
  }
  if (id.type == core::kIp) {
    auto ip = IpFromText(id.value);
    if (!ip) return Fail(Errc::kMalformed, Quote(id.value) + " is not a valid IPv4 or IPv6 address");
    auto text = IpToText(*ip);
    if (!text) return Fail(Errc::kMalformed, Quote(id.value) + " is not a valid IPv4 or IPv6 address");
    return core::Identifier{core::kIp, std::move(*text)};
  }
  if (id.type == core::kPermanentIdentifier || id.type == core::kHardwareModule) {
    // draft-ietf-acme-device-attest-09 §3: checked against the ABNF, never normalised (the SAN must
    // match the order value octet for octet).
    CA_RETURN_IF_ERROR(core::ValidateDeviceIdentifier(id.type, id.value));
    return id;
  }
  return Fail(Errc::kUnsupportedIdentifier, "identifier type " + Quote(id.type) + " is not supported");
}

Result<void> CheckNamePolicy(const core::Identifier& normalized, const std::vector<std::string>& allowed_types,
                             const config::NamePolicy& names) {
  if (std::find(allowed_types.begin(), allowed_types.end(), normalized.type) == allowed_types.end()) {
    return Fail(Errc::kUnsupportedIdentifier,
                "identifier type " + Quote(normalized.type) + " is not allowed by this provisioner");
  }
  // The name lists speak of DNS names and IP ranges; device identifiers answer to the inventory.
  if (normalized.type != core::kDns && normalized.type != core::kIp) return Ok();
  for (const auto& entry : names.denied_names) {
    if (Matches(normalized, entry, List::kDenied)) {
      return Fail(Errc::kRejectedIdentifier,
                  "name " + Quote(normalized.value) + " is denied by denied_names entry '" + entry + "'");
    }
  }
  if (names.allowed_names.empty()) return Ok();
  for (const auto& entry : names.allowed_names) {
    if (Matches(normalized, entry, List::kAllowed)) return Ok();
  }
  return Fail(Errc::kRejectedIdentifier,
              "name " + Quote(normalized.value) + " is not covered by any allowed_names entry");
}

}  // namespace ca::policy

#include <arpa/inet.h>

#include <cstdio>

#include "policy/internal.h"

namespace ca::policy {

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 100;
  std::string out = "\"";
  size_t n = 0;
  for (char ch : s) {
    if (n++ == kMax) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::optional<Bytes> IpFromText(std::string_view s) {
  if (s.empty() || s.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string text(s);
  Bytes out(16);
  if (text.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, text.c_str(), out.data()) != 1) return std::nullopt;
    return out;
  }
  // inet_pton(AF_INET) takes exactly a dotted quad of decimal octets; refuse leading zeros
  // explicitly (some parsers read "010" as octal).
  for (size_t i = 0; i < text.size(); ++i) {
    bool starts_octet = i == 0 || text[i - 1] == '.';
    if (starts_octet && text[i] == '0' && i + 1 < text.size() && text[i + 1] != '.') return std::nullopt;
  }
  if (inet_pton(AF_INET, text.c_str(), out.data()) != 1) return std::nullopt;
  out.resize(4);
  return out;
}

std::optional<std::string> IpToText(ByteView ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ip.size() == 4) {
    if (!inet_ntop(AF_INET, ip.data(), buf, sizeof buf)) return std::nullopt;
  } else if (ip.size() == 16) {
    if (!inet_ntop(AF_INET6, ip.data(), buf, sizeof buf)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return std::string(buf);
}

}  // namespace ca::policy

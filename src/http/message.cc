// Request accessors and the std-only helpers declared in http/detail.h.
#include "http/message.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "http/detail.h"

namespace ca::http {

const std::string& Request::Header(const std::string& lower_name) const {
  static const std::string kEmpty;
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return kEmpty;
}

bool Request::HasHeader(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return true;
  }
  return false;
}

namespace detail {

Result<ListenAddress> ParseListen(std::string_view listen) {
  auto bad = [&](std::string_view why) {
    return Fail(Errc::kInternal, fmt::format("http: bad listen address \"{}\": {}", listen, why));
  };
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return bad("missing :port");
  std::string_view host = listen.substr(0, colon);
  const std::string_view port = listen.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return bad("unbalanced brackets");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("IPv6 addresses must be bracketed");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return bad("bad port");
  }
  return ListenAddress{std::string(host), static_cast<uint16_t>(value)};
}

std::pair<std::string, std::string> SplitTarget(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {std::string(target), std::string()};
  return {std::string(target.substr(0, q)), std::string(target.substr(q + 1))};
}

std::string ProblemJson(int status, std::string_view detail) {
  std::string escaped;
  for (const char c : detail) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    escaped.push_back(c);
  }
  const char* type = status >= 500 ? "urn:ietf:params:acme:error:serverInternal"
                                   : "urn:ietf:params:acme:error:malformed";
  return fmt::format(R"({{"type":"{}","detail":"{}","status":{}}})", type, escaped, status);
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace detail

std::string HttpDate(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  static constexpr char kDays[] = "SunMonTueWedThuFriSat";
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  // Written by hand: every OCSP answer carries three of these, and snprintf showed in profiles.
  std::string out = "Sun, 00 Jan 0000 00:00:00 GMT";
  auto two = [&out](size_t at, int v) {
    out[at] = static_cast<char>('0' + v / 10 % 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  out.replace(0, 3, kDays + 3 * (tm.tm_wday % 7), 3);
  two(5, tm.tm_mday);
  out.replace(8, 3, kMonths + 3 * (tm.tm_mon % 12), 3);
  const int year = std::clamp(tm.tm_year + 1900, 0, 9999);
  two(12, year / 100);
  two(14, year % 100);
  two(17, tm.tm_hour);
  two(20, tm.tm_min);
  two(23, tm.tm_sec);
  return out;
}

}  // namespace ca::http

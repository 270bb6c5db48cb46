#include "revocation/reason.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace ca::revocation {
namespace {

// Index = code; code 7 is unused in RFC 5280.
constexpr std::array<std::string_view, 11> kNames = {
    "unspecified", "keyCompromise",        "cACompromise", "affiliationChanged", "superseded",  "cessationOfOperation",
    "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string AllowedText(Authority who) {
  std::string out;
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (!IsAllowedReason(static_cast<int>(i), who)) continue;
    out += (out.empty() ? "" : ", ") + std::string(kNames[i]) + " (" + std::to_string(i) + ")";
  }
  return out;
}

}  // namespace

bool IsAllowedReason(int reason, Authority who) {
  switch (reason) {
    case 0:
    case 1:
    case 3:
    case 4:
    case 5: return true;
    case 9: return who == Authority::kOperator;
    default: return false;
  }
}

std::string_view ReasonName(int reason) {
  if (reason < 0 || static_cast<size_t>(reason) >= kNames.size()) return "";
  return kNames[static_cast<size_t>(reason)];
}

Result<int> CheckReason(int reason, Authority who) {
  if (IsAllowedReason(reason, who)) return reason;
  std::string name(ReasonName(reason));
  return Fail(Errc::kBadRevocationReason, "revocation reason " + std::to_string(reason) +
                                              (name.empty() ? "" : " (" + name + ")") +
                                              " is not allowed; allowed: " + AllowedText(who));
}

Result<int> ParseReason(std::string_view text, Authority who) {
  if (!text.empty() && text.size() <= 2 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return CheckReason(std::stoi(std::string(text)), who);
  }
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (!kNames[i].empty() && EqualsIgnoreCase(text, kNames[i])) return CheckReason(static_cast<int>(i), who);
  }
  std::string shown(text.substr(0, 64));
  return Fail(Errc::kBadRevocationReason,
              "unknown revocation reason \"" + shown + "\"; allowed: " + AllowedText(who));
}

}  // namespace ca::revocation

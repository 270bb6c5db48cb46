#pragma once
// RFC 5280 §5.3.1 CRLReason codes: which ones this CA records, and their names.
#include <optional>
#include <string_view>

#include "common/result.h"

namespace ca::revocation {

// Who may give which reason. A subscriber (ACME revokeCert, RFC 8555 §7.6) may give unspecified,
// keyCompromise, affiliationChanged, superseded or cessationOfOperation; an operator (CLI, admin API)
// may also give privilegeWithdrawn. Never: cACompromise and aACompromise (about CAs, not leaves),
// certificateHold (revocation here is final) and removeFromCRL (CRL deltas only).
enum class Authority { kSubscriber, kOperator };
bool IsAllowedReason(int reason, Authority who);

// ReasonName is the RFC 5280 name ("keyCompromise"), or "" for an unknown code.
std::string_view ReasonName(int reason);

// ParseReason accepts an RFC 5280 name (case-insensitive) or a decimal code, and checks it is allowed
// for who; kBadRevocationReason says which reasons are allowed.
Result<int> ParseReason(std::string_view text, Authority who);
// CheckReason is ParseReason for a code already numeric.
Result<int> CheckReason(int reason, Authority who);

}  // namespace ca::revocation

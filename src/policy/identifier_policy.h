#pragma once
// Identifier syntax and the provisioner's name policy (pure, no I/O).
#include <string>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "core/identifier.h"

namespace ca::policy {

// NormalizeIdentifier checks syntax and returns the canonical form: dns lower-cased, trailing dot
// refused, labels 1..63 LDH (no leading/trailing hyphen), total <= 253, at least two labels is NOT
// required (internal CA: "localhost" is fine); a wildcard only as the whole leftmost label "*.";
// ip: RFC 8738 textual IPv4/IPv6 -> canonical text. Errors: kMalformed (syntax),
// kUnsupportedIdentifier (unknown type).
Result<core::Identifier> NormalizeIdentifier(const core::Identifier& id);

// CheckNamePolicy applies allowed_types and the allowed/denied lists; a refusal is
// kRejectedIdentifier whose detail names the rule, e.g. "denied by denied_names entry '.prod.example'".
Result<void> CheckNamePolicy(const core::Identifier& normalized, const std::vector<std::string>& allowed_types,
                             const config::NamePolicy& names);

}  // namespace ca::policy

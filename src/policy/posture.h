#pragma once
// Posture rules (pure): what an attested device must report about itself, per provisioner and
// format ([provisioners.NAME.formats.FORMAT] in attestca.toml). A refusal names the rule.
#include <map>
#include <string>

#include "common/result.h"
#include "config/config.h"

namespace ca::policy {

// CheckPosture applies fc's rules to the attested facts of format. A fact the device did not attest
// fails its rule (fail closed). Errors: kBadAttestation, detail e.g.
// "posture rule apple.min_os_version = \"14.2\" failed: the device runs 13.6".
Result<void> CheckPosture(const std::string& format, const config::FormatConfig& fc,
                          const std::map<std::string, std::string>& facts);

// CompareVersions compares dotted numeric versions ("14.2" < "14.10"); missing parts count as 0.
// Returns nullopt when either is not dotted numeric.
std::optional<int> CompareVersions(const std::string& a, const std::string& b);

}  // namespace ca::policy

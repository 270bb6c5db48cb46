#include "policy/posture.h"

#include <optional>
#include <vector>

namespace ca::policy {
namespace {

std::optional<std::vector<uint64_t>> Parts(const std::string& v) {
  std::vector<uint64_t> out;
  uint64_t cur = 0;
  size_t digits = 0;
  for (char c : v) {
    if (c == '.') {
      if (digits == 0) return std::nullopt;
      out.push_back(cur);
      cur = 0;
      digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 9) {
      cur = cur * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0) return std::nullopt;
  out.push_back(cur);
  return out;
}

tl::unexpected<Error> Refuse(const std::string& format, const std::string& rule, const std::string& want,
                             const std::string& why) {
  return Fail(Errc::kBadAttestation, "posture rule " + format + "." + rule + " = " + want + " failed: " + why);
}

const std::string* Fact(const std::map<std::string, std::string>& facts, const char* name) {
  auto it = facts.find(name);
  return it == facts.end() ? nullptr : &it->second;
}

int LevelRank(const std::string& level) {
  if (level == "strongbox") return 2;
  if (level == "tee") return 1;
  return 0;
}

// PatchMonth reads an attested patch level (YYYYMM, or YYYYMMDD for vendor/boot) as YYYYMM.
std::optional<int64_t> PatchMonth(const std::string& v) {
  if (v.size() != 6 && v.size() != 8) return std::nullopt;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return v.size() == 8 ? n / 100 : n;
}

// CheckAndroidPosture applies the android-key rules (config validation keeps them off other formats).
Result<void> CheckAndroidPosture(const std::string& format, const config::FormatConfig& fc,
                                 const std::map<std::string, std::string>& facts) {
  if (!fc.min_security_level.empty()) {
    const std::string want = "\"" + fc.min_security_level + "\"";
    const std::string* level = Fact(facts, "security_level");
    if (level == nullptr) return Refuse(format, "min_security_level", want, "the device did not attest a security level");
    if (LevelRank(*level) < LevelRank(fc.min_security_level)) {
      return Refuse(format, "min_security_level", want, "the key is protected by \"" + *level + "\"");
    }
  }
  if (fc.require_verified_boot) {
    const std::string* state = Fact(facts, "verified_boot_state");
    if (state == nullptr) {
      return Refuse(format, "require_verified_boot", "true", "the device did not attest its verified boot state");
    }
    if (*state != "verified") {
      return Refuse(format, "require_verified_boot", "true", "the verified boot state is \"" + *state + "\"");
    }
  }
  if (fc.require_locked_bootloader) {
    const std::string* locked = Fact(facts, "device_locked");
    if (locked == nullptr) {
      return Refuse(format, "require_locked_bootloader", "true", "the device did not attest its bootloader state");
    }
    if (*locked != "true") return Refuse(format, "require_locked_bootloader", "true", "the bootloader is unlocked");
  }
  if (!fc.min_patch_level.empty()) {
    const std::string want = "\"" + fc.min_patch_level + "\"";
    const std::string* patch = Fact(facts, "os_patch_level");
    if (patch == nullptr) return Refuse(format, "min_patch_level", want, "the device did not attest its OS patch level");
    auto have = PatchMonth(*patch);
    if (!have) return Refuse(format, "min_patch_level", want, "the attested OS patch level \"" + *patch + "\" is not YYYYMM");
    // Config validation checked "YYYY-MM"; anything else fails closed.
    const std::string& m = fc.min_patch_level;
    auto min = m.size() == 7 && m[4] == '-' ? PatchMonth(m.substr(0, 4) + m.substr(5, 2)) : std::nullopt;
    if (!min) return Refuse(format, "min_patch_level", want, "the rule is not \"YYYY-MM\"");
    if (*have < *min) {
      return Refuse(format, "min_patch_level", want,
                    "the OS patch level is " + patch->substr(0, 4) + "-" + patch->substr(4, 2));
    }
  }
  return Ok();
}

}  // namespace

std::optional<int> CompareVersions(const std::string& a, const std::string& b) {
  auto pa = Parts(a);
  auto pb = Parts(b);
  if (!pa || !pb) return std::nullopt;
  size_t n = std::max(pa->size(), pb->size());
  for (size_t i = 0; i < n; ++i) {
    uint64_t x = i < pa->size() ? (*pa)[i] : 0;
    uint64_t y = i < pb->size() ? (*pb)[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

Result<void> CheckPosture(const std::string& format, const config::FormatConfig& fc,
                          const std::map<std::string, std::string>& facts) {
  if (!fc.min_os_version.empty()) {
    const std::string want = "\"" + fc.min_os_version + "\"";
    const std::string* os = Fact(facts, "os_version");
    if (os == nullptr) return Refuse(format, "min_os_version", want, "the device did not attest its OS version");
    auto cmp = CompareVersions(*os, fc.min_os_version);
    if (!cmp) return Refuse(format, "min_os_version", want, "the attested OS version \"" + *os + "\" is not numeric");
    if (*cmp < 0) return Refuse(format, "min_os_version", want, "the device runs " + *os);
  }
  if (fc.require_sip) {
    const std::string* sip = Fact(facts, "sip");
    if (sip == nullptr) return Refuse(format, "require_sip", "true", "the device did not attest its SIP status");
    if (*sip != "true") return Refuse(format, "require_sip", "true", "System Integrity Protection is disabled");
  }
  if (fc.require_full_secure_boot) {
    const std::string* boot = Fact(facts, "secure_boot");
    if (boot == nullptr) {
      return Refuse(format, "require_full_secure_boot", "true", "the device did not attest its secure boot level");
    }
    if (*boot != "full") {
      return Refuse(format, "require_full_secure_boot", "true", "secure boot is \"" + *boot + "\"");
    }
  }
  CA_RETURN_IF_ERROR(CheckAndroidPosture(format, fc, facts));
  // YubiKey slot policies (step): "never" lets anyone holding the key use it, PIN- or touch-free.
  if (fc.require_pin_policy) {
    const std::string* pin = Fact(facts, "pin_policy");
    if (pin == nullptr) return Refuse(format, "require_pin_policy", "true", "the device did not attest its PIN policy");
    if (*pin == "never") return Refuse(format, "require_pin_policy", "true", "the key's PIN policy is \"never\"");
  }
  if (fc.require_touch_policy) {
    const std::string* touch = Fact(facts, "touch_policy");
    if (touch == nullptr) {
      return Refuse(format, "require_touch_policy", "true", "the device did not attest its touch policy");
    }
    if (*touch == "never") {
      return Refuse(format, "require_touch_policy", "true", "the key's touch policy is \"never\"");
    }
  }
  return Ok();
}

}  // namespace ca::policy

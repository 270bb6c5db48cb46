// android-key posture rules: each passes and fails (naming the rule), and fails closed on a missing
// fact.
#include <gtest/gtest.h>

#include "policy/posture.h"

namespace ca::policy {
namespace {

using Facts = std::map<std::string, std::string>;

const Facts kGood = {{"security_level", "tee"},      {"verified_boot_state", "verified"},
                     {"device_locked", "true"},      {"os_patch_level", "202501"},
                     {"attestation_version", "300"}, {"os_version", "150000"}};

Facts With(const std::string& k, const std::string& v) {
  Facts f = kGood;
  f[k] = v;
  return f;
}

Facts Without(const std::string& k) {
  Facts f = kGood;
  f.erase(k);
  return f;
}

std::string Refusal(const config::FormatConfig& fc, const Facts& facts) {
  auto r = CheckPosture("android-key", fc, facts);
  EXPECT_FALSE(r.has_value());
  if (r) return "";
  EXPECT_EQ(r.error().code, Errc::kBadAttestation);
  return r.error().detail;
}

TEST(PostureAndroid, NoRulesAcceptAnything) {
  EXPECT_TRUE(CheckPosture("android-key", {}, {}));
  EXPECT_TRUE(CheckPosture("android-key", {}, With("device_locked", "false")));
}

TEST(PostureAndroid, MinSecurityLevel) {
  config::FormatConfig fc;
  fc.min_security_level = "tee";
  EXPECT_TRUE(CheckPosture("android-key", fc, kGood));
  EXPECT_TRUE(CheckPosture("android-key", fc, With("security_level", "strongbox")));
  fc.min_security_level = "strongbox";
  EXPECT_TRUE(CheckPosture("android-key", fc, With("security_level", "strongbox")));
  EXPECT_EQ(Refusal(fc, kGood),
            "posture rule android-key.min_security_level = \"strongbox\" failed: the key is protected by \"tee\"");
  EXPECT_EQ(Refusal(fc, Without("security_level")),
            "posture rule android-key.min_security_level = \"strongbox\" failed: the device did not attest a security "
            "level");
}

TEST(PostureAndroid, RequireVerifiedBoot) {
  config::FormatConfig fc;
  fc.require_verified_boot = true;
  EXPECT_TRUE(CheckPosture("android-key", fc, kGood));
  for (const char* state : {"self-signed", "unverified", "failed"}) {
    EXPECT_EQ(Refusal(fc, With("verified_boot_state", state)),
              std::string("posture rule android-key.require_verified_boot = true failed: the verified boot state is \"") +
                  state + "\"");
  }
  EXPECT_NE(Refusal(fc, Without("verified_boot_state")).find("did not attest its verified boot state"),
            std::string::npos);
}

TEST(PostureAndroid, RequireLockedBootloader) {
  config::FormatConfig fc;
  fc.require_locked_bootloader = true;
  EXPECT_TRUE(CheckPosture("android-key", fc, kGood));
  EXPECT_EQ(Refusal(fc, With("device_locked", "false")),
            "posture rule android-key.require_locked_bootloader = true failed: the bootloader is unlocked");
  EXPECT_NE(Refusal(fc, Without("device_locked")).find("did not attest its bootloader state"), std::string::npos);
}

TEST(PostureAndroid, MinPatchLevel) {
  config::FormatConfig fc;
  fc.min_patch_level = "2025-01";
  EXPECT_TRUE(CheckPosture("android-key", fc, kGood));                             // equal
  EXPECT_FALSE(CheckPosture("android-key", fc, With("os_patch_level", "202412")));
  EXPECT_TRUE(CheckPosture("android-key", fc, With("os_patch_level", "202602")));  // later
  EXPECT_TRUE(CheckPosture("android-key", fc, With("os_patch_level", "20250105")));  // YYYYMMDD form
  EXPECT_EQ(Refusal(fc, With("os_patch_level", "201907")),
            "posture rule android-key.min_patch_level = \"2025-01\" failed: the OS patch level is 2019-07");
  EXPECT_NE(Refusal(fc, With("os_patch_level", "0")).find("is not YYYYMM"), std::string::npos);
  EXPECT_NE(Refusal(fc, Without("os_patch_level")).find("did not attest its OS patch level"), std::string::npos);
  fc.min_patch_level = "2025-1";  // never passes config validation; fails closed here anyway
  EXPECT_NE(Refusal(fc, kGood).find("the rule is not \"YYYY-MM\""), std::string::npos);
}

}  // namespace
}  // namespace ca::policy

#include "policy/posture.h"

#include <gtest/gtest.h>

namespace ca::policy {
namespace {

TEST(Posture, VersionsCompareNumerically) {
  EXPECT_EQ(*CompareVersions("14.2", "14.10"), -1);
  EXPECT_EQ(*CompareVersions("14.2.1", "14.2"), 1);
  EXPECT_EQ(*CompareVersions("14", "14.0.0"), 0);
  EXPECT_FALSE(CompareVersions("14.x", "14"));
  EXPECT_FALSE(CompareVersions("", "1"));
  EXPECT_FALSE(CompareVersions("1..2", "1"));
}

TEST(Posture, NoRulesAcceptEverything) { EXPECT_TRUE(CheckPosture("apple", {}, {})); }

TEST(Posture, MinOsVersion) {
  config::FormatConfig fc;
  fc.min_os_version = "14.2";
  EXPECT_TRUE(CheckPosture("apple", fc, {{"os_version", "14.2"}}));
  EXPECT_TRUE(CheckPosture("apple", fc, {{"os_version", "15.0.1"}}));
  auto old = CheckPosture("apple", fc, {{"os_version", "13.6"}});
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, Errc::kBadAttestation);
  EXPECT_EQ(old.error().detail, "posture rule apple.min_os_version = \"14.2\" failed: the device runs 13.6");
  auto missing = CheckPosture("apple", fc, {});
  ASSERT_FALSE(missing);  // fail closed
  EXPECT_NE(missing.error().detail.find("did not attest its OS version"), std::string::npos);
}

TEST(Posture, SipAndSecureBoot) {
  config::FormatConfig fc;
  fc.require_sip = true;
  fc.require_full_secure_boot = true;
  EXPECT_TRUE(CheckPosture("apple", fc, {{"sip", "true"}, {"secure_boot", "full"}}));
  auto sip = CheckPosture("apple", fc, {{"sip", "false"}, {"secure_boot", "full"}});
  ASSERT_FALSE(sip);
  EXPECT_NE(sip.error().detail.find("apple.require_sip"), std::string::npos);
  auto boot = CheckPosture("apple", fc, {{"sip", "true"}, {"secure_boot", "reduced"}});
  ASSERT_FALSE(boot);
  EXPECT_NE(boot.error().detail.find("require_full_secure_boot"), std::string::npos);
  EXPECT_NE(boot.error().detail.find("reduced"), std::string::npos);
  EXPECT_FALSE(CheckPosture("apple", fc, {{"sip", "true"}}));
}

TEST(Posture, StepPinPolicy) {
  config::FormatConfig fc;
  fc.require_pin_policy = true;
  EXPECT_TRUE(CheckPosture("step", fc, {{"pin_policy", "once"}, {"touch_policy", "never"}}));
  EXPECT_TRUE(CheckPosture("step", fc, {{"pin_policy", "always"}}));
  auto never = CheckPosture("step", fc, {{"pin_policy", "never"}});
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code, Errc::kBadAttestation);
  EXPECT_EQ(never.error().detail,
            "posture rule step.require_pin_policy = true failed: the key's PIN policy is \"never\"");
  auto missing = CheckPosture("step", fc, {{"touch_policy", "always"}});
  ASSERT_FALSE(missing);  // fail closed
  EXPECT_NE(missing.error().detail.find("did not attest its PIN policy"), std::string::npos);
}

TEST(Posture, StepTouchPolicy) {
  config::FormatConfig fc;
  fc.require_touch_policy = true;
  EXPECT_TRUE(CheckPosture("step", fc, {{"pin_policy", "never"}, {"touch_policy", "cached"}}));
  EXPECT_TRUE(CheckPosture("step", fc, {{"touch_policy", "always"}}));
  auto never = CheckPosture("step", fc, {{"touch_policy", "never"}});
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().detail,
            "posture rule step.require_touch_policy = true failed: the key's touch policy is \"never\"");
  auto missing = CheckPosture("step", fc, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("step.require_touch_policy"), std::string::npos);
  EXPECT_NE(missing.error().detail.find("did not attest its touch policy"), std::string::npos);
}

TEST(Posture, StepBothRulesFirstFailureNamed) {
  config::FormatConfig fc;
  fc.require_pin_policy = true;
  fc.require_touch_policy = true;
  EXPECT_TRUE(CheckPosture("step", fc, {{"pin_policy", "once"}, {"touch_policy", "always"}}));
  auto touch = CheckPosture("step", fc, {{"pin_policy", "once"}, {"touch_policy", "never"}});
  ASSERT_FALSE(touch);
  EXPECT_NE(touch.error().detail.find("require_touch_policy"), std::string::npos);
}

}  // namespace
}  // namespace ca::policy

// [provisioners.NAME.formats.android-key]: revocation_list and the posture rules, their validation,
// and the `attestca init` text.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace ca::config {
namespace {

Result<Config> Parse(const std::string& text) { return ParseConfig(text, "t.toml", "/etc/ca"); }

TEST(ConfigAndroid, RulesParsed) {
  auto c = Parse(R"([provisioners.devices]
challenges = ["device-attest-01"]
[provisioners.devices.formats.android-key]
revocation_list = "android-status.json"
min_security_level = "strongbox"
require_verified_boot = true
require_locked_bootloader = true
min_patch_level = "2025-01"
)");
  ASSERT_TRUE(c) << c.error().detail;
  const FormatConfig fc = c->provisioners.at("devices").FormatFor("android-key");
  EXPECT_EQ(fc.revocation_list, "android-status.json");
  EXPECT_EQ(c->Path(fc.revocation_list), "/etc/ca/android-status.json");
  EXPECT_EQ(fc.min_security_level, "strongbox");
  EXPECT_TRUE(fc.require_verified_boot);
  EXPECT_TRUE(fc.require_locked_bootloader);
  EXPECT_EQ(fc.min_patch_level, "2025-01");
  // Defaults: no rule, no list.
  const FormatConfig d = c->provisioners.at("devices").FormatFor("apple");
  EXPECT_TRUE(d.revocation_list.empty() && d.min_security_level.empty() && d.min_patch_level.empty());
  EXPECT_FALSE(d.require_verified_boot || d.require_locked_bootloader);
}

TEST(ConfigAndroid, BadValuesRefusedWithKeyAndLine) {
  auto c = Parse(R"([provisioners.devices]
[provisioners.devices.formats.android-key]
min_security_level = "software"
min_patch_level = "2025-13"
require_verified_boot = "yes"
)");
  ASSERT_FALSE(c);
  const std::string& e = c.error().detail;
  EXPECT_NE(e.find("t.toml:3: 'provisioners.devices.formats.android-key.min_security_level' must be \"tee\" or "
                   "\"strongbox\", got 'software'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("t.toml:4: 'provisioners.devices.formats.android-key.min_patch_level' must be \"YYYY-MM\""),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("t.toml:5: 'provisioners.devices.formats.android-key.require_verified_boot' must be a boolean"),
            std::string::npos)
      << e;
  for (const char* bad : {"202501", "2025-1", "2025-00", "25-01-01", "2025/01"}) {
    auto r = Parse(std::string("[provisioners.d.formats.android-key]\nmin_patch_level = \"") + bad + "\"\n");
    EXPECT_FALSE(r) << bad;
  }
}

TEST(ConfigAndroid, AndroidRulesOnOtherFormatsRefused) {
  auto c = Parse(R"([provisioners.devices]
[provisioners.devices.formats.apple]
require_locked_bootloader = true
)");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("'provisioners.devices.formats.apple': revocation_list, min_security_level, "
                                  "require_verified_boot, require_locked_bootloader and min_patch_level apply to "
                                  "android-key only"),
            std::string::npos)
      << c.error().detail;
}

TEST(ConfigAndroid, RevocationListUrls) {
  for (const char* ok : {"https://android.googleapis.com/attestation/status", "http://127.0.0.1:9/status",
                         "android-status.json"}) {
    auto c = Parse(std::string("[provisioners.devices.formats.android-key]\nrevocation_list = \"") + ok + "\"\n");
    EXPECT_TRUE(c) << ok << ": " << c.error().detail;
  }
  auto bad = Parse("[provisioners.devices.formats.android-key]\nrevocation_list = \"http://status.example/list\"\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("revocation_list' must be a file, an https:// URL or an http:// URL on loopback"),
            std::string::npos)
      << bad.error().detail;
}

TEST(ConfigAndroid, InitTextHasAndroidSection) {
  const std::string text = DefaultConfigText(InitOptions{});
  EXPECT_NE(text.find("[provisioners.devices.formats.android-key]"), std::string::npos);
  EXPECT_NE(text.find("# revocation_list = \"https://android.googleapis.com/attestation/status\""),
            std::string::npos);
  auto c = Parse(text);
  ASSERT_TRUE(c) << c.error().detail;
  const FormatConfig fc = c->provisioners.at("devices").FormatFor("android-key");
  EXPECT_TRUE(fc.enabled);
  EXPECT_EQ(fc.min_security_level, "tee");
  EXPECT_TRUE(fc.require_verified_boot);
  EXPECT_TRUE(fc.require_locked_bootloader);
  EXPECT_TRUE(fc.revocation_list.empty());
}

}  // namespace
}  // namespace ca::config

// [provisioners.NAME.webhook] and the step posture keys.
#include <gtest/gtest.h>

#include <string>

#include "config/config.h"

namespace ca::config {
namespace {

constexpr const char* kDevice = R"([provisioners.devices]
challenges = ["device-attest-01"]
allowed_identifier_types = ["permanent-identifier"]
)";

Result<Config> Parse(const std::string& extra) { return ParseConfig(kDevice + extra, "t.toml", "/etc/ca"); }

std::string ErrorOf(const std::string& extra) {
  auto r = Parse(extra);
  EXPECT_FALSE(r) << extra;
  return r ? "" : r.error().detail;
}

TEST(ConfigWebhook, EveryKeyParsed) {
  auto c = Parse(R"([provisioners.devices.webhook]
url = "https://inventory.example/authorize?x=1"
secret_file = "hook.secret"
timeout = "2s"
ca_file = "hook-ca.pem"
)");
  ASSERT_TRUE(c) << c.error().detail;
  const auto& w = c->provisioners.at("devices").webhook;
  ASSERT_TRUE(w);
  EXPECT_EQ(w->url, "https://inventory.example/authorize?x=1");
  EXPECT_EQ(w->secret_file, "hook.secret");
  EXPECT_EQ(w->timeout_s, 2u);
  EXPECT_EQ(w->ca_file, "hook-ca.pem");
  EXPECT_FALSE(w->allow_insecure_http);
}

TEST(ConfigWebhook, AbsentByDefaultAndTimeoutDefaults) {
  auto none = Parse("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->provisioners.at("devices").webhook);
  auto c = Parse("[provisioners.devices.webhook]\nurl = \"https://h.example/\"\nsecret_env = \"HOOK\"\n");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->provisioners.at("devices").webhook->timeout_s, 5u);
}

TEST(ConfigWebhook, HttpNeedsAllowInsecure) {
  const std::string hook = "[provisioners.devices.webhook]\nurl = \"http://127.0.0.1:9/\"\nsecret_env = \"H\"\n";
  EXPECT_NE(ErrorOf(hook).find("t.toml:5: 'provisioners.devices.webhook.url' must be https:// (set "
                               "allow_insecure_http = true"),
            std::string::npos)
      << ErrorOf(hook);
  EXPECT_TRUE(Parse(hook + "allow_insecure_http = true\n"));
}

TEST(ConfigWebhook, BadValuesReported) {
  const std::string e = ErrorOf(R"([provisioners.devices.webhook]
url = "ftp://h.example/"
secret_file = "a"
secret_env = "B"
timeout = "1m"
)");
  EXPECT_NE(e.find("'provisioners.devices.webhook.url' must be https://, got 'ftp://h.example/'"), std::string::npos) << e;
  EXPECT_NE(e.find("needs exactly one of secret_file and secret_env"), std::string::npos) << e;
  EXPECT_NE(e.find("'provisioners.devices.webhook.timeout' must be between 1s and 30s"), std::string::npos) << e;
  EXPECT_NE(ErrorOf("[provisioners.devices.webhook]\nsecret_env = \"H\"\n").find("webhook.url' is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[provisioners.devices.webhook]\nurl = \"https://u:p@h.example/\"\nsecret_env = \"H\"\n")
                .find("no user or fragment"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[provisioners.devices.webhook]\nurl = \"https://h.example/\"\n").find("exactly one of"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[provisioners.devices.webhook]\nurl = \"https://h.example/\"\nsecret_env = \"H\"\ntimeout = \"0s\"\n")
                .find("between 1s and 30s"),
            std::string::npos);
}

TEST(ConfigWebhook, UnknownKeyRefused) {
  EXPECT_NE(ErrorOf("[provisioners.devices.webhook]\nurl = \"https://h.example/\"\nsecret_env = \"H\"\nretries = 3\n")
                .find("t.toml:7: unknown key 'provisioners.devices.webhook.retries'"),
            std::string::npos);
}

TEST(ConfigWebhook, OnlyOnDeviceProvisioners) {
  auto c = ParseConfig("[provisioners.web]\n[provisioners.web.webhook]\nurl = \"https://h.example/\"\nsecret_env = \"H\"\n",
                       "t.toml", "/etc/ca");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().detail.find("applies to device-attest-01 only"), std::string::npos) << c.error().detail;
}

TEST(ConfigStepPosture, Parsed) {
  auto c = Parse("[provisioners.devices.formats.step]\nrequire_pin_policy = true\nrequire_touch_policy = true\n");
  ASSERT_TRUE(c) << c.error().detail;
  const auto step = c->provisioners.at("devices").FormatFor("step");
  EXPECT_TRUE(step.require_pin_policy);
  EXPECT_TRUE(step.require_touch_policy);
  EXPECT_FALSE(c->provisioners.at("devices").FormatFor("apple").require_pin_policy);
  auto d = Parse("");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->provisioners.at("devices").FormatFor("step").require_pin_policy);
  EXPECT_FALSE(d->provisioners.at("devices").FormatFor("step").require_touch_policy);
}

TEST(ConfigStepPosture, RulesOnTheWrongFormatRefused) {
  EXPECT_NE(ErrorOf("[provisioners.devices.formats.tpm]\nrequire_pin_policy = true\n")
                .find("'provisioners.devices.formats.tpm': require_pin_policy and require_touch_policy apply to step "
                      "only"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[provisioners.devices.formats.step]\nmin_os_version = \"14.0\"\n")
                .find("'provisioners.devices.formats.step': min_os_version, require_sip and require_full_secure_boot "
                      "apply to apple only"),
            std::string::npos);
}

TEST(ConfigStepPosture, BadType) {
  EXPECT_NE(ErrorOf("[provisioners.devices.formats.step]\nrequire_touch_policy = \"yes\"\n")
                .find("'provisioners.devices.formats.step.require_touch_policy' must be a boolean"),
            std::string::npos);
}

}  // namespace
}  // namespace ca::config

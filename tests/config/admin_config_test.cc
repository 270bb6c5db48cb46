// [admin] tokens: parsed strictly, validated (ids, SHA-256 hex), and part of the default config.
#include <gtest/gtest.h>

#include "config/config.h"

namespace ca::config {
namespace {

Result<Config> Parse(const std::string& text) { return ParseConfig(text, "t.toml", "/etc/ca"); }

const std::string kHash(64, 'a');

TEST(AdminConfig, TokensParsed) {
  auto c = Parse("[admin]\ntokens = [{id = \"ops\", sha256 = \"" + kHash + "\"}, {id = \"ci.bot\", sha256 = \"" +
                 std::string(64, '0') + "\"}]\n[provisioners.acme]\n");
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_EQ(c->admin.tokens.size(), 2u);
  EXPECT_EQ(c->admin.tokens[0].id, "ops");
  EXPECT_EQ(c->admin.tokens[0].sha256_hex, kHash);
  EXPECT_EQ(c->admin.tokens[1].id, "ci.bot");
  auto none = Parse("[provisioners.acme]\n");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->admin.tokens.empty());
}

TEST(AdminConfig, BadTokensRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {"tokens = [{id = \"ops\", sha256 = \"" + std::string(64, 'A') + "\"}]", "sha256"},  // uppercase
      {"tokens = [{id = \"ops\", sha256 = \"abc\"}]", "sha256"},
      {"tokens = [{id = \"\", sha256 = \"" + kHash + "\"}]", "id"},
      {"tokens = [{id = \"a b\", sha256 = \"" + kHash + "\"}]", "id"},
      {"tokens = [{id = \"x\", sha256 = \"" + kHash + "\"}, {id = \"x\", sha256 = \"" + kHash + "\"}]", "repeats"},
      {"tokens = [{id = \"x\", sha256 = \"" + kHash + "\", token = \"plain\"}]", "unknown key"},
      {"tokens = \"abc\"", "array of tables"},
      {"token = []", "unknown key 'admin.token'"},
  };
  for (const auto& [line, want] : cases) {
    auto c = Parse("[admin]\n" + line + "\n[provisioners.acme]\n");
    ASSERT_FALSE(c) << line;
    EXPECT_NE(c.error().detail.find(want), std::string::npos) << line << " -> " << c.error().detail;
  }
}

TEST(AdminConfig, DefaultTextHasAnEmptyTokenList) {
  const std::string text = DefaultConfigText(InitOptions{});
  EXPECT_NE(text.find("[admin]\n"), std::string::npos);
  auto c = ParseConfig(text, "attestca.toml", "/tmp");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_TRUE(c->admin.tokens.empty());
}

}  // namespace
}  // namespace ca::config

namespace ca::config {
namespace {

TEST(AdminConfig, ClientCertsParsedAndValidated) {
  auto c = ParseConfig("[admin]\nclient_certs = [{id = \"ops-laptop\", serial = \"0A:1b:FF\"}, {id = \"ci\", serial = \"7\"}]\n"
                       "[provisioners.acme]\n",
                       "t.toml", "/etc/ca");
  ASSERT_TRUE(c) << c.error().detail;
  ASSERT_EQ(c->admin.client_certs.size(), 2u);
  EXPECT_EQ(c->admin.client_certs[0].id, "ops-laptop");
  EXPECT_EQ(c->admin.client_certs[0].serial, "0A:1b:FF");  // kept as typed; compared normalized
  EXPECT_EQ(c->admin.client_certs[1].serial, "7");

  const std::pair<std::string, std::string> cases[] = {
      {"client_certs = [{id = \"ops\", serial = \"xyz\"}]", "serial"},
      {"client_certs = [{id = \"ops\", serial = \"\"}]", "serial"},
      {"client_certs = [{id = \"ops\", serial = \"" + std::string(41, 'a') + "\"}]", "serial"},
      {"client_certs = [{id = \"a b\", serial = \"0a\"}]", "id"},
      {"client_certs = [{id = \"x\", serial = \"0a\"}, {id = \"x\", serial = \"0b\"}]", "repeats the id"},
      {"client_certs = [{id = \"x\", serial = \"0a\"}, {id = \"y\", serial = \"00:0A\"}]", "repeats a serial"},
      {"client_certs = [{id = \"x\", serial = \"0a\", subject = \"CN=ops\"}]", "unknown key"},
      {"client_certs = \"0a\"", "array of tables"},
  };
  for (const auto& [line, want] : cases) {
    auto bad = ParseConfig("[admin]\n" + line + "\n[provisioners.acme]\n", "t.toml", "/etc/ca");
    ASSERT_FALSE(bad) << line;
    EXPECT_NE(bad.error().detail.find(want), std::string::npos) << line << " -> " << bad.error().detail;
  }
  auto text = ParseConfig(DefaultConfigText(InitOptions{}), "attestca.toml", "/tmp");
  ASSERT_TRUE(text) << text.error().detail;
  EXPECT_TRUE(text->admin.client_certs.empty());
}

}  // namespace
}  // namespace ca::config

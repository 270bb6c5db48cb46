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

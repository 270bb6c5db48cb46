// ValidateWebhook: [provisioners.NAME.webhook] must name a usable https endpoint and one secret.
#include <algorithm>

#include <boost/url/parse.hpp>

#include "config/internal.h"

namespace ca::config::internal {

namespace {
constexpr uint32_t kMaxWebhookTimeoutS = 30;  // a slow webhook holds an HTTP thread (docs/webhooks.md)
}  // namespace

void ValidateWebhook(const ProvisionerConfig& pc, Problems& p) {
  if (!pc.webhook) return;
  const WebhookConfig& w = *pc.webhook;
  const std::string base = "provisioners." + pc.name + ".webhook";
  const auto& ch = pc.challenges;
  if (std::find(ch.begin(), ch.end(), "device-attest-01") == ch.end()) {
    p.AddAt(base, "'" + base + "' applies to device-attest-01 only; '" + "provisioners." + pc.name +
                      ".challenges' does not offer it");
  }
  const std::string url_key = base + ".url";
  const auto u = boost::urls::parse_absolute_uri(w.url);
  if (w.url.empty()) {
    p.AddAt(base, "'" + url_key + "' is required");
  } else if (!u || u->host().empty() || u->has_userinfo() || u->has_fragment()) {
    p.AddAt(url_key, "'" + url_key + "' must be an absolute http(s) URL with a host and no user or "
                     "fragment, got '" + w.url + "'");
  } else if (u->scheme_id() == boost::urls::scheme::http) {
    if (!w.allow_insecure_http) {
      p.AddAt(url_key, "'" + url_key + "' must be https:// (set allow_insecure_http = true to allow http)");
    }
  } else if (u->scheme_id() != boost::urls::scheme::https) {
    p.AddAt(url_key, "'" + url_key + "' must be https://, got '" + w.url + "'");
  }
  if (w.secret_file.empty() == w.secret_env.empty()) {
    p.AddAt(base, "'" + base + "' needs exactly one of secret_file and secret_env (the HMAC key)");
  }
  if (w.timeout_s == 0 || w.timeout_s > kMaxWebhookTimeoutS) {
    p.AddAt(base + ".timeout", "'" + base + ".timeout' must be between 1s and 30s");
  }
}

}  // namespace ca::config::internal

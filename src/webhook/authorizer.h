#pragma once
// Authorizer: a device provisioner's authorizing webhook ([provisioners.NAME.webhook]). Asked once
// a device-attest-01 attestation passed every local check; it allows or denies the device, and
// when it cannot be reached or answers badly (after one retry) the caller refuses: fail closed.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/result.h"
#include "config/config.h"
#include "http/client.h"
#include "webhook/message.h"

namespace ca::webhook {

class Authorizer final {
 public:
  struct Settings {
    std::string provisioner;
    std::string url;
    SecretBytes key;  // HMAC-SHA256 key
    std::chrono::milliseconds timeout{5000};  // per attempt
    std::string ca_file;
    http::AddressLookup lookup;
    // A call holds the caller's (HTTP) thread for up to 2 * timeout + retry_pause; beyond
    // max_in_flight concurrent calls, Ask answers kRateLimited at once (docs/webhooks.md).
    // in_flight counts the calls running; LoadAuthorizers shares one counter between all
    // provisioners (null: this authorizer counts alone).
    size_t max_in_flight = 4;
    std::shared_ptr<std::atomic<size_t>> in_flight;
    std::chrono::milliseconds retry_pause{250};
  };

  explicit Authorizer(Settings s) : s_(std::move(s)) {
    if (!s_.in_flight) s_.in_flight = std::make_shared<std::atomic<size_t>>(0);
  }

  // Ask POSTs RequestBody(req), signed, and retries once after a failed attempt (transport error,
  // a status other than 200, an unusable answer). Returns the webhook's decision, or
  //   kUnavailable  both attempts failed; the detail is a short cause safe to show the client
  //                 (the full cause is logged)
  //   kRateLimited  max_in_flight calls are already waiting; nothing was sent
  // attempts (optional) receives the number of requests sent.
  Result<Decision> Ask(const AuthorizeRequest& req, int* attempts = nullptr);

  const std::string& url() const { return s_.url; }

 private:
  Result<Decision> Attempt(const std::string& body, const std::string& timestamp, const std::string& request_id);

  Settings s_;
};

// Authorizers: provisioner name -> its webhook (only provisioners that configure one).
using Authorizers = std::map<std::string, std::unique_ptr<Authorizer>>;

// SecretReader returns the key from a file (trailing newline dropped) or an environment variable.
using SecretReader = std::function<Result<std::string>(const std::string& file, const std::string& env)>;

// kMinSecretBytes: an HMAC-SHA256 key shorter than this is refused at start.
inline constexpr size_t kMinSecretBytes = 32;

// LoadAuthorizers builds the authorizers of cfg's provisioners (secrets read now, at start);
// max_in_flight bounds their concurrent calls together.
Result<Authorizers> LoadAuthorizers(const config::Config& cfg, const SecretReader& read_secret,
                                    http::AddressLookup lookup, size_t max_in_flight);

}  // namespace ca::webhook

// Validator: dispatch on the challenge type. Stateless apart from its options and resolver, so
// Validate may run on many threads at once.
#include <fmt/format.h>

#include "validation/challenges.h"
#include "validation/validator.h"

namespace ca::validation {
namespace {

class ChallengeValidator final : public Validator {
 public:
  ChallengeValidator(Options opts, std::shared_ptr<Resolver> resolver, Error resolver_error)
      : opts_(std::move(opts)), resolver_(std::move(resolver)), resolver_error_(std::move(resolver_error)) {}

  Result<void> Validate(const ChallengeInput& in) override {
    const auto deadline = Clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
    const auto& id = in.identifier;
    if (id.type != core::kDns && id.type != core::kIp) {
      return Fail(Errc::kMalformed, fmt::format("unsupported identifier type \"{}\"", Truncate(id.type)));
    }
    if (id.value.empty()) return Fail(Errc::kMalformed, "empty identifier");
    if (!resolver_) return Fail(resolver_error_);
    if (in.type == "dns-01") return ValidateDns01(*resolver_, in);
    if (in.type != "http-01" && in.type != "tls-alpn-01") {
      return Fail(Errc::kMalformed, fmt::format("unsupported challenge type \"{}\"", Truncate(in.type)));
    }
    if (in.wildcard) {
      return Fail(Errc::kMalformed, "wildcard identifiers can only be validated with dns-01");
    }
    if (in.type == "http-01") return ValidateHttp01(opts_, *resolver_, in, deadline);
    return ValidateTlsAlpn01(opts_, *resolver_, in, deadline);
  }

 private:
  const Options opts_;
  const std::shared_ptr<Resolver> resolver_;
  const Error resolver_error_;
};

}  // namespace

std::unique_ptr<Validator> MakeValidator(const Options& opts, std::shared_ptr<Resolver> resolver) {
  Error err;
  if (!resolver) {
    auto made = MakeResolver(opts);
    if (made) {
      resolver = std::move(*made);
    } else {
      err = made.error();
      err.code = Errc::kInternal;
    }
  }
  return std::make_unique<ChallengeValidator>(opts, std::move(resolver), std::move(err));
}

}  // namespace ca::validation

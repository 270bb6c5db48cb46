#include "crl/root_publisher.h"

#include "common/log.h"

namespace ca::crl {
namespace {

constexpr UnixTime kRetryAfter = 3600;
constexpr UnixTime kWarnEvery = 24 * 3600;

}  // namespace

Result<std::shared_ptr<const SignedCrl>> RootPublisher::Current() {
  std::lock_guard lock(mu_);
  const UnixTime now = clock_.Now();
  if (load_ && (!loaded_ || now >= next_load_ || now < next_load_ - kRootCrlReloadEvery)) {
    loaded_ = true;
    next_load_ = now + kRootCrlReloadEvery;
    auto stored = load_();
    if (!stored) {
      log::Error("crl: reading the root CRL: {}", stored.error().detail);
    } else if (*stored && (!current_ || (*stored)->number > current_->number)) {
      current_ = std::move(*stored);
    }
  }
  // A CRL "from the future" (the clock went back) is renewed too, so nextUpdate keeps its margin.
  const bool due = !current_ || now - current_->this_update >= kRootCrlRenewAge || now < current_->this_update;
  if (renew_ && due && now >= next_attempt_) {
    auto made = renew_();
    if (made) {
      log::Info("crl: root CRL number {} signed, next update {}", made->number, made->next_update);
      current_ = std::make_shared<const SignedCrl>(std::move(*made));
    } else {
      next_attempt_ = now + kRetryAfter;
      log::Error("crl: renewing the root CRL failed (retried in an hour): {}", made.error().detail);
    }
  }
  if (!current_) {
    if (!warned_missing_) {
      warned_missing_ = true;
      log::Warn("crl: no root CRL to serve at {}: run `attestca crl --root` where the root key is", kRootCrlPath);
    }
    return Fail(Errc::kUnavailable, "no root CRL");
  }
  if (!renew_ && current_->next_update - now < kRootCrlWarnAhead && now - last_warned_ >= kWarnEvery) {
    last_warned_ = now;
    log::Warn("crl: the root CRL (number {}) expires in {} day(s) and the root key is not here: run `attestca crl "
              "--root` where it is and install the file",
              current_->number, (current_->next_update - now) / 86400);
  }
  if (now >= current_->next_update) return Fail(Errc::kUnavailable, "the root CRL is past its nextUpdate");
  return current_;
}

}  // namespace ca::crl

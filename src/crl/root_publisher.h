#pragma once
// RootPublisher: the root CRL served at /crl/root.crl. It is signed by the root, outside the server
// (`attestca init`, `attestca crl --root`: a fetch re-reads the file when 5 s have passed, and a
// higher number replaces what is served), or by the server itself when the root key is in the data folder
// (a self-initialised CA): then it is renewed once it is 30 days old. Without the key (root kept
// offline) the server only warns, daily, once nextUpdate is less than 30 days away.
#include <functional>
#include <memory>
#include <mutex>

#include "common/clock.h"
#include "common/result.h"
#include "crl/publisher.h"

namespace ca::crl {

inline constexpr std::string_view kRootCrlPath = "/crl/root.crl";
inline constexpr UnixTime kRootCrlRenewAge = 30 * 24 * 3600;   // renewed monthly (spec §6)
inline constexpr UnixTime kRootCrlWarnAhead = 30 * 24 * 3600;  // warn this long before nextUpdate
inline constexpr UnixTime kRootCrlReloadEvery = 5;              // re-read the stored one at most this often

class RootPublisher final {
 public:
  // Load reads the stored root CRL (null: none yet, e.g. a data folder from before root CRLs).
  using Load = std::function<Result<std::shared_ptr<const SignedCrl>>()>;
  // Renew signs, stores and returns the next root CRL (number + 1); empty when the root key is
  // not here.
  using Renew = std::function<Result<SignedCrl>()>;

  RootPublisher(const Clock& clock, Load load, Renew renew)
      : clock_(clock), load_(std::move(load)), renew_(std::move(renew)) {}

  // Current returns the root CRL to serve, renewing it first when it is missing or 30 days old and
  // the key is here (a failure is logged and retried an hour later; the old one is served meanwhile).
  // kUnavailable when there is none, or it is past its nextUpdate.
  Result<std::shared_ptr<const SignedCrl>> Current();

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::shared_ptr<const SignedCrl> current_;
  Load load_;
  Renew renew_;
  bool loaded_ = false;
  UnixTime next_load_ = 0;
  UnixTime next_attempt_ = 0;  // after a failed renewal
  UnixTime last_warned_ = 0;
  bool warned_missing_ = false;
};

}  // namespace ca::crl

#pragma once
// Deterministic test doubles: a settable clock and a validator whose answer the test chooses.
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "validation/validator.h"

namespace ca::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixTime t) : now_(t) {}
  UnixTime Now() const override { return now_.load(); }
  void Advance(UnixTime s) { now_ += s; }

 private:
  std::atomic<UnixTime> now_;
};

class FakeValidator final : public validation::Validator {
 public:
  Result<void> Validate(const validation::ChallengeInput& in) override {
    std::lock_guard lock(mu_);
    seen_.push_back(in);
    if (fail_) return Fail(fail_code_, fail_detail_);
    return Ok();
  }
  void FailWith(Errc code, std::string detail) {
    std::lock_guard lock(mu_);
    fail_ = true;
    fail_code_ = code;
    fail_detail_ = std::move(detail);
  }
  std::vector<validation::ChallengeInput> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  bool fail_ = false;
  Errc fail_code_ = Errc::kIncorrectResponse;
  std::string fail_detail_;
  std::vector<validation::ChallengeInput> seen_;
};

}  // namespace ca::testing

#include "acme/order_recovery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "acme/problem.h"
#include "common/log.h"

namespace ca::acme {

std::string InterruptedFinalizationProblem() {
  // Not ProblemJson(kInternal): that hides the detail, and this one is meant for the client.
  nlohmann::json j = {{"type", TypeUrn(Errc::kInternal)},
                      {"detail",
                       "finalization was interrupted (the server stopped while issuing the certificate); "
                       "no certificate was issued for this order: create a new order"},
                      {"status", 500}};
  return j.dump();
}

Result<size_t> RecoverStaleOrders(storage::OrderStore& store, const Clock& clock, uint32_t timeout_s) {
  const UnixTime before = clock.Now() - static_cast<UnixTime>(timeout_s);
  CA_TRY(size_t failed, store.FailStaleProcessingOrders(before, InterruptedFinalizationProblem()));
  if (failed > 0) {
    log::Warn("recovery: {} order(s) processing for more than {}s (finalization interrupted) are now invalid",
              failed, timeout_s);
  }
  return failed;
}

OrderRecovery::OrderRecovery(storage::OrderStore& store, const Clock& clock, uint32_t timeout_s,
                             std::chrono::milliseconds interval)
    : store_(store), clock_(clock), timeout_s_(timeout_s), interval_(interval),
      thread_([this](std::stop_token stop) { Run(stop); }) {}

std::chrono::milliseconds OrderRecovery::IntervalFor(uint32_t timeout_s) {
  return std::clamp(std::chrono::milliseconds(timeout_s * 500LL), std::chrono::milliseconds(1000),
                    std::chrono::milliseconds(30000));
}

void OrderRecovery::Run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (true) {
    // Wakes at the interval, or at once when the jthread is destroyed (stop requested).
    wake_.wait_for(lock, stop, interval_, [] { return false; });
    if (stop.stop_requested()) return;
    lock.unlock();
    // A failed pass (database unavailable) is retried at the next interval.
    if (auto r = RecoverStaleOrders(store_, clock_, timeout_s_); !r) {
      log::Warn("recovery: failing interrupted orders did not work (retried in {} ms): {}", interval_.count(),
                r.error().detail);
    }
    lock.lock();
  }
}

}  // namespace ca::acme

#pragma once
// Crash recovery for finalization: IssueFor moves an order to processing, signs, then CompleteOrder
// stores the certificate and turns the order valid. A node killed in between leaves the order in
// processing; this pass fails such orders cleanly (invalid, with a serverInternal problem) once they
// have been processing longer than any finalize takes, so the client can create a new order.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "storage/store.h"

namespace ca::acme {

// The problem document an interrupted order gets (RFC 7807, RFC 8555 §6.7 serverInternal).
std::string InterruptedFinalizationProblem();

// RecoverStaleOrders fails every order processing for more than timeout_s; returns how many.
Result<size_t> RecoverStaleOrders(storage::OrderStore& store, const Clock& clock, uint32_t timeout_s);

// OrderRecovery runs RecoverStaleOrders on a background thread every `interval`; destroying it stops
// and joins the thread.
class OrderRecovery {
 public:
  OrderRecovery(storage::OrderStore& store, const Clock& clock, uint32_t timeout_s, std::chrono::milliseconds interval);
  OrderRecovery(const OrderRecovery&) = delete;
  OrderRecovery& operator=(const OrderRecovery&) = delete;

  // The interval serve uses: half the timeout (so an order is failed within 1.5 timeouts), 1s..30s.
  static std::chrono::milliseconds IntervalFor(uint32_t timeout_s);

 private:
  void Run(std::stop_token stop);

  storage::OrderStore& store_;
  const Clock& clock_;
  const uint32_t timeout_s_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts after the members it reads
};

}  // namespace ca::acme

#pragma once
// Asio helpers for outbound connections, shared by the HTTP client (client.cc) and the challenge
// validators (validation/http01.cc, tls_alpn01.cc). Included by .cc files only, so Asio stays out of
// the components' interfaces.
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include "common/result.h"

namespace ca::http {

using OutboundClock = std::chrono::steady_clock;

// kAwaitTuple makes co_await yield (error_code, ...) instead of throwing.
inline constexpr auto kAwaitTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

// ConnectAny connects s to the first address (in order) that accepts on port, each attempt bounded
// by deadline; returns the last error when none does.
boost::asio::awaitable<boost::system::error_code> ConnectAny(boost::beast::tcp_stream& s,
                                                             const std::vector<std::string>& addresses,
                                                             uint16_t port, OutboundClock::time_point deadline);

// NetErrorText describes a socket error for a problem detail; connected tells a timeout during
// connect from one after it.
std::string NetErrorText(const boost::system::error_code& ec, bool connected);

// IsTimeout: the error is a tcp_stream expiry.
bool IsTimeout(const boost::system::error_code& ec);

// RunToCompletion runs task on ioc until it finishes (every operation in it carries the deadline,
// so it does); a task still running a second after the deadline is reported as a timeout.
template <class T>
Result<T> RunToCompletion(boost::asio::io_context& ioc, boost::asio::awaitable<Result<T>> task,
                          OutboundClock::time_point deadline, std::string_view what) {
  std::optional<Result<T>> out;
  boost::asio::co_spawn(ioc, std::move(task), [&out](std::exception_ptr e, Result<T> r) {
    if (e) {
      out.emplace(Fail(Errc::kInternal, "outbound task threw"));
    } else {
      out.emplace(std::move(r));
    }
  });
  ioc.run_until(deadline + std::chrono::seconds(1));
  if (!out) return Fail(Errc::kConnection, std::string(what) + ": Timeout");
  return std::move(*out);
}

}  // namespace ca::http

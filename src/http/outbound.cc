// Asio helpers for outbound connections (client.cc, the http-01 and tls-alpn-01 validators).
#include "http/outbound.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

namespace ca::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Ec = boost::system::error_code;

bool IsTimeout(const Ec& ec) { return ec == beast::error::timeout || ec == asio::error::timed_out; }

std::string NetErrorText(const Ec& ec, bool connected) {
  if (IsTimeout(ec)) {
    return connected ? "Timeout after connect (your server may be slow or overloaded)"
                     : "Timeout during connect (likely firewall problem)";
  }
  if (ec == asio::error::connection_refused) return "Connection refused";
  if (ec == asio::error::connection_reset) return "Connection reset by peer";
  if (ec == asio::error::eof) return "Connection closed by peer";
  return ec.message();
}

asio::awaitable<Ec> ConnectAny(beast::tcp_stream& s, const std::vector<std::string>& addresses,
                               uint16_t port, OutboundClock::time_point deadline) {
  Ec last = asio::error::host_not_found;
  for (const std::string& a : addresses) {
    Ec ec;
    const auto ip = asio::ip::make_address(a, ec);
    if (ec) {
      last = ec;
      continue;
    }
    s.expires_at(deadline);
    auto [cec] = co_await s.async_connect(asio::ip::tcp::endpoint(ip, port), kAwaitTuple);
    if (!cec) co_return Ec{};
    last = cec;
    Ec ignored;
    s.socket().close(ignored);
    if (IsTimeout(cec)) break;  // the deadline is shared: nothing left for the next address
  }
  co_return last;
}

}  // namespace ca::http

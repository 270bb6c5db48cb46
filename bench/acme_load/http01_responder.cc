#include "http01_responder.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace ca::acme_load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Ec = boost::system::error_code;

constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";
constexpr auto kAwaitTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

// Http01Session serves one validator connection until it closes (or idles 30 s).
struct Http01Session {
  static asio::awaitable<void> Run(Http01Responder* r, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::empty_body> parser;
      parser.header_limit(8 * 1024);
      stream.expires_after(std::chrono::seconds(30));
      auto [rec, read] = co_await bhttp::async_read(stream, buffer, parser, kAwaitTuple);
      (void)read;
      if (rec) break;
      const auto& req = parser.get();
      bool found = false;
      std::string body = req.method() == bhttp::verb::get ? r->Lookup(std::string(req.target()), &found) : "";
      bhttp::response<bhttp::string_body> res(found ? bhttp::status::ok : bhttp::status::not_found, req.version());
      res.set(bhttp::field::content_type, "text/plain");
      res.keep_alive(req.keep_alive());
      res.body() = std::move(body);
      res.prepare_payload();
      (found ? r->served_ : r->unknown_)++;
      auto [wec, n] = co_await bhttp::async_write(stream, res, kAwaitTuple);
      (void)n;
      if (wec || !res.keep_alive()) break;
    }
    Ec ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
};

namespace {

asio::awaitable<void> AcceptLoop(Http01Responder* r, tcp::acceptor* acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(kAwaitTuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor->get_executor(), Http01Session::Run(r, std::move(socket)), asio::detached);
  }
}

}  // namespace

Result<std::unique_ptr<Http01Responder>> Http01Responder::Start(const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return Fail(Errc::kMalformed, fmt::format("http01: bad address {}", host_port));
  std::string host = host_port.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  Ec ec;
  const auto addr = asio::ip::make_address(host, ec);
  unsigned port = 0;
  try {
    port = static_cast<unsigned>(std::stoul(host_port.substr(colon + 1)));
  } catch (const std::exception&) {
    ec = asio::error::invalid_argument;
  }
  if (ec || port == 0 || port > 65535) return Fail(Errc::kMalformed, fmt::format("http01: bad address {}", host_port));

  std::unique_ptr<Http01Responder> r(new Http01Responder());
  const tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  auto acc = std::make_unique<tcp::acceptor>(r->io_);
  if (acc->open(ep.protocol(), ec); !ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Fail(Errc::kConnection, fmt::format("http01: cannot listen on {}: {}", host_port, ec.message()));
  r->acceptor_ = std::move(acc);
  asio::co_spawn(r->io_, AcceptLoop(r.get(), r->acceptor_.get()), asio::detached);
  r->thread_ = std::thread([io = &r->io_] { io->run(); });
  return r;
}

Http01Responder::~Http01Responder() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void Http01Responder::Put(const std::string& token, const std::string& key_authorization) {
  std::lock_guard lock(mu_);
  tokens_[token] = key_authorization;
}

void Http01Responder::Remove(const std::string& token) {
  std::lock_guard lock(mu_);
  tokens_.erase(token);
}

std::string Http01Responder::Lookup(const std::string& target, bool* found) {
  *found = false;
  if (target.compare(0, kPrefix.size(), kPrefix) != 0) return {};
  std::lock_guard lock(mu_);
  const auto it = tokens_.find(target.substr(kPrefix.size()));
  if (it == tokens_.end()) return {};
  *found = true;
  return it->second;
}

}  // namespace ca::acme_load

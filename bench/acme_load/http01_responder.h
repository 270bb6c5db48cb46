#pragma once
// Http01Responder answers http-01 validations (RFC 8555 §8.3) for the load generator: GET
// /.well-known/acme-challenge/<token> returns the key authorization registered for the token, 404
// otherwise. HTTP/1.1 keep-alive, one thread of its own, bounded requests.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/result.h"

namespace ca::acme_load {

class Http01Responder final {
 public:
  // Start listens on "host:port" (e.g. "127.0.0.1:5002") and serves until destroyed.
  static Result<std::unique_ptr<Http01Responder>> Start(const std::string& host_port);
  ~Http01Responder();
  Http01Responder(const Http01Responder&) = delete;
  Http01Responder& operator=(const Http01Responder&) = delete;

  void Put(const std::string& token, const std::string& key_authorization);
  void Remove(const std::string& token);
  long served() const { return served_.load(); }    // 200 answers
  long unknown() const { return unknown_.load(); }  // 404 answers (a token we never registered)

 private:
  Http01Responder() = default;
  std::string Lookup(const std::string& target, bool* found);

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> tokens_;
  std::atomic<long> served_{0};
  std::atomic<long> unknown_{0};
  friend struct Http01Session;
};

}  // namespace ca::acme_load

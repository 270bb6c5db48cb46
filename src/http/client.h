#pragma once
// Fetch: one synchronous outbound HTTP/1.1 exchange over http:// or https:// (the authorizing
// webhook; later Android's revocation list). Bounded: one deadline covers the connect, the TLS
// handshake, the write and the read; the response header and body are capped. TLS verifies the
// peer against the system store or a configured CA file, and the URL's host name or IP.
// Redirects are returned, not followed, unless max_redirects allows it (GET and HEAD only; https
// never to http). Thread-safe (each call has its own io_context).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ca::http {

// AddressLookup resolves a DNS name to IP literals (the validators' c-ares resolver in the server).
// IP literals in a URL are used as they are; a name with no lookup configured fails.
using AddressLookup = std::function<Result<std::vector<std::string>>(const std::string& host)>;

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://; userinfo and fragment are refused
  std::vector<std::pair<std::string, std::string>> headers;  // Host, Content-Length set by Fetch
  std::string body;
  std::chrono::milliseconds timeout{5000};  // total: connect + TLS + write + read
  size_t max_response_bytes = 1 << 20;      // body cap
  size_t max_header_bytes = 16 * 1024;
  std::string ca_file;  // PEM bundle to verify https peers; empty: the system store
  uint32_t max_redirects = 0;  // 0: a 3xx is the answer
  AddressLookup lookup;
};

struct ClientResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;

  // Header returns the first value of name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// Fetch performs req. Errors (details name the URL and are safe to log):
//   kMalformed          bad URL or method
//   kDns                the lookup failed
//   kConnection         connect/read/write failure, the deadline passed ("...: Timeout ..."), a
//                       bad or refused redirect, more than max_redirects
//   kTls                handshake or certificate verification failure
//   kIncorrectResponse  not HTTP, header larger than max_header_bytes, body larger than
//                       max_response_bytes
Result<ClientResponse> Fetch(const ClientRequest& req);

}  // namespace ca::http

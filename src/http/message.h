#pragma once
// Plain HTTP request/response values: what handlers see. http/ knows nothing of ACME.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"

namespace ca::http {

struct Request {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string target;  // raw request target, e.g. "/acme/acme/directory?x=1"
  std::string path;    // target without the query, percent-decoding NOT applied
  std::string query;   // after '?', raw
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;
  bool tls = false;
  // The TLS client certificate (DER) offered in the handshake, empty when none. The TLS layer
  // requests one but verifies nothing: whoever relies on it (the admin API) verifies it.
  std::vector<uint8_t> client_cert_der;
  // Header returns the first value of a (lower-case) header, or "" if absent.
  const std::string& Header(const std::string& lower_name) const;
  bool HasHeader(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  void Set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

// HttpDate formats t as an IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(UnixTime t);

}  // namespace ca::http

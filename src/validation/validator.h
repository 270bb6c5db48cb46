#pragma once
// Validators for RFC 8555 §8 challenges: http-01, dns-01, tls-alpn-01 (RFC 8737). Each call blocks
// (bounded by timeout_ms) and is run on the ACME service's validation workers. This is an internal CA:
// private, loopback and internal-TLD targets are allowed.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "core/identifier.h"

namespace ca::validation {

struct Options {
  uint16_t http01_port = 80;
  uint16_t tlsalpn01_port = 443;
  std::string dns_resolver;  // "host:port" used for every lookup; empty: system resolver
  uint32_t timeout_ms = 10000;
  uint32_t max_redirects = 10;
};

// Resolver looks names up with c-ares (A/AAAA for http-01 and tls-alpn-01, TXT for dns-01).
class Resolver {
 public:
  virtual ~Resolver() = default;
  // LookupAddresses: IPv4 and IPv6 literal strings; kDns when there are none or the lookup fails.
  virtual Result<std::vector<std::string>> LookupAddresses(const std::string& host) = 0;
  // LookupTxt: every TXT record (each record's strings concatenated); kDns on failure.
  virtual Result<std::vector<std::string>> LookupTxt(const std::string& name) = 0;
};

Result<std::unique_ptr<Resolver>> MakeResolver(const Options& opts);

struct ChallengeInput {
  core::Identifier identifier;  // dns (without "*.") or ip
  bool wildcard = false;
  std::string type;  // "http-01" | "dns-01" | "tls-alpn-01"
  std::string token;
  std::string key_authorization;  // token "." base64url(JWK thumbprint)
};

// Validate dispatches on input.type. Errors carry an RFC 8555 code (kConnection, kDns,
// kIncorrectResponse, kTls, kUnauthorized, kMalformed) and a detail that is safe to show the client.
class Validator {
 public:
  virtual ~Validator() = default;
  virtual Result<void> Validate(const ChallengeInput& input) = 0;
};

// MakeValidator builds the http-01/dns-01/tls-alpn-01 validator (thread-safe: called concurrently).
std::unique_ptr<Validator> MakeValidator(const Options& opts, std::shared_ptr<Resolver> resolver);

}  // namespace ca::validation

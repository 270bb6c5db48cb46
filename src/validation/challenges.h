#pragma once
// Internal to validation/: one function a challenge type (called by validator.cc) and the helpers
// they share. Not part of the component's interface.
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "common/result.h"
#include "core/identifier.h"
#include "validation/validator.h"

namespace ca::validation {

using Clock = std::chrono::steady_clock;

// kMaxHttpBody bounds the http-01 response body; a longer body is an incorrect response.
inline constexpr size_t kMaxHttpBody = 4096;
// kAlpnProtocol is the ALPN protocol id of RFC 8737 §6.2.
inline constexpr std::string_view kAlpnProtocol = "acme-tls/1";
// kAcmeIdentifierOid is id-pe-acmeIdentifier (RFC 8737 §6.1).
inline constexpr const char* kAcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

// ValidateHttp01 implements RFC 8555 §8.3 (and RFC 8738 §7 for IP identifiers).
Result<void> ValidateHttp01(const Options& opts, Resolver& resolver, const ChallengeInput& in,
                            Clock::time_point deadline);
// ValidateDns01 implements RFC 8555 §8.4.
Result<void> ValidateDns01(Resolver& resolver, const ChallengeInput& in);
// ValidateTlsAlpn01 implements RFC 8737 §3 (and RFC 8738 §6 for IP identifiers).
Result<void> ValidateTlsAlpn01(const Options& opts, Resolver& resolver, const ChallengeInput& in,
                               Clock::time_point deadline);

// CheckAcmeTlsCertificate checks the tls-alpn-01 certificate (RFC 8737 §3): exactly one SAN equal
// to the identifier and a critical acmeIdentifier extension holding SHA-256(key_authorization).
Result<void> CheckAcmeTlsCertificate(X509* cert, const core::Identifier& id,
                                     std::string_view key_authorization);

// TargetAddresses: the IP itself for an ip identifier, else the resolved addresses (IPv4 first).
Result<std::vector<std::string>> TargetAddresses(Resolver& resolver, const core::Identifier& id);

// CanonicalIp returns the textual form of an IPv4/IPv6 literal, or "" when s is not one.
std::string CanonicalIp(std::string_view s);

// ReverseDnsName is the in-addr.arpa / ip6.arpa name of an IP literal (RFC 8738 §6); "" if invalid.
std::string ReverseDnsName(std::string_view ip);

// Sha256 digests data.
std::array<uint8_t, 32> Sha256(std::string_view data);

// Truncate cuts s to at most n bytes (for details that echo peer data).
std::string Truncate(std::string_view s, size_t n = 100);

}  // namespace ca::validation

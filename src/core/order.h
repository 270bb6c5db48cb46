#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "core/identifier.h"

namespace ca::core {

enum class OrderStatus { kPending, kReady, kProcessing, kValid, kInvalid };
enum class AuthzStatus { kPending, kValid, kInvalid, kDeactivated, kExpired, kRevoked };
enum class ChallengeStatus { kPending, kProcessing, kValid, kInvalid };

const char* ToString(OrderStatus s);
const char* ToString(AuthzStatus s);
const char* ToString(ChallengeStatus s);
std::optional<OrderStatus> OrderStatusFrom(const std::string& s);
std::optional<AuthzStatus> AuthzStatusFrom(const std::string& s);
std::optional<ChallengeStatus> ChallengeStatusFrom(const std::string& s);

// Problem is an RFC 7807 document kept as JSON text (set when validation or finalization fails).
using ProblemJson = std::string;

// Challenge (RFC 8555 §8). It lives inside its authorization.
struct Challenge {
  std::string id;
  std::string type;  // "http-01", "dns-01", "tls-alpn-01"
  std::string token;
  ChallengeStatus status = ChallengeStatus::kPending;
  std::optional<UnixTime> validated_at;
  std::optional<ProblemJson> error;
  // device-attest-01: what the verified attestation vouched for (JSON: format, spki_der (base64url),
  // identifiers, facts), kept so that finalize can bind the CSR key to the attested key.
  std::optional<std::string> attestation;
};

// Authz (RFC 8555 §7.1.4).
struct Authz {
  std::string id;
  std::string order_id;
  std::string account_id;
  Identifier identifier;  // value without the "*." of a wildcard
  bool wildcard = false;
  AuthzStatus status = AuthzStatus::kPending;
  UnixTime expires = 0;
  std::vector<Challenge> challenges;
};

// Order (RFC 8555 §7.1.3). status pending/ready is derived from the authorizations on read.
struct Order {
  std::string id;
  std::string account_id;
  std::string provisioner;
  OrderStatus status = OrderStatus::kPending;
  std::vector<Identifier> identifiers;
  std::vector<std::string> authz_ids;
  UnixTime expires = 0;
  std::optional<UnixTime> not_before;
  std::optional<UnixTime> not_after;
  std::optional<ProblemJson> error;
  std::optional<std::string> cert_id;
  UnixTime created_at = 0;
};

}  // namespace ca::core

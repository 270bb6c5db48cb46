#pragma once
// The authorizing webhook's wire format (pure, no I/O; docs/webhooks.md): the JSON request body
// attestca POSTs, its HMAC signature header, and the answer it accepts.
#include <string>
#include <string_view>

#include "attestation/attested_device.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "core/identifier.h"

namespace ca::webhook {

inline constexpr const char* kSignatureHeader = "X-Attestca-Signature";
inline constexpr const char* kTimestampHeader = "X-Attestca-Timestamp";
inline constexpr const char* kRequestIdHeader = "X-Attestca-Request-Id";
inline constexpr size_t kMaxAnswerBytes = 64 * 1024;
inline constexpr size_t kMaxReasonChars = 200;

// AuthorizeRequest is what the webhook is told about a device that passed every local check.
struct AuthorizeRequest {
  std::string provisioner;
  std::string account_id;
  std::string account_thumbprint;
  core::Identifier identifier;  // the order's identifier
  const attestation::AttestedDevice* device = nullptr;
  UnixTime timestamp = 0;
  std::string request_id;
};

// RequestBody renders the JSON body: {"provisioner", "account": {"id","thumbprint"},
// "identifier": {"type","value"}, "format", "identifiers": [{"kind","value"}], "facts": {...},
// "attested_key_spki_sha256", "chain_pem": [...], "timestamp", "request_id"}.
std::string RequestBody(const AuthorizeRequest& req);

// SignatureValue is "sha256=" + lowercase hex HMAC-SHA256(key, body) (the signature header).
std::string SignatureValue(ByteView key, std::string_view body);

struct Decision {
  bool allow = false;
  std::string reason;  // sanitised (SanitizeReason); "" when the webhook gave none
};

// ParseAnswer accepts HTTP 200 with a JSON object {"allow": bool, "reason"?: string}. Anything
// else is kUnavailable with a short cause safe to show the client ("HTTP status 500",
// "the answer is not JSON", ...).
Result<Decision> ParseAnswer(unsigned status, std::string_view body);

// SanitizeReason keeps printable ASCII (others become '?') and at most kMaxReasonChars characters,
// so a webhook cannot inject control characters or bulk into problem documents and log lines.
std::string SanitizeReason(std::string_view reason);

}  // namespace ca::webhook

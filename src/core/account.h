#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace ca::core {

enum class AccountStatus { kValid, kDeactivated, kRevoked };
const char* ToString(AccountStatus s);

// Account (RFC 8555 §7.1.2). jwk_json is the canonical public JWK; thumbprint is RFC 7638 SHA-256.
struct Account {
  std::string id;
  std::string provisioner;
  AccountStatus status = AccountStatus::kValid;
  std::string jwk_json;
  std::string thumbprint;
  std::vector<std::string> contact;
  bool tos_agreed = false;
  std::optional<std::string> eab_kid;
  UnixTime created_at = 0;
};

// EabKey is an external account binding key (RFC 8555 §7.3.4) made by `attestca eab new`.
struct EabKey {
  std::string kid;
  std::string provisioner;
  std::string hmac_key_b64url;  // secret; never logged
  std::optional<std::string> bound_account_id;
  UnixTime created_at = 0;
};

}  // namespace ca::core

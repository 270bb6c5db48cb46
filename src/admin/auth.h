#pragma once
// Admin API authentication: `Authorization: Bearer <token>` whose SHA-256 matches a configured
// [admin] token. Only hashes are configured; every configured hash is compared in constant time
// (no early exit), so timing tells nothing about which token, or which prefix, matched.
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "http/message.h"
#include "revocation/revoker.h"

namespace ca::admin {

// Authenticate returns the operator the request speaks for (kind "admin-token", id the token's id),
// or kUnauthorized saying what was wrong (no header, not Bearer, unknown token) for the log.
Result<revocation::Actor> Authenticate(const http::Request& r, const std::vector<config::AdminToken>& tokens);

// MatchToken compares sha256(token) with each configured hash; returns the index or -1.
int MatchToken(std::string_view token, const std::vector<config::AdminToken>& tokens);

}  // namespace ca::admin

#pragma once
// The admin HTTP API under /admin/v1/ on the HTTPS listener: list certificates and devices, revoke
// certificates and devices, suspend and resume devices. Every request is authenticated (a bearer
// token, admin/auth.h, or a TLS client certificate issued by our CA, admin/client_cert.h)
// and answered in JSON; errors are RFC 7807 problem documents. Revocations go through
// revocation::Revoker like every other path.
//
//   GET  /admin/v1/certificates[?device=ID&status=valid|revoked|expired&serial=HEX&limit=N]
//   POST /admin/v1/certificates/{serial}/revoke      {"reason": "keyCompromise" | 1}
//   GET  /admin/v1/devices[?state=active|suspended|revoked]
//   GET  /admin/v1/devices/{id}
//   POST /admin/v1/devices/{id}/revoke               {"reason": ...} (optional; default unspecified)
//   POST /admin/v1/devices/{id}/suspend | /resume
#include <string>
#include <utility>

#include "admin/client_cert.h"
#include "common/clock.h"
#include "config/config.h"
#include "http/message.h"
#include "revocation/revoker.h"
#include "storage/store.h"

namespace ca::admin {

// IsAdminPath tells whether a request belongs to the admin API (so the WFE never sees it).
bool IsAdminPath(const std::string& path);

class Api final {
 public:
  // trust is our CA, for client certificates; without it only bearer tokens are accepted.
  // after_revoke: the Revoker's after-commit hook (the server re-signs OCSP answers and the CRL).
  Api(const config::AdminConfig& cfg, storage::Store& store, const Clock& clock, ClientCertTrust trust = {},
      revocation::RevokedHook after_revoke = nullptr)
      : cfg_(cfg), store_(store), clock_(clock), trust_(std::move(trust)), after_revoke_(std::move(after_revoke)) {}

  // Handle never throws: anything unexpected is a 500 problem (detail only in the log).
  http::Response Handle(const http::Request& r) const;

 private:
  http::Response Route(const http::Request& r, const revocation::Actor& who) const;
  // Authenticate: a valid bearer token, else a valid listed client certificate (admin/client_cert.h).
  Result<revocation::Actor> Authenticate(const http::Request& r) const;

  const config::AdminConfig& cfg_;
  storage::Store& store_;
  const Clock& clock_;
  ClientCertTrust trust_;
  revocation::RevokedHook after_revoke_;
};

}  // namespace ca::admin

#pragma once
// Admin API authentication by TLS client certificate. The TLS layer accepts any certificate (it
// only proves possession of the key); this decides. A certificate speaks for an operator when it
//   (a) chains to our intermediate and root at the current time, with EKU clientAuth,
//   (b) is a certificate our store holds under that serial, byte for byte, and not revoked, and
//   (c) its serial is listed in [admin] client_certs.
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "revocation/revoker.h"
#include "storage/store.h"

namespace ca::admin {

// ClientCertTrust: our CA, DER. An empty root or intermediate trusts nothing.
struct ClientCertTrust {
  Bytes root_der;
  Bytes intermediate_der;
};

// AuthenticateClientCert returns the operator (kind "admin-cert", id the listed id), or
// kUnauthorized saying which check failed (for the log, never for the client).
Result<revocation::Actor> AuthenticateClientCert(ByteView cert_der, const ClientCertTrust& trust,
                                                 const std::vector<config::AdminClientCert>& listed,
                                                 storage::Store& store, UnixTime now);

}  // namespace ca::admin

#pragma once
// Internal: server-side SSL_CTX setup (OpenSSL only, no Asio).
#include <string>

#include <openssl/types.h>

#include "common/result.h"

namespace ca::http::detail {

// ConfigureServerTls restricts ctx to TLS 1.2/1.3 and installs the leaf, every intermediate that
// follows it in chain_pem, and the (unencrypted) private key, checking that key and leaf match.
// It requests (never requires) a client certificate during the handshake, sending no CA-name list,
// and accepts any at the TLS layer: the certificate is only a claim until the admin API verifies it
// against our CA, and ACME clients, which send none, must be unaffected.
Result<void> ConfigureServerTls(SSL_CTX* ctx, const std::string& chain_pem, const std::string& key_pem);

}  // namespace ca::http::detail

// Server TLS context: TLS 1.2+1.3, leaf + intermediates + key from PEM strings.
#include "http/tls.h"

#include <climits>
#include <memory>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace ca::http::detail {
namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Encrypted PEM is not supported: refuse instead of prompting on the terminal.
int NoPassword(char*, int, int, void*) { return 0; }

// Fail with what, followed by the drained OpenSSL error queue.
tl::unexpected<Error> TlsFail(std::string_view what) {
  std::string detail = fmt::format("http tls: {}", what);
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    detail += fmt::format(" [{}]", buf);
  }
  return Fail(Errc::kInternal, std::move(detail));
}

BioPtr MemBio(const std::string& s) {
  if (s.size() > INT_MAX) return nullptr;
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

// AcceptAtTlsLayer: the TLS layer only checks possession of the key (CertificateVerify, which
// OpenSSL always checks); trust is the handler's decision, against our own CA.
int AcceptAtTlsLayer(int /*preverify_ok*/, X509_STORE_CTX* /*ctx*/) { return 1; }

constexpr unsigned char kSessionIdContext[] = "attestca-https";

}  // namespace

Result<void> ConfigureServerTls(SSL_CTX* ctx, const std::string& chain_pem, const std::string& key_pem) {
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return TlsFail("cannot set protocol versions");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);

  BioPtr chain_bio = MemBio(chain_pem);
  if (!chain_bio) return TlsFail("cannot read certificate chain");
  X509Ptr leaf(PEM_read_bio_X509(chain_bio.get(), nullptr, NoPassword, nullptr));
  if (!leaf) return TlsFail("no certificate in tls_cert_chain_pem");
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) return TlsFail("cannot use leaf certificate");
  if (SSL_CTX_clear_chain_certs(ctx) != 1) return TlsFail("cannot clear chain");
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(chain_bio.get(), nullptr, NoPassword, nullptr));
    if (!cert) break;
    if (SSL_CTX_add0_chain_cert(ctx, cert.get()) != 1) return TlsFail("cannot add intermediate");
    static_cast<void>(cert.release());  // add0 took ownership
  }
  // The loop ends on "no start line" (end of input); anything else is a broken PEM block.
  const unsigned long last = ERR_peek_last_error();
  if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
    return TlsFail("bad certificate in tls_cert_chain_pem");
  }
  ERR_clear_error();

  BioPtr key_bio = MemBio(key_pem);
  if (!key_bio) return TlsFail("cannot read private key");
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassword, nullptr));
  if (!key) return TlsFail("no usable private key in tls_key_pem");
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) return TlsFail("cannot use private key");
  if (SSL_CTX_check_private_key(ctx) != 1) return TlsFail("private key does not match certificate");

  // Request a client certificate in the handshake itself (TLS 1.3 post-handshake auth is never
  // used: no SSL_VERIFY_POST_HANDSHAKE). No CA-name list is sent (none is ever set): it would
  // only advertise our CA to anyone who connects; curl and OpenSSL send a configured certificate
  // regardless. Resumed sessions need a session id context once peers are verified.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, AcceptAtTlsLayer);
  if (SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1) != 1) {
    return TlsFail("cannot set session id context");
  }
  return Ok();
}

}  // namespace ca::http::detail

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "ossl/unique.h"

// Out-of-line deleters declared in ossl/unique.h.
#define CA_OSSL_DEFINE_DELETER(type, free_fn) \
  void DeleterImpl<type>::Free(type* p) { free_fn(p); }

namespace ca::ossl {
CA_OSSL_DEFINE_DELETER(X509, X509_free)
CA_OSSL_DEFINE_DELETER(X509_REQ, X509_REQ_free)
CA_OSSL_DEFINE_DELETER(X509_NAME, X509_NAME_free)
CA_OSSL_DEFINE_DELETER(X509_EXTENSION, X509_EXTENSION_free)
CA_OSSL_DEFINE_DELETER(X509_STORE, X509_STORE_free)
CA_OSSL_DEFINE_DELETER(X509_STORE_CTX, X509_STORE_CTX_free)
CA_OSSL_DEFINE_DELETER(X509_CRL, X509_CRL_free)
CA_OSSL_DEFINE_DELETER(EVP_PKEY, EVP_PKEY_free)
CA_OSSL_DEFINE_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
CA_OSSL_DEFINE_DELETER(EVP_MD_CTX, EVP_MD_CTX_free)
CA_OSSL_DEFINE_DELETER(EVP_MD, EVP_MD_free)
CA_OSSL_DEFINE_DELETER(EVP_MAC, EVP_MAC_free)
CA_OSSL_DEFINE_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free)
CA_OSSL_DEFINE_DELETER(BIO, BIO_free_all)
CA_OSSL_DEFINE_DELETER(BIGNUM, BN_free)
CA_OSSL_DEFINE_DELETER(ASN1_STRING, ASN1_STRING_free)
CA_OSSL_DEFINE_DELETER(ASN1_OBJECT, ASN1_OBJECT_free)
CA_OSSL_DEFINE_DELETER(SSL_CTX, SSL_CTX_free)
CA_OSSL_DEFINE_DELETER(SSL, SSL_free)
CA_OSSL_DEFINE_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
CA_OSSL_DEFINE_DELETER(OSSL_PARAM, OSSL_PARAM_free)
}  // namespace ca::ossl

#pragma once
// UniquePtr<T> for OpenSSL objects (BoringSSL's deleter-trait trick): only <openssl/types.h> here,
// so a header can hold a UniquePtr<X509> member without pulling in <openssl/x509.h>.
#include <memory>

#include <openssl/types.h>

// Not declared in <openssl/types.h>.
typedef struct X509_req_st X509_REQ;
typedef struct X509_extension_st X509_EXTENSION;

namespace ca::ossl {

template <class T>
struct DeleterImpl;

struct Deleter {
  template <class T>
  void operator()(T* p) const {
    DeleterImpl<T>::Free(p);
  }
};

template <class T>
using UniquePtr = std::unique_ptr<T, Deleter>;

}  // namespace ca::ossl

// Deleters for the types that appear in headers are declared here and defined out of line
// (ossl/deleters.cc), so holding and destroying them needs only <openssl/types.h>.
#define CA_OSSL_DECLARE_DELETER(type)          \
  namespace ca::ossl {                          \
  template <>                                   \
  struct DeleterImpl<type> {                    \
    static void Free(type* p);                  \
  };                                            \
  }
CA_OSSL_DECLARE_DELETER(X509)
CA_OSSL_DECLARE_DELETER(X509_REQ)
CA_OSSL_DECLARE_DELETER(X509_PUBKEY)
CA_OSSL_DECLARE_DELETER(X509_NAME)
CA_OSSL_DECLARE_DELETER(X509_EXTENSION)
CA_OSSL_DECLARE_DELETER(X509_STORE)
CA_OSSL_DECLARE_DELETER(X509_STORE_CTX)
CA_OSSL_DECLARE_DELETER(X509_CRL)
CA_OSSL_DECLARE_DELETER(EVP_PKEY)
CA_OSSL_DECLARE_DELETER(EVP_PKEY_CTX)
CA_OSSL_DECLARE_DELETER(EVP_MD_CTX)
CA_OSSL_DECLARE_DELETER(EVP_MD)
CA_OSSL_DECLARE_DELETER(EVP_MAC)
CA_OSSL_DECLARE_DELETER(EVP_MAC_CTX)
CA_OSSL_DECLARE_DELETER(BIO)
CA_OSSL_DECLARE_DELETER(BIGNUM)
CA_OSSL_DECLARE_DELETER(ASN1_STRING)
CA_OSSL_DECLARE_DELETER(ASN1_OBJECT)
CA_OSSL_DECLARE_DELETER(SSL_CTX)
CA_OSSL_DECLARE_DELETER(SSL)
CA_OSSL_DECLARE_DELETER(OSSL_PARAM_BLD)
CA_OSSL_DECLARE_DELETER(OSSL_PARAM)

// CA_OSSL_DELETER(X509, X509_free) declares how UniquePtr<X509> frees; put it beside the OpenSSL
// header that declares the free function.
#define CA_OSSL_DELETER(type, free_fn)                 \
  namespace ca::ossl {                                 \
  template <>                                          \
  struct DeleterImpl<type> {                           \
    static void Free(type* p) { free_fn(p); }          \
  };                                                   \
  }

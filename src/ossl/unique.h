#pragma once
// UniquePtr<T> for OpenSSL objects (BoringSSL's deleter-trait trick): only <openssl/types.h> here,
// so a header can hold a UniquePtr<X509> member without pulling in <openssl/x509.h>.
#include <memory>

#include <openssl/types.h>

// Not declared in <openssl/types.h>.
typedef struct X509_req_st X509_REQ;

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

// CA_OSSL_DELETER(X509, X509_free) declares how UniquePtr<X509> frees; put it beside the OpenSSL
// header that declares the free function.
#define CA_OSSL_DELETER(type, free_fn)                 \
  namespace ca::ossl {                                 \
  template <>                                          \
  struct DeleterImpl<type> {                           \
    static void Free(type* p) { free_fn(p); }          \
  };                                                   \
  }

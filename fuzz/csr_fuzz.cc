// Fuzz target: DER CSRs through ca::policy::ParseCsr (parse, self-signature, key policy), and a
// differential check: whatever the direct ECDSA reader accepts, the OpenSSL path accepts with the
// same subject, key info, key and extensions (abort otherwise).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ossl/types.h"
#include "policy/csr_check.h"
#include "policy/internal.h"

namespace {

template <class T>
ca::Bytes Encode(int (*i2d)(const T*, unsigned char**), const T* v) {
  if (v == nullptr) return {};
  unsigned char* p = nullptr;
  int n = i2d(v, &p);
  ca::Bytes out(p, p + (n > 0 ? n : 0));
  OPENSSL_free(p);
  return out;
}

// SpkiParts: algorithm identifier and key bits (not i2d: OpenSSL 3.0's X509_PUBKEY_dup drops the
// BIT STRING's unused-bits flag, so its re-encoding of a P-521 key differs while the key does not).
ca::Bytes SpkiParts(const X509_PUBKEY* v) {
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  X509_ALGOR* alg = nullptr;
  if (X509_PUBKEY_get0_param(nullptr, &bits, &bits_len, &alg, v) != 1) return {};
  ca::Bytes out = Encode(i2d_X509_ALGOR, static_cast<const X509_ALGOR*>(alg));
  out.insert(out.end(), bits, bits + bits_len);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ca::ByteView der(data, size);
  auto csr = ca::policy::ParseCsr(der);
  (void)csr;
  auto direct = ca::policy::ParseEcCsrDirect(der);
  if (!direct) return 0;
  auto openssl = ca::policy::ParseCsrWithOpenSsl(der);
  if (!openssl) std::abort();
  if (Encode(i2d_X509_NAME, direct->subject.get()) != Encode(i2d_X509_NAME, openssl->subject.get()) ||
      SpkiParts(direct->spki.get()) != SpkiParts(openssl->spki.get()) ||
      EVP_PKEY_eq(direct->key.get(), openssl->key.get()) != 1 ||
      direct->extension_requests != openssl->extension_requests ||
      Encode(i2d_X509_EXTENSIONS, direct->extensions.get()) != Encode(i2d_X509_EXTENSIONS, openssl->extensions.get())) {
    std::abort();
  }
  return 0;
}

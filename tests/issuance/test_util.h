#pragma once
// Helpers shared by the issuance tests.
#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::issuance::test {

inline ossl::UniquePtr<X509> Pem(const std::string& pem) {
  auto c = ossl::CertFromPem(pem);
  EXPECT_TRUE(c) << (c ? "" : c.error().detail);
  return c ? std::move(*c) : nullptr;
}

// VerifyChain runs X509_verify_cert(leaf -> intermediates -> root) and returns the error string
// ("ok" on success).
inline std::string VerifyChain(X509* leaf, const std::vector<X509*>& intermediates, X509* root,
                               int purpose = 0) {
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root);
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (X509* c : intermediates) sk_X509_push(chain, c);
  ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain);
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_X509_STRICT);
  if (purpose != 0) X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  int ok = X509_verify_cert(ctx.get());
  std::string out = ok == 1 ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  sk_X509_free(chain);
  return out;
}

inline UnixTime Now() { return static_cast<UnixTime>(std::time(nullptr)); }

inline UnixTime TimeOf(const ASN1_TIME* t) {
  struct tm tm {};
  EXPECT_EQ(ASN1_TIME_to_tm(t, &tm), 1);
  return static_cast<UnixTime>(timegm(&tm));
}

inline std::string NameEntry(X509_NAME* name, int nid) {
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return "";
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

inline bool ExtCritical(X509* cert, int nid) {
  int idx = X509_get_ext_by_NID(cert, nid, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) == 1;
}

inline bool HasExt(X509* cert, int nid) { return X509_get_ext_by_NID(cert, nid, -1) >= 0; }

}  // namespace ca::issuance::test

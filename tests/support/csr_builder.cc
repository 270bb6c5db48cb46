#include "support/csr_builder.h"

#include <arpa/inet.h>

#include "common/check.h"
#include "ossl/types.h"

namespace ca::testing {
namespace {

void PushName(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  GENERAL_NAME* gn = GENERAL_NAME_new();
  CA_CHECK(gn != nullptr);
  GENERAL_NAME_set0_value(gn, type, value);
  CA_CHECK(sk_GENERAL_NAME_push(names, gn) > 0);
}

ASN1_STRING* Ia5(const std::string& s) {
  ASN1_STRING* v = ASN1_IA5STRING_new();
  CA_CHECK(v != nullptr && ASN1_STRING_set(v, s.data(), static_cast<int>(s.size())) == 1);
  return v;
}

}  // namespace

ossl::UniquePtr<EVP_PKEY> MakeRsaKey(int bits) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  CA_CHECK(key != nullptr);
  return key;
}

ossl::UniquePtr<EVP_PKEY> MakeEcKey(const std::string& group) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group.c_str()));
  CA_CHECK(key != nullptr);
  return key;
}

ossl::UniquePtr<EVP_PKEY> MakeEd25519Key() {
  ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  CA_CHECK(key != nullptr);
  return key;
}

Bytes MakeCsrDer(EVP_PKEY* key, const CsrOptions& opts) {
  ossl::UniquePtr<X509_REQ> req(X509_REQ_new());
  CA_CHECK(req != nullptr);
  CA_CHECK(X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) == 1);
  if (opts.common_name) {
    X509_NAME* subject = X509_REQ_get_subject_name(req.get());
    CA_CHECK(X509_NAME_add_entry_by_txt(subject, "CN", V_ASN1_UTF8STRING,  // no ub-common-name check
                                        reinterpret_cast<const unsigned char*>(opts.common_name->data()),
                                        static_cast<int>(opts.common_name->size()), -1, 0) == 1);
  }
  for (const auto& [field, value] : opts.subject) {
    CA_CHECK(X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), field.c_str(), V_ASN1_UTF8STRING,
                                        reinterpret_cast<const unsigned char*>(value.data()),
                                        static_cast<int>(value.size()), -1, 0) == 1);
  }
  CA_CHECK(X509_REQ_set_pubkey(req.get(), key) == 1);

  ossl::UniquePtr<GENERAL_NAMES> names(GENERAL_NAMES_new());
  for (const auto& d : opts.dns_names) PushName(names.get(), GEN_DNS, Ia5(d));
  for (const auto& ip : opts.ip_addresses) {
    unsigned char buf[16];
    int af = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
    CA_CHECK(inet_pton(af, ip.c_str(), buf) == 1);
    ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
    CA_CHECK(os != nullptr && ASN1_OCTET_STRING_set(os, buf, af == AF_INET ? 4 : 16) == 1);
    PushName(names.get(), GEN_IPADD, os);
  }
  for (const auto& e : opts.emails) PushName(names.get(), GEN_EMAIL, Ia5(e));
  for (const auto& u : opts.uris) PushName(names.get(), GEN_URI, Ia5(u));
  for (const auto& upn : opts.upns) {
    ASN1_TYPE* v = ASN1_TYPE_new();
    ASN1_UTF8STRING* s = ASN1_UTF8STRING_new();
    CA_CHECK(v != nullptr && s != nullptr && ASN1_STRING_set(s, upn.data(), static_cast<int>(upn.size())) == 1);
    ASN1_TYPE_set(v, V_ASN1_UTF8STRING, s);
    GENERAL_NAME* gn = GENERAL_NAME_new();
    CA_CHECK(gn != nullptr && GENERAL_NAME_set0_othername(gn, OBJ_txt2obj("1.3.6.1.4.1.311.20.2.3", 1), v) == 1);
    CA_CHECK(sk_GENERAL_NAME_push(names.get(), gn) > 0);
  }
  if (sk_GENERAL_NAME_num(names.get()) > 0) {
    STACK_OF(X509_EXTENSION)* exts = nullptr;
    CA_CHECK(X509V3_add1_i2d(&exts, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1);
    CA_CHECK(X509_REQ_add_extensions(req.get(), exts) == 1);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }

  const EVP_MD* md = nullptr;
  ossl::UniquePtr<EVP_MD> fetched;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    fetched.reset(EVP_MD_fetch(nullptr, opts.digest.c_str(), nullptr));
    CA_CHECK(fetched != nullptr);
    md = fetched.get();
  }
  CA_CHECK(X509_REQ_sign(req.get(), key, md) > 0);
  int n = i2d_X509_REQ(req.get(), nullptr);
  CA_CHECK(n > 0);
  Bytes out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  CA_CHECK(i2d_X509_REQ(req.get(), &p) == n);
  return out;
}

Bytes CorruptSignature(Bytes der) {
  CA_CHECK(!der.empty());
  der.back() ^= 0x01;
  return der;
}

}  // namespace ca::testing

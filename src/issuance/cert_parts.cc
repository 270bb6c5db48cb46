// Parts of certificates the issuer handles without a full encode or parse: the subject's public key
// info going in, the TBS and SPKI of what it signed coming out.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "der/reader.h"
#include "issuance/internal.h"
#include "ossl/error.h"

namespace ca::issuance {

Result<void> CopyPublicKeyInfo(const X509_PUBKEY* from, X509_PUBKEY* to) {
  ASN1_OBJECT* key_oid = nullptr;
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  X509_ALGOR* alg = nullptr;
  if (X509_PUBKEY_get0_param(&key_oid, &bits, &bits_len, &alg, from) != 1 || alg == nullptr || bits_len <= 0) {
    return ossl::Internal("X509_PUBKEY_get0_param");
  }
  const ASN1_OBJECT* alg_oid = nullptr;
  int param_type = V_ASN1_UNDEF;
  const void* param = nullptr;
  X509_ALGOR_get0(&alg_oid, &param_type, &param, alg);
  ossl::UniquePtr<ASN1_OBJECT> oid_copy(OBJ_dup(alg_oid));
  ossl::UniquePtr<ASN1_OBJECT> param_copy;
  if (param_type == V_ASN1_OBJECT) {
    param_copy.reset(OBJ_dup(static_cast<const ASN1_OBJECT*>(param)));
    if (!param_copy) return ossl::Internal("OBJ_dup");
  } else if (param_type != V_ASN1_NULL && param_type != V_ASN1_UNDEF) {
    return Fail(Errc::kInternal, "public key algorithm parameters of an unsupported kind");
  }
  auto* bits_copy = static_cast<unsigned char*>(OPENSSL_memdup(bits, static_cast<size_t>(bits_len)));
  if (!oid_copy || bits_copy == nullptr) {
    OPENSSL_free(bits_copy);
    return ossl::Internal("copying the public key info");
  }
  // On success set0 owns the copies; on failure they are still ours.
  if (X509_PUBKEY_set0_param(to, oid_copy.get(), param_type, param_copy.get(), bits_copy, bits_len) != 1) {
    OPENSSL_free(bits_copy);
    return ossl::Internal("X509_PUBKEY_set0_param");
  }
  (void)oid_copy.release();
  (void)param_copy.release();
  return Ok();
}

Result<void> PublicKeyInfoIs(const X509_PUBKEY* info, EVP_PKEY* key) {
  const auto mismatch = [] { return Fail(Errc::kInternal, "IssueRequest: public_key_info is not public_key"); };
  ERR_set_mark();
  EVP_PKEY* decoded = X509_PUBKEY_get0(info);
  ERR_pop_to_mark();
  if (decoded != nullptr) return EVP_PKEY_eq(decoded, key) == 1 ? Ok() : mismatch();

  ASN1_OBJECT* key_oid = nullptr;
  const unsigned char* bits = nullptr;
  int bits_len = 0;
  X509_ALGOR* alg = nullptr;
  if (X509_PUBKEY_get0_param(&key_oid, &bits, &bits_len, &alg, info) != 1 || alg == nullptr || bits_len <= 0 ||
      OBJ_obj2nid(key_oid) != NID_X9_62_id_ecPublicKey || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
    return mismatch();
  }
  int param_type = V_ASN1_UNDEF;
  const void* param = nullptr;
  X509_ALGOR_get0(nullptr, &param_type, &param, alg);
  char group[80] = {};
  size_t group_len = 0;
  if (param_type != V_ASN1_OBJECT || EVP_PKEY_get_group_name(key, group, sizeof group, &group_len) != 1 ||
      OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(param)) != OBJ_sn2nid(group)) {
    ERR_clear_error();
    return mismatch();
  }
  unsigned char point[1 + 2 * 66] = {};  // uncompressed, up to P-521
  size_t point_len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof point, &point_len) != 1 ||
      point_len != static_cast<size_t>(bits_len) || CRYPTO_memcmp(point, bits, point_len) != 0) {
    ERR_clear_error();
    return mismatch();
  }
  return Ok();
}

std::optional<ByteView> TbsOfCert(ByteView cert_der) {
  der::Reader top(cert_der);
  auto cert = top.ReadTag(der::kSequence);
  if (!cert || !top.Empty()) return std::nullopt;
  return cert->ReadRawElement(der::kSequence);
}

std::optional<ByteView> SpkiOfTbs(ByteView tbs_der) {
  der::Reader top(tbs_der);
  auto tbs = top.ReadTag(der::kSequence);
  if (!tbs || !top.Empty()) return std::nullopt;
  // version [0] EXPLICIT (present in v3), serialNumber, signature, issuer, validity, subject.
  if (!tbs->SkipOptional(der::ContextTag(0, true))) return std::nullopt;
  if (!tbs->Skip(der::kInteger) || !tbs->Skip(der::kSequence) || !tbs->Skip(der::kSequence) ||
      !tbs->Skip(der::kSequence) || !tbs->Skip(der::kSequence)) {
    return std::nullopt;
  }
  return tbs->ReadRawElement(der::kSequence);
}

}  // namespace ca::issuance

namespace ca::issuance {
namespace {

// AppendHeader appends a DER identifier and definite, minimal length (X.690 §8.1.3).
void AppendHeader(Bytes& out, uint8_t tag, size_t len) {
  out.push_back(tag);
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
    return;
  }
  uint8_t octets[sizeof(size_t)];
  size_t n = 0;
  for (size_t v = len; v != 0; v >>= 8) octets[n++] = static_cast<uint8_t>(v & 0xff);
  out.push_back(static_cast<uint8_t>(0x80 | n));
  while (n > 0) out.push_back(octets[--n]);
}

size_t HeaderSize(size_t len) {
  size_t n = 2;
  if (len >= 0x80) {
    for (size_t v = len; v != 0; v >>= 8) ++n;
  }
  return n;
}

}  // namespace

Bytes CertificateDer(ByteView tbs_der, ByteView signature_algorithm_der, ByteView signature) {
  const size_t bits_len = 1 + signature.size();  // the unused-bits octet (0), then the signature
  const size_t body = tbs_der.size() + signature_algorithm_der.size() + HeaderSize(bits_len) + bits_len;
  Bytes out;
  out.reserve(HeaderSize(body) + body);
  AppendHeader(out, der::kSequence, body);
  out.insert(out.end(), tbs_der.begin(), tbs_der.end());
  out.insert(out.end(), signature_algorithm_der.begin(), signature_algorithm_der.end());
  AppendHeader(out, der::kBitString, bits_len);
  out.push_back(0);
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

std::optional<CertSignature> SignatureOfCert(ByteView cert_der) {
  der::Reader top(cert_der);
  auto cert = top.ReadTag(der::kSequence);
  if (!cert || !top.Empty() || !cert->Skip(der::kSequence)) return std::nullopt;
  auto alg = cert->ReadRawElement(der::kSequence);
  auto bits = alg ? cert->ReadBitString() : std::nullopt;
  if (!bits || bits->unused_bits != 0 || !cert->Empty()) return std::nullopt;
  return CertSignature{*alg, bits->bytes};
}

}  // namespace ca::issuance

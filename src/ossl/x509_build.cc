#include "ossl/x509_build.h"

#include <ctime>

#include "ossl/error.h"
#include "ossl/types.h"

namespace ca::ossl {

Result<UniquePtr<X509_NAME>> MakeName(const std::vector<std::pair<std::string, std::string>>& rdns) {
  UniquePtr<X509_NAME> name(X509_NAME_new());
  if (!name) return Internal("X509_NAME_new");
  for (const auto& [field, value] : rdns) {
    if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return Internal("X509_NAME_add_entry_by_txt " + field);
    }
  }
  return name;
}

Result<void> SetValidity(X509* cert, UnixTime not_before, UnixTime not_after) {
  if (!ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_after))) {
    return Internal("ASN1_TIME_set");
  }
  return Ok();
}

Result<UnixTime> Asn1TimeToUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return Internal("ASN1_TIME_to_tm");
  return static_cast<UnixTime>(timegm(&tm));
}

Result<UniquePtr<X509_EXTENSION>> ConfExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  UniquePtr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext) return Internal(std::string("X509V3_EXT_nconf_nid ") + OBJ_nid2sn(nid));
  return ext;
}

Result<void> AddConfExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  CA_TRY(auto ext, ConfExtension(cert, issuer, nid, value));
  if (X509_add_ext(cert, ext.get(), -1) != 1) return Internal("X509_add_ext");
  return Ok();
}

namespace {

// PushOtherName appends an otherName GeneralName (RFC 5280 §4.2.1.6) whose value is a DER SEQUENCE.
Result<void> PushOtherName(GENERAL_NAMES* names, const SanEntry& e) {
  UniquePtr<ASN1_OBJECT> oid(OBJ_txt2obj(e.other_oid.c_str(), 1));
  if (!oid) return Internal("otherName OID " + e.other_oid);
  const unsigned char* p = e.other_value_der.data();
  UniquePtr<ASN1_TYPE> value(d2i_ASN1_TYPE(nullptr, &p, static_cast<long>(e.other_value_der.size())));
  if (!value || p != e.other_value_der.data() + e.other_value_der.size()) {
    return Internal("otherName value is not one DER element");
  }
  UniquePtr<GENERAL_NAME> gn(GENERAL_NAME_new());
  if (!gn) return Internal("GENERAL_NAME_new");
  if (GENERAL_NAME_set0_othername(gn.get(), oid.get(), value.get()) != 1) {
    return Internal("GENERAL_NAME_set0_othername");
  }
  (void)oid.release();
  (void)value.release();
  if (sk_GENERAL_NAME_push(names, gn.get()) == 0) return Internal("sk_GENERAL_NAME_push");
  (void)gn.release();
  return Ok();
}

}  // namespace

Result<void> AddSubjectAltNames(X509* cert, const std::vector<SanEntry>& entries, bool critical) {
  UniquePtr<GENERAL_NAMES> names(GENERAL_NAMES_new());
  if (!names) return Internal("GENERAL_NAMES_new");
  for (const SanEntry& e : entries) {
    if (e.kind == SanEntry::Kind::kOtherName) {
      CA_RETURN_IF_ERROR(PushOtherName(names.get(), e));
      continue;
    }
    UniquePtr<ASN1_STRING> value;
    int type;
    if (e.kind == SanEntry::Kind::kDns || e.kind == SanEntry::Kind::kEmail || e.kind == SanEntry::Kind::kUri) {
      const std::string& text = e.kind == SanEntry::Kind::kDns ? e.dns : e.text;
      value.reset(ASN1_IA5STRING_new());
      type = e.kind == SanEntry::Kind::kDns ? GEN_DNS : e.kind == SanEntry::Kind::kEmail ? GEN_EMAIL : GEN_URI;
      if (!value || ASN1_STRING_set(value.get(), text.data(), static_cast<int>(text.size())) != 1) {
        return Internal("ASN1_STRING_set IA5String SAN");
      }
    } else {
      value.reset(ASN1_OCTET_STRING_new());
      type = GEN_IPADD;
      if (!value || ASN1_OCTET_STRING_set(value.get(), e.ip.data(), static_cast<int>(e.ip.size())) != 1) {
        return Internal("ASN1_OCTET_STRING_set iPAddress");
      }
    }
    UniquePtr<GENERAL_NAME> gn(GENERAL_NAME_new());
    if (!gn) return Internal("GENERAL_NAME_new");
    GENERAL_NAME_set0_value(gn.get(), type, value.release());
    if (sk_GENERAL_NAME_push(names.get(), gn.get()) == 0) return Internal("sk_GENERAL_NAME_push");
    (void)gn.release();
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), critical ? 1 : 0, X509V3_ADD_REPLACE) != 1) {
    return Internal("X509_add1_ext_i2d subjectAltName");
  }
  return Ok();
}

const EVP_MD* SignatureDigestFor(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      return nullptr;
    case EVP_PKEY_EC: {
      int bits = EVP_PKEY_get_bits(key);
      if (bits > 384) return EVP_sha512();
      if (bits > 256) return EVP_sha384();
      return EVP_sha256();
    }
    default:
      return EVP_sha256();
  }
}

Result<UniquePtr<ASN1_STRING>> SerialFromBytes(ByteView be) {
  UniquePtr<BIGNUM> bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
  if (!bn) return Internal("BN_bin2bn");
  UniquePtr<ASN1_STRING> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) return Internal("BN_to_ASN1_INTEGER");
  return serial;
}

Result<std::string> SerialHex(const ASN1_STRING* serial) {
  UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return Internal("ASN1_INTEGER_to_BN");
  if (BN_is_negative(bn.get())) return Fail(Errc::kInternal, "negative serial number");
  Bytes b(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), b.data());
  return Hex(b);
}

Result<Bytes> TbsDer(X509* cert) {
  int n = i2d_re_X509_tbs(cert, nullptr);
  if (n <= 0) return Internal("i2d_re_X509_tbs");
  Bytes out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  if (i2d_re_X509_tbs(cert, &p) != n) return Internal("i2d_re_X509_tbs");
  return out;
}

}  // namespace ca::ossl

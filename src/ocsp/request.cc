// OCSP request parsing: our strict DER reader checks the framing and version, OpenSSL decodes the
// rest, then every field OpenSSL does not check is checked here.
#include "ocsp/request.h"

#include <algorithm>
#include <set>

#include "der/reader.h"
#include "ocsp/ossl_ocsp.h"
#include "ossl/x509_build.h"

void ca::ossl::DeleterImpl<OCSP_CERTID>::Free(OCSP_CERTID* p) { OCSP_CERTID_free(p); }
void ca::ossl::DeleterImpl<OCSP_REQUEST>::Free(OCSP_REQUEST* p) { OCSP_REQUEST_free(p); }

namespace ca::ocsp {
namespace {

Result<void> Malformed(const std::string& what) { return Fail(Errc::kMalformed, "OCSP request: " + what); }

// CheckFraming: one DER SEQUENCE and nothing after it, holding a TBSRequest whose version is absent
// or v1 (0). OpenSSL's d2i accepts BER and stops at the end of the first object.
Result<void> CheckFraming(ByteView der) {
  der::Reader r(der);
  auto outer = r.ReadTag(der::kSequence);
  if (!outer) return Malformed("not a DER SEQUENCE");
  if (!r.Empty()) return Malformed("trailing bytes after the request");
  auto tbs = outer->ReadTag(der::kSequence);
  if (!tbs) return Malformed("no TBSRequest");
  std::optional<der::Reader> version;
  if (!tbs->ReadOptionalTag(der::ContextTag(0, true), &version)) return Malformed("bad version");
  if (version) {
    auto v = version->ReadInt64();
    if (!v || *v != 0 || !version->Empty()) return Malformed("unsupported version");
  }
  return Ok();
}

// ExtensionKey names an extension by its OID text (numeric), for duplicate detection.
std::string ExtensionKey(X509_EXTENSION* ext) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof(buf), X509_EXTENSION_get_object(ext), 1);
  return n > 0 && static_cast<size_t>(n) < sizeof(buf) ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// ParseNonce reads the nonce extension's value: an OCTET STRING (RFC 9654 Nonce) inside extnValue.
Result<Bytes> ParseNonce(X509_EXTENSION* ext) {
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  ByteView contents(ASN1_STRING_get0_data(value), static_cast<size_t>(ASN1_STRING_length(value)));
  der::Reader r(contents);
  auto nonce = r.ReadOctetString();
  if (!nonce || !r.Empty()) return Fail(Errc::kMalformed, "OCSP request: the nonce is not an OCTET STRING");
  if (nonce->empty() || nonce->size() > kMaxNonceBytes) {
    return Fail(Errc::kMalformed, "OCSP request: nonce of " + std::to_string(nonce->size()) +
                                      " octets (1.." + std::to_string(kMaxNonceBytes) + " allowed)");
  }
  return Bytes(nonce->begin(), nonce->end());
}

// CheckExtensions: no OID twice, no unknown critical extension (RFC 6960 §4.1.2 lets us ignore
// unknown non-critical ones). Returns the nonce when asked for (request extensions only).
template <class Count, class Get>
Result<std::optional<Bytes>> CheckExtensions(Count count, Get get, bool nonce_allowed, const char* where) {
  std::set<std::string> seen;
  std::optional<Bytes> nonce;
  for (int i = 0; i < count(); ++i) {
    X509_EXTENSION* ext = get(i);
    if (ext == nullptr) return Fail(Errc::kMalformed, std::string("OCSP request: bad ") + where + " extension");
    std::string key = ExtensionKey(ext);
    if (key.empty() || !seen.insert(key).second) {
      return Fail(Errc::kMalformed, std::string("OCSP request: duplicate ") + where + " extension " + key);
    }
    if (nonce_allowed && OBJ_obj2nid(X509_EXTENSION_get_object(ext)) == NID_id_pkix_OCSP_Nonce) {
      CA_TRY(nonce, ParseNonce(ext));
    } else if (X509_EXTENSION_get_critical(ext) == 1) {
      return Fail(Errc::kMalformed, std::string("OCSP request: unknown critical ") + where + " extension " + key);
    }
  }
  return nonce;
}

// CheckCertId: the hash must be one we answer in, with hashes of its length, and the serial a
// positive integer of at most 20 octets (RFC 5280 §4.1.2.2). Anything else: unauthorized.
Result<CertIdRef> CheckCertId(OCSP_CERTID* cid) {
  ASN1_OCTET_STRING* name_hash = nullptr;
  ASN1_OBJECT* md = nullptr;
  ASN1_OCTET_STRING* key_hash = nullptr;
  ASN1_INTEGER* serial = nullptr;
  if (OCSP_id_get0_info(&name_hash, &md, &key_hash, &serial, cid) != 1 || name_hash == nullptr ||
      md == nullptr || key_hash == nullptr || serial == nullptr) {
    return Fail(Errc::kMalformed, "OCSP request: incomplete CertID");
  }
  CertIdRef ref;
  int hash_len = 0;
  switch (OBJ_obj2nid(md)) {
    case NID_sha1:
      ref.hash = HashAlg::kSha1;
      hash_len = 20;
      break;
    case NID_sha256:
      ref.hash = HashAlg::kSha256;
      hash_len = 32;
      break;
    default:
      return Fail(Errc::kUnauthorized, "OCSP request: CertID hash algorithm is neither SHA-1 nor SHA-256");
  }
  if (ASN1_STRING_length(name_hash) != hash_len || ASN1_STRING_length(key_hash) != hash_len) {
    return Fail(Errc::kUnauthorized, "OCSP request: CertID hashes have the wrong length");
  }
  if (ASN1_STRING_type(serial) != V_ASN1_INTEGER) return Fail(Errc::kUnauthorized, "OCSP request: negative serial");
  ossl::UniquePtr<BIGNUM> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return Fail(Errc::kMalformed, "OCSP request: unreadable serial");
  if (BN_is_zero(bn.get()) || BN_num_bytes(bn.get()) > 20) {
    return Fail(Errc::kUnauthorized, "OCSP request: serial is zero or longer than 20 octets");
  }
  // As ossl::SerialHex renders it (the store's key), from the BIGNUM we already have.
  Bytes serial_bytes(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), serial_bytes.data());
  ref.serial_hex = Hex(serial_bytes);
  ref.issuer_name_hash.assign(ASN1_STRING_get0_data(name_hash), ASN1_STRING_get0_data(name_hash) + hash_len);
  ref.issuer_key_hash.assign(ASN1_STRING_get0_data(key_hash), ASN1_STRING_get0_data(key_hash) + hash_len);
  ref.id = cid;
  return ref;
}

// The DER contents of the two hash algorithm OIDs we answer in.
constexpr uint8_t kSha1Oid[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};                                 // 1.3.14.3.2.26
constexpr uint8_t kSha256Oid[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};  // 2.16.840.1.101.3.4.2.1

bool SameBytes(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

std::optional<SimpleCertId> ParseSimpleRequest(ByteView der) {
  if (der.empty() || der.size() > kMaxRequestBytes) return std::nullopt;
  // OCSPRequest { tbsRequest TBSRequest } with no optionalSignature; TBSRequest { requestList }
  // with no version, requestorName or requestExtensions; requestList holding one Request
  // { reqCert CertID } with no singleRequestExtensions.
  der::Reader r(der);
  auto outer = r.ReadTag(der::kSequence);
  if (!outer || !r.Empty()) return std::nullopt;
  auto tbs = outer->ReadTag(der::kSequence);
  if (!tbs || !outer->Empty()) return std::nullopt;
  auto list = tbs->ReadTag(der::kSequence);
  if (!list || !tbs->Empty()) return std::nullopt;
  auto one = list->ReadTag(der::kSequence);
  if (!one || !list->Empty()) return std::nullopt;
  auto cert_id = one->ReadTag(der::kSequence);
  if (!cert_id || !one->Empty()) return std::nullopt;
  // CertID { hashAlgorithm { OID, NULL or absent }, issuerNameHash, issuerKeyHash, serialNumber }.
  auto alg = cert_id->ReadTag(der::kSequence);
  if (!alg) return std::nullopt;
  auto oid = alg->ReadOid();
  if (!oid || (!alg->Empty() && !alg->ReadNull()) || !alg->Empty()) return std::nullopt;
  SimpleCertId out;
  size_t hash_len = 0;
  if (SameBytes(*oid, kSha1Oid)) {
    out.hash = HashAlg::kSha1;
    hash_len = 20;
  } else if (SameBytes(*oid, kSha256Oid)) {
    out.hash = HashAlg::kSha256;
    hash_len = 32;
  } else {
    return std::nullopt;
  }
  auto name_hash = cert_id->ReadOctetString();
  auto key_hash = name_hash ? cert_id->ReadOctetString() : std::nullopt;
  if (!key_hash || name_hash->size() != hash_len || key_hash->size() != hash_len) return std::nullopt;
  // A positive serial of 1..20 octets (its magnitude, as ossl::SerialHex renders it).
  auto serial = cert_id->ReadIntegerBytes();
  if (!serial || !cert_id->Empty() || ((*serial)[0] & 0x80) != 0) return std::nullopt;
  ByteView magnitude = *serial;
  if (magnitude.size() > 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  if (magnitude.size() > 20 || (magnitude.size() == 1 && magnitude[0] == 0)) return std::nullopt;
  out.issuer_name_hash = *name_hash;
  out.issuer_key_hash = *key_hash;
  out.serial_hex = Hex(magnitude);
  return out;
}

Result<ParsedRequest> ParseRequest(ByteView der) {
  if (der.empty()) return Fail(Errc::kMalformed, "OCSP request: empty");
  if (der.size() > kMaxRequestBytes) return Fail(Errc::kMalformed, "OCSP request: larger than 10000 bytes");
  CA_RETURN_IF_ERROR(CheckFraming(der));

  const unsigned char* p = der.data();
  ParsedRequest out;
  out.request.reset(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!out.request) return Fail(Errc::kMalformed, "OCSP request: does not decode");
  if (p != der.data() + der.size()) return Fail(Errc::kMalformed, "OCSP request: trailing bytes");
  OCSP_REQUEST* req = out.request.get();

  int count = OCSP_request_onereq_count(req);
  if (count < 1 || static_cast<size_t>(count) > kMaxCertIds) {
    return Fail(Errc::kMalformed, "OCSP request: " + std::to_string(count) + " CertIDs (1.." +
                                      std::to_string(kMaxCertIds) + " allowed)");
  }
  CA_TRY(out.nonce, CheckExtensions([req] { return OCSP_REQUEST_get_ext_count(req); },
                                    [req](int i) { return OCSP_REQUEST_get_ext(req, i); }, true, "request"));
  for (int i = 0; i < count; ++i) {
    OCSP_ONEREQ* one = OCSP_request_onereq_get0(req, i);
    if (one == nullptr || OCSP_onereq_get0_id(one) == nullptr) return Fail(Errc::kMalformed, "OCSP request: no CertID");
    CA_RETURN_IF_ERROR(CheckExtensions([one] { return OCSP_ONEREQ_get_ext_count(one); },
                                       [one](int j) { return OCSP_ONEREQ_get_ext(one, j); }, false, "single request"));
  }
  // Only now, with the whole request well formed, the checks that answer unauthorized.
  for (int i = 0; i < count; ++i) {
    CA_TRY(CertIdRef ref, CheckCertId(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i))));
    out.cert_ids.push_back(std::move(ref));
  }
  return out;
}

}  // namespace ca::ocsp

// The direct CSR reader for the common case: an ECDSA request over a named NIST curve in strict DER.
//
// Why: OpenSSL 3.0's d2i_X509_REQ decodes the public key through OSSL_DECODER_CTX_new_for_pkey,
// which enumerates every provider's decoders on each call (measured ~0.3-0.5 ms, more than the
// CSR's ECDSA verification and about 5 % of the server CPU per issuance). Here der::Reader splits
// the request, the key is imported with EVP_PKEY_fromdata (~0.03 ms), and OpenSSL still does
// every cryptographic step: point validation on import, the signature verification, the name and
// extension decoding. Anything outside this narrow shape returns nullopt and goes through the
// OpenSSL path, which then gives the precise error, so both paths accept the same requests (the
// csr_fuzz target checks that whatever this reader accepts, the OpenSSL path accepts identically).
#include <array>
#include <cstring>
#include <string_view>

#include "der/oid.h"
#include "der/reader.h"
#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "policy/internal.h"

namespace ca::policy {
namespace {

constexpr std::string_view kIdEcPublicKey = "1.2.840.10045.2.1";
constexpr std::string_view kPkcs9ExtensionRequest = "1.2.840.113549.1.9.14";
constexpr std::string_view kMsExtensionRequest = "1.3.6.1.4.1.311.2.1.14";

struct Curve {
  std::string_view oid;
  const char* group;  // OpenSSL's group name
  int nid;
  size_t field_bytes;
};
constexpr std::array<Curve, 3> kCurves = {{
    {"1.2.840.10045.3.1.7", "prime256v1", NID_X9_62_prime256v1, 32},
    {"1.3.132.0.34", "secp384r1", NID_secp384r1, 48},
    {"1.3.132.0.35", "secp521r1", NID_secp521r1, 66},
}};

struct SigAlg {
  std::string_view oid;
  const char* digest;
};
// RFC 5758 §3.2: ecdsa-with-SHA256/384/512, parameters absent.
constexpr std::array<SigAlg, 3> kSigAlgs = {{
    {"1.2.840.10045.4.3.2", "SHA256"},
    {"1.2.840.10045.4.3.3", "SHA384"},
    {"1.2.840.10045.4.3.4", "SHA512"},
}};

// Spki builds the X509_PUBKEY from its parts, without the provider decoder a d2i would run.
ossl::UniquePtr<X509_PUBKEY> Spki(const Curve& curve, ByteView point) {
  ossl::UniquePtr<X509_PUBKEY> spki(X509_PUBKEY_new());
  auto* bits = static_cast<unsigned char*>(OPENSSL_memdup(point.data(), point.size()));
  if (!spki || bits == nullptr) {
    OPENSSL_free(bits);
    return nullptr;
  }
  // OBJ_nid2obj returns static objects; on success set0 owns bits.
  if (X509_PUBKEY_set0_param(spki.get(), OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT, OBJ_nid2obj(curve.nid),
                             bits, static_cast<int>(point.size())) != 1) {
    OPENSSL_free(bits);
    return nullptr;
  }
  return spki;
}

// ReadSpki: SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve }, BIT STRING uncompressed point }.
bool ReadSpki(der::Reader& cri, ParsedCsr& out) {
  auto spki = cri.ReadTag(der::kSequence);
  if (!spki) return false;
  auto alg = spki->ReadTag(der::kSequence);
  if (!alg) return false;
  auto key_oid = alg->ReadOid();
  auto curve_oid = alg->ReadOid();
  if (!key_oid || !curve_oid || !alg->Empty() || !der::OidEquals(*key_oid, kIdEcPublicKey)) return false;
  const Curve* curve = nullptr;
  for (const auto& c : kCurves) {
    if (der::OidEquals(*curve_oid, c.oid)) curve = &c;
  }
  auto bits = spki->ReadBitString();
  if (curve == nullptr || !bits || bits->unused_bits != 0 || !spki->Empty()) return false;
  // Uncompressed only (0x04 || X || Y): the form the certificate and the device check compare.
  if (bits->bytes.size() != 1 + 2 * curve->field_bytes || bits->bytes[0] != 0x04) return false;
  auto key = ossl::EcPublicKey(curve->group, bits->bytes);  // checks the point is on the curve
  if (!key) return false;
  out.key = std::move(*key);
  out.spki = Spki(*curve, bits->bytes);
  return out.key && out.spki;
}

// ReadAttributes: [0] IMPLICIT SET OF Attribute: none, or one extension request whose one value is
// decoded by OpenSSL (d2i_X509_EXTENSIONS, which decodes no key).
bool ReadAttributes(der::Reader& cri, ParsedCsr& out) {
  std::optional<der::Reader> attrs;
  if (!cri.ReadOptionalTag(der::ContextTag(0, true), &attrs)) return false;
  while (attrs && !attrs->Empty()) {
    auto attr = attrs->ReadTag(der::kSequence);
    if (!attr) return false;
    auto type = attr->ReadOid();
    auto values = attr->ReadTag(der::kSet);
    if (!type || !values || !attr->Empty()) return false;
    // Other attributes (challengePassword, ...) take the OpenSSL path, which decodes their values:
    // skipping them here could accept a value OpenSSL refuses.
    if (!der::OidEquals(*type, kPkcs9ExtensionRequest) && !der::OidEquals(*type, kMsExtensionRequest)) return false;
    if (out.extension_requests++ > 0) return false;  // several: the OpenSSL path words the error
    auto exts = values->ReadRawElement(der::kSequence);
    if (!exts || !values->Empty()) return false;
    const unsigned char* p = exts->data();
    out.extensions.reset(d2i_X509_EXTENSIONS(nullptr, &p, static_cast<long>(exts->size())));
    if (!out.extensions || p != exts->data() + exts->size()) return false;
  }
  return true;
}

bool VerifySignature(ByteView signed_part, ByteView alg_der, ByteView signature, EVP_PKEY* key) {
  der::Reader alg_reader(alg_der);
  auto alg = alg_reader.ReadTag(der::kSequence);
  if (!alg) return false;
  auto oid = alg->ReadOid();
  if (!oid || !alg->Empty()) return false;
  const char* digest = nullptr;
  for (const auto& s : kSigAlgs) {
    if (der::OidEquals(*oid, s.oid)) digest = s.digest;
  }
  if (digest == nullptr) return false;
  ossl::UniquePtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, digest, nullptr, nullptr, key, nullptr) != 1) return false;
  return EVP_DigestVerify(md.get(), signature.data(), signature.size(), signed_part.data(), signed_part.size()) == 1;
}

}  // namespace

std::optional<ParsedCsr> ParseEcCsrDirect(ByteView der) {
  ParsedCsr out;
  der::Reader top(der);
  auto csr = top.ReadTag(der::kSequence);
  if (!csr || !top.Empty()) return std::nullopt;
  auto cri_raw = csr->ReadRawElement(der::kSequence);
  auto alg_raw = csr->ReadRawElement(der::kSequence);
  auto sig = csr->ReadBitString();
  if (!cri_raw || !alg_raw || !sig || sig->unused_bits != 0 || !csr->Empty()) return std::nullopt;

  der::Reader cri_outer(*cri_raw);
  auto cri = cri_outer.ReadTag(der::kSequence);
  if (!cri) return std::nullopt;
  auto version = cri->ReadInt64();
  if (!version || *version != 0) return std::nullopt;
  auto subject = cri->ReadRawElement(der::kSequence);
  if (!subject) return std::nullopt;
  const unsigned char* p = subject->data();
  out.subject.reset(d2i_X509_NAME(nullptr, &p, static_cast<long>(subject->size())));
  if (!out.subject || p != subject->data() + subject->size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  if (!ReadSpki(*cri, out) || !ReadAttributes(*cri, out) || !cri->Empty() ||
      !VerifySignature(*cri_raw, *alg_raw, sig->bytes, out.key.get())) {
    ERR_clear_error();
    return std::nullopt;
  }
  // Key policy last: the curve is already one we allow; this adds the point checks.
  if (!CheckKey(out.key.get())) return std::nullopt;
  return out;
}

}  // namespace ca::policy

#include "attestation/tpm_structs.h"

#include <cstdio>

#include <openssl/core_names.h>

#include "ossl/error.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::attestation::tpm {
namespace {

tl::unexpected<Error> Malformed(const std::string& detail) { return Fail(Errc::kMalformed, detail); }

std::string Hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

std::string Hex32(uint32_t v) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// BeReader is a bounded big-endian cursor: a read past the end fails and names the field.
class BeReader final {
 public:
  explicit BeReader(ByteView data) : data_(data) {}

  Result<uint64_t> Uint(size_t width, const char* field) {
    CA_TRY(const ByteView b, Take(width, field));
    uint64_t v = 0;
    for (uint8_t byte : b) v = (v << 8) | byte;
    return v;
  }
  Result<uint8_t> U8(const char* field) { return Uint(1, field).map([](uint64_t v) { return uint8_t(v); }); }
  Result<uint16_t> U16(const char* field) { return Uint(2, field).map([](uint64_t v) { return uint16_t(v); }); }
  Result<uint32_t> U32(const char* field) { return Uint(4, field).map([](uint64_t v) { return uint32_t(v); }); }
  Result<uint64_t> U64(const char* field) { return Uint(8, field); }

  // Tpm2b reads UINT16 size || bytes, size at most max.
  Result<Bytes> Tpm2b(const char* field, size_t max) {
    const size_t at = pos_;
    CA_TRY(const uint16_t size, U16(field));
    if (size > max) {
      return Malformed(std::string(field) + " size " + std::to_string(size) + " exceeds " + std::to_string(max) +
                       " at offset " + std::to_string(at));
    }
    CA_TRY(const ByteView b, Take(size, field));
    return Bytes(b.begin(), b.end());
  }

  // End refuses trailing bytes after a whole structure.
  Result<void> End(const char* structure) const {
    if (pos_ != data_.size()) {
      return Malformed(std::to_string(data_.size() - pos_) + " trailing bytes after " + structure);
    }
    return Ok();
  }

 private:
  Result<ByteView> Take(size_t n, const char* field) {
    if (data_.size() - pos_ < n) {
      return Malformed(std::string("truncated in ") + field + " at offset " + std::to_string(pos_));
    }
    const ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  ByteView data_;
  size_t pos_ = 0;
};

// ReadSymmetric reads TPMT_SYM_DEF_OBJECT (Part 2 §11.1.7): algorithm, then keyBits and mode unless
// NULL. Only the TPMI_ALG_SYM_OBJECT algorithms (AES, SM4, CAMELLIA) have that shape.
Result<uint16_t> ReadSymmetric(BeReader& r) {
  CA_TRY(const uint16_t alg, r.U16("parameters.symmetric"));
  if (alg == kAlgNull) return alg;
  if (alg != 0x0006 && alg != 0x0013 && alg != 0x0026) {
    return Malformed("parameters.symmetric algorithm " + Hex16(alg) + " is not AES, SM4, CAMELLIA or NULL");
  }
  CA_RETURN_IF_ERROR(r.U16("parameters.symmetric.keyBits"));
  CA_RETURN_IF_ERROR(r.U16("parameters.symmetric.mode"));
  return alg;
}

// ReadScheme reads TPMT_RSA_SCHEME / TPMT_ECC_SCHEME (Part 2 §11.2.4, §11.2.5): the scheme, then its
// details (TPMS_SCHEME_HASH; ECDAA adds a count; RSAES and NULL have none). *hash gets hashAlg.
Result<uint16_t> ReadScheme(BeReader& r, uint16_t* hash) {
  CA_TRY(const uint16_t scheme, r.U16("parameters.scheme"));
  *hash = kAlgNull;
  switch (scheme) {
    case kAlgNull:
    case 0x0015:  // RSAES
      return scheme;
    case 0x0014:  // RSASSA
    case 0x0016:  // RSAPSS
    case 0x0017:  // OAEP
    case 0x0018:  // ECDSA
    case 0x0019:  // ECDH
    case 0x001b:  // SM2
    case 0x001c:  // ECSCHNORR
    case 0x001d:  // ECMQV
    {
      CA_TRY(*hash, r.U16("parameters.scheme.hashAlg"));
      return scheme;
    }
    case 0x001a: {  // ECDAA
      CA_TRY(*hash, r.U16("parameters.scheme.hashAlg"));
      CA_RETURN_IF_ERROR(r.U16("parameters.scheme.count"));
      return scheme;
    }
    default:
      return Malformed("parameters.scheme " + Hex16(scheme) + " is not a known asymmetric scheme");
  }
}

// ReadKdf reads TPMT_KDF_SCHEME (Part 2 §11.2.3): scheme, then hashAlg unless NULL.
Result<uint16_t> ReadKdf(BeReader& r) {
  CA_TRY(const uint16_t kdf, r.U16("parameters.kdf"));
  if (kdf == kAlgNull) return kdf;
  if (kdf != 0x0007 && kdf != 0x0020 && kdf != 0x0021 && kdf != 0x0022) {
    return Malformed("parameters.kdf " + Hex16(kdf) + " is not a known KDF scheme");
  }
  CA_RETURN_IF_ERROR(r.U16("parameters.kdf.hashAlg"));
  return kdf;
}

struct Curve {
  uint16_t id;
  const char* group;
  size_t field_bytes;
};
constexpr Curve kCurves[] = {
    {kEccNistP256, "prime256v1", 32},
    {kEccNistP384, "secp384r1", 48},
    {kEccNistP521, "secp521r1", 66},
};

// Coordinate left-pads an ECC coordinate to the field size (a TPM2B may drop leading zeros).
Result<Bytes> Coordinate(const Bytes& v, size_t field_bytes, const char* name) {
  if (v.empty() || v.size() > field_bytes) {
    return Malformed(std::string("ECC ") + name + " is " + std::to_string(v.size()) + " bytes, want 1.." +
                     std::to_string(field_bytes));
  }
  Bytes out(field_bytes - v.size(), 0);
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

Result<ossl::UniquePtr<EVP_PKEY>> FromData(const char* type, OSSL_PARAM_BLD* bld) {
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return ossl::Internal("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return Malformed(std::string("pubArea ") + type + " key is not valid");
  }
  return ossl::UniquePtr<EVP_PKEY>(raw);
}

Result<ossl::UniquePtr<EVP_PKEY>> RsaKey(const Public& pub) {
  if (pub.rsa_modulus.empty() || (pub.rsa_modulus.back() & 1) == 0) return Malformed("pubArea RSA modulus is even");
  const uint32_t e = pub.rsa_exponent == 0 ? 65537 : pub.rsa_exponent;  // Part 2 §12.2.3.5
  ossl::UniquePtr<BIGNUM> n(BN_bin2bn(pub.rsa_modulus.data(), static_cast<int>(pub.rsa_modulus.size()), nullptr));
  ossl::UniquePtr<BIGNUM> bn_e(BN_new());
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!n || !bn_e || !bld || BN_set_word(bn_e.get(), e) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return ossl::Internal("OSSL_PARAM_BLD (RSA)");
  }
  return FromData("RSA", bld.get());
}

Result<ossl::UniquePtr<EVP_PKEY>> EccKey(const Public& pub) {
  const Curve* curve = nullptr;
  for (const auto& c : kCurves) {
    if (c.id == pub.ecc_curve) curve = &c;
  }
  if (curve == nullptr) return Malformed("pubArea ECC curve " + Hex16(pub.ecc_curve) + " is not NIST P-256/384/521");
  CA_TRY(const Bytes x, Coordinate(pub.ecc_x, curve->field_bytes, "x"));
  CA_TRY(const Bytes y, Coordinate(pub.ecc_y, curve->field_bytes, "y"));
  Bytes point{0x04};  // SEC 1 §2.3.3 uncompressed
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  auto imported = ossl::EcPublicKey(curve->group, point);
  if (!imported) {
    if (imported.error().code != Errc::kBadPublicKey) return Fail(imported.error());
    return Malformed("pubArea EC key is not valid");
  }
  ossl::UniquePtr<EVP_PKEY> key = std::move(*imported);
  ossl::UniquePtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check) return ossl::Internal("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return Malformed("pubArea ECC point is not a valid public key");
  }
  return key;
}

}  // namespace

std::string AlgName(uint16_t alg) {
  switch (alg) {
    case kAlgRsa: return "RSA";
    case kAlgSha1: return "SHA1";
    case kAlgSha256: return "SHA256";
    case kAlgSha384: return "SHA384";
    case kAlgSha512: return "SHA512";
    case kAlgNull: return "NULL";
    case kAlgEcc: return "ECC";
    default: return Hex16(alg);
  }
}

const EVP_MD* DigestFor(uint16_t alg) {
  switch (alg) {
    case kAlgSha1: return EVP_sha1();
    case kAlgSha256: return EVP_sha256();
    case kAlgSha384: return EVP_sha384();
    case kAlgSha512: return EVP_sha512();
    default: return nullptr;
  }
}

Result<Attest> ParseAttest(ByteView cert_info) {
  BeReader r(cert_info);
  Attest a;
  CA_TRY(a.magic, r.U32("magic"));
  if (a.magic != kGeneratedValue) return Malformed("magic is " + Hex32(a.magic) + ", not TPM_GENERATED_VALUE");
  CA_TRY(a.type, r.U16("type"));
  if (a.type != kStAttestCertify) return Malformed("type is " + Hex16(a.type) + ", not TPM_ST_ATTEST_CERTIFY");
  CA_TRY(a.qualified_signer, r.Tpm2b("qualifiedSigner", kMaxName));
  CA_TRY(a.extra_data, r.Tpm2b("extraData", kMaxData));
  CA_TRY(a.clock_info.clock, r.U64("clockInfo.clock"));
  CA_TRY(a.clock_info.reset_count, r.U32("clockInfo.resetCount"));
  CA_TRY(a.clock_info.restart_count, r.U32("clockInfo.restartCount"));
  CA_TRY(a.clock_info.safe, r.U8("clockInfo.safe"));
  CA_TRY(a.firmware_version, r.U64("firmwareVersion"));
  CA_TRY(a.certified_name, r.Tpm2b("attested.name", kMaxName));
  CA_TRY(a.certified_qualified_name, r.Tpm2b("attested.qualifiedName", kMaxName));
  CA_RETURN_IF_ERROR(r.End("TPMS_ATTEST"));
  return a;
}

Result<Public> ParsePublic(ByteView pub_area) {
  BeReader r(pub_area);
  Public p;
  CA_TRY(p.type, r.U16("type"));
  if (p.type != kAlgRsa && p.type != kAlgEcc) return Malformed("type " + Hex16(p.type) + " is not RSA or ECC");
  CA_TRY(p.name_alg, r.U16("nameAlg"));
  if (DigestFor(p.name_alg) == nullptr) {
    return Malformed("nameAlg " + AlgName(p.name_alg) + " is not SHA1, SHA256, SHA384 or SHA512");
  }
  CA_TRY(p.object_attributes, r.U32("objectAttributes"));
  CA_TRY(p.auth_policy, r.Tpm2b("authPolicy", kMaxDigest));
  CA_TRY(p.symmetric, ReadSymmetric(r));
  CA_TRY(p.scheme, ReadScheme(r, &p.scheme_hash));
  if (p.type == kAlgRsa) {
    CA_TRY(p.rsa_key_bits, r.U16("parameters.keyBits"));
    CA_TRY(p.rsa_exponent, r.U32("parameters.exponent"));
    CA_TRY(p.rsa_modulus, r.Tpm2b("unique.rsa", kMaxRsaModulus));
    if (p.rsa_key_bits == 0 || p.rsa_key_bits % 8 != 0 || p.rsa_modulus.size() != p.rsa_key_bits / 8u) {
      return Malformed("unique.rsa is " + std::to_string(p.rsa_modulus.size()) + " bytes for keyBits " +
                       std::to_string(p.rsa_key_bits));
    }
  } else {
    CA_TRY(p.ecc_curve, r.U16("parameters.curveID"));
    CA_TRY(p.ecc_kdf, ReadKdf(r));
    CA_TRY(p.ecc_x, r.Tpm2b("unique.ecc.x", kMaxEccParameter));
    CA_TRY(p.ecc_y, r.Tpm2b("unique.ecc.y", kMaxEccParameter));
  }
  CA_RETURN_IF_ERROR(r.End("TPMT_PUBLIC"));
  return p;
}

Result<Bytes> ComputeName(uint16_t name_alg, ByteView pub_area) {
  const EVP_MD* md = DigestFor(name_alg);
  if (md == nullptr) return Malformed("nameAlg " + AlgName(name_alg) + " is not supported");
  Bytes out{static_cast<uint8_t>(name_alg >> 8), static_cast<uint8_t>(name_alg)};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(pub_area.data(), pub_area.size(), digest, &len, md, nullptr) != 1) return ossl::Internal("EVP_Digest");
  out.insert(out.end(), digest, digest + len);
  return out;
}

Result<ossl::UniquePtr<EVP_PKEY>> PublicKey(const Public& pub) {
  if (pub.type == kAlgRsa) return RsaKey(pub);
  if (pub.type == kAlgEcc) return EccKey(pub);
  return Malformed("pubArea type " + Hex16(pub.type) + " is not RSA or ECC");
}

Result<Bytes> PublicKeySpki(const Public& pub) {
  CA_TRY(auto key, PublicKey(pub));
  return ossl::PublicKeyToDer(key.get());
}

}  // namespace ca::attestation::tpm

#include "attestation/tpm.h"

#include <cinttypes>
#include <cstdio>

#include <openssl/rsa.h>

#include "attestation/tpm_ak_cert.h"
#include "attestation/tpm_structs.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::attestation {
namespace {

tl::unexpected<Error> Bad(const std::string& detail) { return Fail(Errc::kBadAttestation, "tpm: " + detail); }

// SigAlg is one accepted COSE algorithm (RFC 9053 / IANA COSE; -65535 is WebAuthn's RS1).
struct SigAlg {
  int64_t cose;
  const char* name;
  int key_type;  // EVP_PKEY_RSA or EVP_PKEY_EC
  bool pss;
  const EVP_MD* (*md)();
};
const SigAlg kSigAlgs[] = {
    {-257, "RS256", EVP_PKEY_RSA, false, EVP_sha256},
    {-37, "PS256", EVP_PKEY_RSA, true, EVP_sha256},
    {-7, "ES256", EVP_PKEY_EC, false, EVP_sha256},
    {-35, "ES384", EVP_PKEY_EC, false, EVP_sha384},
    {-36, "ES512", EVP_PKEY_EC, false, EVP_sha512},
    // SHA-1, accepted because Windows Hello TPMs sign with it (all real samples do). The signed
    // TPMS_ATTEST is composed by the TPM; the client chooses only extraData (at most 64 bytes), which
    // leaves no room for the blocks of a chosen-prefix collision.
    {-65535, "RS1", EVP_PKEY_RSA, false, EVP_sha1},
};
constexpr const char* kAcceptedAlgs = "-257 RS256, -37 PS256, -7 ES256, -35 ES384, -36 ES512, -65535 RS1";

const SigAlg* FindAlg(int64_t cose) {
  for (const auto& a : kSigAlgs) {
    if (a.cose == cose) return &a;
  }
  return nullptr;
}

Result<void> RequireMembers(const AttStmt& st) {
  if (!st.ver) return Bad("ver is missing");
  if (*st.ver != "2.0") return Bad("ver must be \"2.0\"");
  if (!st.alg) return Bad("alg is missing");
  if (st.x5c.empty()) return Bad("x5c is empty");
  if (!st.sig) return Bad("sig is missing");
  if (st.sig->empty()) return Bad("sig is empty");
  if (!st.cert_info) return Bad("certInfo is missing");
  if (st.cert_info->empty()) return Bad("certInfo is empty");
  if (!st.pub_area) return Bad("pubArea is missing");
  if (st.pub_area->empty()) return Bad("pubArea is empty");
  return Ok();
}

// CheckSignature verifies sig over certInfo with the AK key as alg says.
Result<void> CheckSignature(X509* ak, const SigAlg& alg, ByteView sig, ByteView cert_info) {
  EVP_PKEY* key = X509_get0_pubkey(ak);
  if (key == nullptr) return Bad("AK certificate public key cannot be read");
  if (EVP_PKEY_get_base_id(key) != alg.key_type) {
    return Bad(std::string("alg ") + alg.name + " needs an " + (alg.key_type == EVP_PKEY_RSA ? "RSA" : "EC") +
               " AK key");
  }
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return Fail(Errc::kInternal, "EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx.get(), &pctx, alg.md(), nullptr, key) == 1;
  if (ok && alg.pss) {
    // TPM 2.0 Part 1 §B.7: the salt is as long as the digest at most; AUTO accepts what was used.
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), cert_info.data(), cert_info.size()) == 1;
  ERR_clear_error();
  if (!ok) return Bad(std::string("signature over certInfo does not verify (") + alg.name + ")");
  return Ok();
}

Result<void> CheckAttributes(uint32_t attrs) {
  if ((attrs & tpm::kAttrFixedTpm) == 0) return Bad("attested key is not fixedTPM");
  if ((attrs & tpm::kAttrFixedParent) == 0) return Bad("attested key is not fixedParent");
  if ((attrs & tpm::kAttrSensitiveDataOrigin) == 0) return Bad("attested key is not sensitiveDataOrigin (not made in the TPM)");
  if ((attrs & tpm::kAttrRestricted) != 0) return Bad("attested key is restricted");
  return Ok();
}

// KeyType checks the size rule (step 10) and names the key for the facts.
Result<std::string> KeyType(const tpm::Public& pub, EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  if (pub.type == tpm::kAlgRsa) {
    if (bits < 2048) return Bad("attested RSA key has " + std::to_string(bits) + " bits, want at least 2048");
    return "RSA-" + std::to_string(bits);
  }
  switch (pub.ecc_curve) {
    case tpm::kEccNistP256: return std::string("EC-P256");
    case tpm::kEccNistP384: return std::string("EC-P384");
    default: return std::string("EC-P521");  // PublicKey accepts no other curve
  }
}

std::string FirmwareVersion(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

Result<AttestedDevice> Verify(const AttStmt& st, ByteView expected_extra_data, const TrustRoots& roots, UnixTime at,
                              bool require_identifier) {
  CA_RETURN_IF_ERROR(RequireMembers(st));
  const SigAlg* alg = FindAlg(*st.alg);
  if (alg == nullptr) return Bad("alg " + std::to_string(*st.alg) + " is not supported (accepted: " + kAcceptedAlgs + ")");

  // Trust first, so nothing is read from a certificate nobody vouches for.
  if (auto chain = VerifyChain(st.x5c, roots, at); !chain) return Bad(chain.error().detail);
  auto ak = ossl::CertFromDer(st.x5c[0]);
  if (!ak) return Bad("AK certificate does not parse");
  CA_TRY(tpm::AkCertificate ak_info, tpm::ReadAkCertificate(ak->get()));
  if (require_identifier && ak_info.identifiers.empty()) return Bad("the AK certificate names no device identifier");

  auto cert_info = tpm::ParseAttest(*st.cert_info);
  if (!cert_info) return Bad("certInfo: " + cert_info.error().detail);
  auto pub = tpm::ParsePublic(*st.pub_area);
  if (!pub) return Bad("pubArea: " + pub.error().detail);
  CA_RETURN_IF_ERROR(CheckSignature(ak->get(), *alg, *st.sig, *st.cert_info));

  if (!ConstantTimeEqual(cert_info->extra_data, expected_extra_data)) {
    return Bad("certInfo.extraData does not match the key authorization");
  }
  CA_TRY(const Bytes name, tpm::ComputeName(pub->name_alg, *st.pub_area));
  if (cert_info->certified_name != name) return Bad("certInfo certifies another key than pubArea (Name differs)");
  CA_RETURN_IF_ERROR(CheckAttributes(pub->object_attributes));

  auto key = tpm::PublicKey(*pub);
  if (!key) {
    if (key.error().code == Errc::kInternal) return Fail(key.error());
    return Bad(key.error().detail);
  }
  CA_TRY(std::string key_type, KeyType(*pub, key->get()));
  auto spki = ossl::PublicKeyToDer(key->get());
  if (!spki) return Fail(Errc::kInternal, "tpm: attested key cannot be encoded");

  AttestedDevice dev;
  dev.format = "tpm";
  dev.identifiers = std::move(ak_info.identifiers);
  dev.spki_der = std::move(*spki);
  dev.spki_sha256_hex = Hex(ossl::Sha256(dev.spki_der));
  dev.facts["tpm_manufacturer"] = std::move(ak_info.manufacturer);
  dev.facts["tpm_model"] = std::move(ak_info.model);
  dev.facts["tpm_version"] = std::move(ak_info.version);
  dev.facts["tpm_firmware_version"] = FirmwareVersion(cert_info->firmware_version);
  dev.facts["key_type"] = std::move(key_type);
  dev.chain_der = st.x5c;
  return dev;
}

}  // namespace

Result<AttestedDevice> VerifyTpm(const AttStmt& st, std::string_view key_authorization, const TrustRoots& roots,
                                 UnixTime at) {
  return Verify(st, ossl::Sha256(AsBytes(key_authorization)), roots, at, /*require_identifier=*/true);
}

Result<AttestedDevice> VerifyTpmWithExtraData(const AttStmt& st, ByteView expected_extra_data, const TrustRoots& roots,
                                              UnixTime at) {
  return Verify(st, expected_extra_data, roots, at, /*require_identifier=*/false);
}

}  // namespace ca::attestation

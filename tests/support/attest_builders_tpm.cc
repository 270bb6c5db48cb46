// Minted TPM attestations (see attest_builders.h). The TPM structures are written here byte by byte,
// independently of attestation/tpm_structs.cc, so the tests check the parser against the spec
// layout rather than against itself.
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "common/check.h"
#include "der/oid.h"
#include "ossl/pem.h"
#include "ossl/types.h"
#include "support/attest_builders.h"
#include "support/csr_builder.h"

namespace ca::testing {
namespace {

void U16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void U32(Bytes& out, uint32_t v) {
  U16(out, static_cast<uint16_t>(v >> 16));
  U16(out, static_cast<uint16_t>(v));
}
void U64(Bytes& out, uint64_t v) {
  U32(out, static_cast<uint32_t>(v >> 32));
  U32(out, static_cast<uint32_t>(v));
}
void Tpm2b(Bytes& out, ByteView b) {
  U16(out, static_cast<uint16_t>(b.size()));
  out.insert(out.end(), b.begin(), b.end());
}

// Tlv encodes one DER element (definite, minimal length).
Bytes Tlv(uint8_t tag, ByteView content) {
  Bytes out{tag};
  const size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(n));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(n >> 8));
    out.push_back(static_cast<uint8_t>(n));
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes Oid(const std::string& dotted) {
  auto c = der::OidFromText(dotted);
  CA_CHECK(c.has_value());
  return Tlv(0x06, *c);
}
Bytes Utf8(std::string_view s) { return Tlv(0x0c, AsBytes(s)); }

Bytes Atv(const char* oid, std::string_view value) { return Tlv(0x30, Cat({Oid(oid), Utf8(value)})); }

// SanDer is the subjectAltName extnValue: directoryName with the TPM attributes, then the device
// identifier otherNames.
Bytes SanDer(const TpmSpec& spec) {
  const Bytes manufacturer = Atv("2.23.133.2.1", "id:54455354");  // "TEST"
  const Bytes model = Atv("2.23.133.2.2", "swtpm-test");
  const Bytes version = Atv("2.23.133.2.3", "id:00010002");
  const Bytes name = spec.spec_san_layout
                         ? Tlv(0x30, Cat({Tlv(0x31, manufacturer), Tlv(0x31, model), Tlv(0x31, version)}))
                         : Tlv(0x30, Tlv(0x31, Cat({version, model, manufacturer})));
  Bytes names = Tlv(0xa4, name);  // [4] directoryName (EXPLICIT: Name is a CHOICE)
  if (spec.permanent_identifier) {
    const std::string& v = *spec.permanent_identifier;
    const size_t slash = v.find('/');
    Bytes pi = Utf8(v.substr(0, slash));
    if (slash != std::string::npos) pi = Cat({pi, Oid(v.substr(slash + 1))});
    const Bytes other = Cat({Oid("1.3.6.1.5.5.7.8.3"), Tlv(0xa0, Tlv(0x30, pi))});
    names = Cat({names, Tlv(0xa0, other)});  // [0] otherName
  }
  if (spec.hardware_module_type) {
    const Bytes hw = Cat({Oid(*spec.hardware_module_type), Tlv(0x04, spec.hardware_module_serial)});
    const Bytes other = Cat({Oid("1.3.6.1.5.5.7.8.4"), Tlv(0xa0, Tlv(0x30, hw))});
    names = Cat({names, Tlv(0xa0, other)});
  }
  return Tlv(0x30, names);
}

std::string AkKeyGroup(int64_t alg) {
  if (alg == -7) return "P-256";
  if (alg == -35) return "P-384";
  if (alg == -36) return "P-521";
  return "RSA-2048";
}

// PubArea writes the TPMT_PUBLIC of key (nameAlg SHA-256, no policy, NULL schemes, exponent 0).
Bytes PubArea(EVP_PKEY* key, uint32_t attributes) {
  Bytes out;
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    BIGNUM* n = nullptr;
    CA_CHECK(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1);
    ossl::UniquePtr<BIGNUM> owned(n);
    const int bits = EVP_PKEY_get_bits(key);
    Bytes modulus(static_cast<size_t>(bits / 8));
    CA_CHECK(BN_bn2binpad(n, modulus.data(), static_cast<int>(modulus.size())) > 0);
    U16(out, 0x0001);
    U16(out, 0x000b);
    U32(out, attributes);
    U16(out, 0);       // authPolicy
    U16(out, 0x0010);  // symmetric NULL
    U16(out, 0x0010);  // scheme NULL
    U16(out, static_cast<uint16_t>(bits));
    U32(out, 0);  // exponent 0 = 65537
    Tpm2b(out, modulus);
    return out;
  }
  char group[32] = {};
  size_t len = 0;
  CA_CHECK(EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1);
  const std::string g(group, len);
  const uint16_t curve = g == "prime256v1" ? 0x0003 : g == "secp384r1" ? 0x0004 : 0x0005;
  unsigned char point[1 + 2 * 66];
  size_t plen = 0;
  CA_CHECK(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &plen) == 1);
  const size_t field = (plen - 1) / 2;
  U16(out, 0x0023);
  U16(out, 0x000b);
  U32(out, attributes);
  U16(out, 0);
  U16(out, 0x0010);
  U16(out, 0x0018);  // ECDSA
  U16(out, 0x000b);  //   with SHA-256
  U16(out, curve);
  U16(out, 0x0010);  // kdf NULL
  Tpm2b(out, ByteView(point + 1, field));
  Tpm2b(out, ByteView(point + 1 + field, field));
  return out;
}

// CBOR (RFC 8949 §3): a head with the shortest argument, then the content.
void CborHead(Bytes& out, uint8_t major, uint64_t v) {
  const uint8_t m = static_cast<uint8_t>(major << 5);
  if (v < 24) {
    out.push_back(static_cast<uint8_t>(m | v));
  } else if (v < 0x100) {
    out.push_back(m | 24);
    out.push_back(static_cast<uint8_t>(v));
  } else if (v < 0x10000) {
    out.push_back(m | 25);
    U16(out, static_cast<uint16_t>(v));
  } else {
    out.push_back(m | 26);
    U32(out, static_cast<uint32_t>(v));
  }
}
void CborText(Bytes& out, std::string_view s) {
  CborHead(out, 3, s.size());
  out.insert(out.end(), s.begin(), s.end());
}
void CborBytes(Bytes& out, ByteView b) {
  CborHead(out, 2, b.size());
  out.insert(out.end(), b.begin(), b.end());
}

ossl::UniquePtr<EVP_PKEY> AttestedKey(const std::string& key) {
  if (key.rfind("RSA-", 0) == 0) return MakeRsaKey(std::stoi(key.substr(4)));
  return MakeEcKey(key);
}

}  // namespace

Bytes TpmExtraDataFor(std::string_view key_authorization) { return ossl::Sha256(AsBytes(key_authorization)); }

Bytes TpmNameOf(ByteView pub_area) {
  Bytes name{0x00, 0x0b};
  const Bytes h = ossl::Sha256(pub_area);
  name.insert(name.end(), h.begin(), h.end());
  return name;
}

Bytes TpmCertInfo(ByteView name, ByteView extra_data) {
  Bytes out;
  U32(out, 0xff544347);  // TPM_GENERATED_VALUE
  U16(out, 0x8017);      // TPM_ST_ATTEST_CERTIFY
  Bytes signer{0x00, 0x0b};
  signer.resize(34, 0x5a);
  Tpm2b(out, signer);  // qualifiedSigner
  Tpm2b(out, extra_data);
  U64(out, 123456789);  // clockInfo.clock
  U32(out, 7);          // resetCount
  U32(out, 3);          // restartCount
  out.push_back(1);     // safe
  U64(out, 0x0001000200030004);  // firmwareVersion
  Tpm2b(out, name);
  Bytes qualified{0x00, 0x0b};
  qualified.resize(34, 0xa5);
  Tpm2b(out, qualified);
  return out;
}

Bytes TpmSign(EVP_PKEY* key, int64_t alg, ByteView data) {
  const EVP_MD* md = alg == -65535 ? EVP_sha1() : alg == -35 ? EVP_sha384() : alg == -36 ? EVP_sha512() : EVP_sha256();
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  CA_CHECK(EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key) == 1);
  if (alg == -37) {
    CA_CHECK(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
    CA_CHECK(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
  }
  size_t len = 0;
  CA_CHECK(EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) == 1);
  Bytes sig(len);
  CA_CHECK(EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) == 1);
  sig.resize(len);
  return sig;
}

TpmTestAttestation MakeTpmAttestation(const TpmSpec& spec) {
  TpmTestAttestation out;
  CertSpec root;
  root.common_name = "Test TPM Attestation Root CA";
  root.not_before = spec.not_before - 86400;
  root.not_after = spec.not_after + 3650 * 86400;
  root.is_ca = true;
  out.root = MakeCert(root, nullptr);
  CertSpec sub = root;
  sub.common_name = "Test TPM AK Issuing CA";
  out.intermediate = MakeCert(sub, &out.root);

  CertSpec ak;
  ak.empty_subject = spec.ak_empty_subject;
  ak.common_name = "not an AK subject";
  ak.is_ca = spec.ak_is_ca;
  ak.key_group = AkKeyGroup(spec.alg);
  ak.not_before = spec.not_before;
  ak.not_after = spec.not_after;
  ak.extensions.push_back({"2.5.29.17", SanDer(spec), true});
  if (spec.ak_eku) ak.extensions.push_back({"2.5.29.37", Tlv(0x30, Oid("2.23.133.8.3")), false});
  out.ak = MakeCert(ak, &out.intermediate);

  out.key = AttestedKey(spec.key);
  const Bytes pub_area = PubArea(out.key.get(), spec.object_attributes);
  const Bytes cert_info = TpmCertInfo(TpmNameOf(pub_area), spec.extra_data);
  out.stmt.ver = "2.0";
  out.stmt.alg = spec.alg;
  out.stmt.x5c = {out.ak.der, out.intermediate.der};
  out.stmt.sig = TpmSign(out.ak.key.get(), spec.alg, cert_info);
  out.stmt.cert_info = cert_info;
  out.stmt.pub_area = pub_area;
  return out;
}

Bytes TpmAttObj(const attestation::AttStmt& st) {
  Bytes stmt;
  size_t members = 0;
  if (st.ver) {
    CborText(stmt, "ver");
    CborText(stmt, *st.ver);
    ++members;
  }
  if (st.alg) {
    CborText(stmt, "alg");
    if (*st.alg < 0) {
      CborHead(stmt, 1, static_cast<uint64_t>(-1 - *st.alg));
    } else {
      CborHead(stmt, 0, static_cast<uint64_t>(*st.alg));
    }
    ++members;
  }
  CborText(stmt, "x5c");
  CborHead(stmt, 4, st.x5c.size());
  for (const auto& c : st.x5c) CborBytes(stmt, c);
  ++members;
  const std::pair<const char*, const std::optional<Bytes>*> bytes_members[] = {
      {"sig", &st.sig}, {"certInfo", &st.cert_info}, {"pubArea", &st.pub_area}};
  for (const auto& [key, value] : bytes_members) {
    if (!*value) continue;
    CborText(stmt, key);
    CborBytes(stmt, **value);
    ++members;
  }
  Bytes out;
  CborHead(out, 5, 2);
  CborText(out, "fmt");
  CborText(out, "tpm");
  CborText(out, "attStmt");
  CborHead(out, 5, members);
  out.insert(out.end(), stmt.begin(), stmt.end());
  return out;
}

}  // namespace ca::testing

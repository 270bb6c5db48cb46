#include "bench_data.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "attestation/key_description.h"
#include "attestation/leaf_extensions.h"
#include "ossl/pem.h"
#include "ossl/types.h"

#ifndef ATTESTCA_SHARED_DIR
#error "bench/CMakeLists.txt defines ATTESTCA_SHARED_DIR"
#endif

namespace ca::bench {
namespace {

// CBOR head (RFC 8949 §3): major type and argument, shortest form.
void Head(Bytes* out, uint8_t major, uint64_t n) {
  const uint8_t m = static_cast<uint8_t>(major << 5);
  if (n < 24) {
    out->push_back(static_cast<uint8_t>(m | n));
    return;
  }
  int len = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffff ? 4 : 8;
  out->push_back(static_cast<uint8_t>(m | (len == 1 ? 24 : len == 2 ? 25 : len == 4 ? 26 : 27)));
  for (int i = len - 1; i >= 0; --i) out->push_back(static_cast<uint8_t>(n >> (8 * i)));
}

void Text(Bytes* out, std::string_view s) {
  Head(out, 3, s.size());
  out->insert(out->end(), s.begin(), s.end());
}

void Bstr(Bytes* out, ByteView b) {
  Head(out, 2, b.size());
  out->insert(out->end(), b.begin(), b.end());
}

// The published freshness preimage of darkbloom-f99b7905 (amiller/devproof-audits-guide
// CHAIN-OF-TRUST.md; tests/attestation/apple_test.cc checks it too).
constexpr const char* kF99b7905Token =
    "qKxKds4zZk81flmOxcOmQVYSL0xkeg88tLBfXd7ghhJ/QYjW5ZKBAzASJ0TPwseWv38jW61NESGDtGsJqdzJ9Q==";

Bytes FromHex(const std::string& hex) {
  Require(hex.size() % 2 == 0, "hex string", hex);
  Bytes out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

}  // namespace

void Require(bool ok, std::string_view what, std::string_view detail) {
  if (ok) return;
  // Copies: a default string_view's data() is null, which %.*s must not be given.
  std::fprintf(stderr, "attestation_bench: %s failed: %s\n", std::string(what).c_str(), std::string(detail).c_str());
  std::abort();
}

std::string ReadShared(const std::string& rel) {
  const char* env = std::getenv("ATTESTCA_SHARED_DIR");
  const std::string path = std::string(env != nullptr && *env != '\0' ? env : ATTESTCA_SHARED_DIR) + "/" + rel;
  std::ifstream f(path, std::ios::binary);
  Require(f.good(), "reading " + path, "missing (set ATTESTCA_SHARED_DIR to the shared/ folder)");
  std::ostringstream content;  // not istreambuf_iterator: g++ 12 -O3 warns of a null dereference in it
  content << f.rdbuf();
  return content.str();
}

std::vector<Bytes> DerChainFromPem(const std::string& pem) {
  auto certs = Must(ossl::CertsFromPem(pem), "PEM chain");
  std::vector<Bytes> out;
  for (auto& c : certs) out.push_back(Must(ossl::CertToDer(c.get()), "certificate to DER"));
  return out;
}

UnixTime At(const std::string& rfc3339) {
  UnixTime t = 0;
  Require(ParseRfc3339(rfc3339, &t), "RFC 3339 time", rfc3339);
  return t;
}

Bytes AttObjCbor(std::string_view fmt, const std::vector<Bytes>& x5c, std::optional<int64_t> alg,
                 const std::optional<Bytes>& sig) {
  Bytes out;
  Head(&out, 5, 2);
  Text(&out, "fmt");
  Text(&out, fmt);
  Text(&out, "attStmt");
  Head(&out, 5, 1 + (alg ? 1 : 0) + (sig ? 1 : 0));
  if (alg) {
    Text(&out, "alg");
    if (*alg >= 0) {
      Head(&out, 0, static_cast<uint64_t>(*alg));
    } else {
      Head(&out, 1, static_cast<uint64_t>(-1 - *alg));
    }
  }
  if (sig) {
    Text(&out, "sig");
    Bstr(&out, *sig);
  }
  Text(&out, "x5c");
  Head(&out, 4, x5c.size());
  for (const auto& c : x5c) Bstr(&out, c);
  return out;
}

AppleSample RealApple() {
  AppleSample s;
  s.x5c = DerChainFromPem(ReadShared("vectors/samples/apple-mda/darkbloom-f99b7905.chain.pem"));
  s.token = kF99b7905Token;
  s.at = At("2026-04-29T19:37:06Z");  // its pinned time (shared/vectors/manifest.json)
  return s;
}

YubiKeySample RealYubiKey(const std::string& name, const std::string& pinned) {
  const std::string base = "vectors/samples/yubikey-piv/" + name;
  return {{ToBytes(ReadShared(base + ".leaf.der")), ToBytes(ReadShared(base + ".f9.der"))}, At(pinned)};
}

MintedStep MintStep() {
  MintedStep m;
  testing::CertSpec root;
  root.common_name = "Bench Yubico-like PIV Root";
  root.is_ca = true;
  root.not_after = root.not_before + 20 * 365 * 86400;
  m.root = testing::MakeCert(root, nullptr);
  testing::CertSpec f9 = root;
  f9.common_name = "Bench YubiKey PIV Attestation";
  m.f9 = testing::MakeCert(f9, &m.root);
  testing::CertSpec leaf;
  leaf.common_name = "YubiKey PIV Attestation 9a";
  leaf.key_group = "P-256";
  leaf.extensions = {{"1.3.6.1.4.1.41482.3.3", Bytes{5, 7, 4}},                           // firmware
                     {"1.3.6.1.4.1.41482.3.7", Bytes{0x02, 0x04, 0x00, 0xf0, 0x0f, 0x14}},  // serial
                     {"1.3.6.1.4.1.41482.3.8", Bytes{2, 1}},                                // once, never
                     {"1.3.6.1.4.1.41482.3.9", Bytes{4}}};                                  // USB-C nano
  m.leaf = testing::MakeCert(leaf, &m.f9);
  Require(m.roots.AddRootsPem(m.root.pem).has_value(), "minted step root");
  m.x5c = {m.leaf.der, m.f9.der};
  m.at = leaf.not_before + 86400;
  return m;
}

TpmSample RealTpm(const std::string& name, const std::string& extra_data_hex, const std::string& pinned) {
  TpmSample s;
  const std::string cbor = ReadShared("vectors/samples/webauthn/tpm/" + name + ".attestationObject.cbor");
  auto obj = Must(attestation::DecodeAttestationObject(AsBytes(cbor)), "DecodeAttestationObject " + name);
  Require(obj.fmt == "tpm", "tpm sample format", obj.fmt);
  s.st = std::move(obj.att_stmt);
  s.extra_data = FromHex(extra_data_hex);
  Require(s.roots.AddRootsPem(ReadShared("vectors/roots/microsoft-tpm-root-ca-2014.pem")).has_value(),
          "Microsoft TPM Root CA 2014");
  s.at = At(pinned);
  return s;
}

MintedTpm MintTpm() {
  MintedTpm m;
  testing::TpmSpec spec;  // ES256 AK, P-256 attested key, PermanentIdentifier "TPM-0123456789"
  spec.extra_data = testing::TpmExtraDataFor(kKeyAuthorization);
  m.att = testing::MakeTpmAttestation(spec);
  Require(m.roots.AddRootsPem(m.att.root.pem).has_value(), "minted tpm root");
  m.at = spec.not_before + 86400;
  return m;
}

AndroidChainSample RealAndroidWebAuthn(const std::string& name, const std::string& pinned) {
  const std::string cbor = ReadShared("vectors/samples/webauthn/android-key/" + name + ".attestationObject.cbor");
  auto obj = Must(attestation::DecodeAttestationObject(AsBytes(cbor)), "DecodeAttestationObject " + name);
  Require(obj.fmt == "android-key", "android-key sample format", obj.fmt);
  return {std::move(obj.att_stmt.x5c), At(pinned)};
}

AndroidChainSample RealAndroidChain(const std::string& dir, const std::string& pinned) {
  const std::string base = "vectors/samples/android-key-chains/" + dir + "/";
  AndroidChainSample s;
  for (const char* f : {"cert0.der", "cert1.der", "cert2.der", "cert3.der"}) s.x5c.push_back(ToBytes(ReadShared(base + f)));
  s.at = At(pinned);
  return s;
}

MintedAndroid MintAndroid() {
  MintedAndroid m;
  testing::KeyDescriptionSpec spec;  // TEE, attestationIdSerial "ANDROIDSERIAL01", verified boot
  spec.challenge = ToBytes(kKeyAuthorization);
  m.chain = testing::MakeAndroidChain(testing::MakeKeyDescription(spec));
  m.st.alg = -7;
  m.st.x5c = m.chain.x5c;
  m.st.sig = testing::SignKeyAuth(m.chain.leaf.key.get(), kKeyAuthorization);
  Require(m.roots.AddRootsPem(m.chain.root.pem).has_value(), "minted android-key root");
  m.at = 1750000000;  // 2025-06-15: inside the test root's and intermediate's 2020-2039 validity
  return m;
}

Bytes KeyDescriptionOf(const Bytes& cert_der) {
  auto cert = Must(ossl::CertFromDer(cert_der), "certificate DER");
  constexpr std::array<attestation::ExtInfo, 1> kExt = {{{attestation::kKeyDescriptionOid, "KeyDescription"}}};
  const auto ext = Must(attestation::FindExtensions(cert.get(), kExt, "android-key"), "KeyDescription extension");
  Require(ext[0].has_value(), "KeyDescription extension", "the certificate has none");
  return Bytes(ext[0]->begin(), ext[0]->end());  // a copy: the view points into cert
}

Bytes StepSig(EVP_PKEY* key, std::string_view msg) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  const ByteView m = AsBytes(msg);
  size_t len = 0;
  Require(ctx != nullptr && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestSign(ctx.get(), nullptr, &len, m.data(), m.size()) == 1,
          "ECDSA sign");
  Bytes der(len);
  Require(EVP_DigestSign(ctx.get(), der.data(), &len, m.data(), m.size()) == 1, "ECDSA sign");
  der.resize(len);
  Bytes out;
  Bstr(&out, der);
  return out;
}

}  // namespace ca::bench

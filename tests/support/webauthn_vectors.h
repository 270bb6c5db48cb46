#pragma once
// Reading the parts of a real WebAuthn attestationObject (shared/vectors/samples/webauthn) that
// DecodeAttestationObject does not keep: authData (WebAuthn §6.1) and the credential public key
// (COSE_Key, RFC 9052 §7 / RFC 9053 §7), so tests can tie a sample's certificates to its
// credential and its clientDataJSON. Test-only; every read is bounded and a malformed sample is
// a test failure (nullopt plus an EXPECT).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cbor/reader.h"
#include "common/bytes.h"

namespace ca::testing {

// ReadAuthData returns the attestationObject's "authData" byte string.
inline std::optional<Bytes> ReadAuthData(ByteView attestation_object) {
  auto top = cbor::Parse(attestation_object);
  EXPECT_TRUE(top.has_value());
  if (!top) return std::nullopt;
  auto map = top->AsMap();
  EXPECT_TRUE(map.has_value());
  if (!map) return std::nullopt;
  auto v = map->Find("authData");
  EXPECT_TRUE(v.has_value()) << "attestationObject has no authData";
  if (!v) return std::nullopt;
  auto b = v->AsBytes();
  EXPECT_TRUE(b.has_value());
  if (!b) return std::nullopt;
  return Bytes(b->begin(), b->end());
}

// AuthData is authenticatorData with attestedCredentialData (flag AT, 0x40), WebAuthn §6.1 and §6.5.1.
struct AuthData {
  Bytes rp_id_hash;  // 32 bytes
  uint8_t flags = 0;
  uint32_t sign_count = 0;
  Bytes aaguid;  // 16 bytes
  Bytes credential_id;
  Bytes credential_public_key;  // one CBOR item: the COSE_Key, as encoded
};

inline std::optional<AuthData> ParseAuthData(ByteView a) {
  constexpr size_t kFixed = 32 + 1 + 4 + 16 + 2;
  EXPECT_GE(a.size(), kFixed);
  if (a.size() < kFixed) return std::nullopt;
  AuthData out;
  out.rp_id_hash.assign(a.begin(), a.begin() + 32);
  out.flags = a[32];
  out.sign_count = (uint32_t{a[33]} << 24) | (uint32_t{a[34]} << 16) | (uint32_t{a[35]} << 8) | a[36];
  EXPECT_TRUE(out.flags & 0x40) << "no attested credential data";
  if (!(out.flags & 0x40)) return std::nullopt;
  out.aaguid.assign(a.begin() + 37, a.begin() + 53);
  const size_t id_len = (size_t{a[53]} << 8) | a[54];
  EXPECT_LE(id_len, a.size() - kFixed);
  if (id_len > a.size() - kFixed) return std::nullopt;
  out.credential_id.assign(a.begin() + kFixed, a.begin() + kFixed + id_len);
  // The COSE_Key is the next CBOR item; extensions (flag ED) may follow it.
  cbor::Reader r(a.subspan(kFixed + id_len));
  auto key = r.ReadItem();
  EXPECT_TRUE(key.has_value()) << key.error().detail;
  if (!key) return std::nullopt;
  out.credential_public_key.assign(key->encoded().begin(), key->encoded().end());
  EXPECT_TRUE(r.Empty() || (out.flags & 0x80)) << "bytes after the credential key without extensions";
  return out;
}

// CoseKeyAlg returns the COSE_Key's alg (label 3).
inline std::optional<int64_t> CoseKeyAlg(ByteView cose_key) {
  auto v = cbor::Parse(cose_key);
  if (!v) return std::nullopt;
  auto m = v->AsMap();
  if (!m) return std::nullopt;
  auto alg = m->Find(int64_t{3});
  if (!alg) return std::nullopt;
  auto i = alg->AsInt();
  return i ? std::optional<int64_t>(*i) : std::nullopt;
}

// CoseKeySpki re-encodes an EC2 P-256 or OKP Ed25519 COSE_Key as a DER SubjectPublicKeyInfo (RFC
// 5480 uncompressed point / RFC 8410): fixed DER prefixes plus the key bytes, no arithmetic. Other
// key types: nullopt (the vectors' credential keys are only these two).
inline std::optional<Bytes> CoseKeySpki(ByteView cose_key) {
  auto v = cbor::Parse(cose_key);
  if (!v) return std::nullopt;
  auto m = v->AsMap();
  if (!m) return std::nullopt;
  auto int_at = [&](int64_t label) -> std::optional<int64_t> {
    auto x = m->Find(label);
    if (!x) return std::nullopt;
    auto i = x->AsInt();
    return i ? std::optional<int64_t>(*i) : std::nullopt;
  };
  auto bytes_at = [&](int64_t label) -> std::optional<Bytes> {
    auto x = m->Find(label);
    if (!x) return std::nullopt;
    auto b = x->AsBytes();
    return b ? std::optional<Bytes>(Bytes(b->begin(), b->end())) : std::nullopt;
  };
  const auto kty = int_at(1);
  const auto crv = int_at(-1);
  const auto x = bytes_at(-2);
  if (!kty || !crv || !x || x->size() != 32) return std::nullopt;
  if (*kty == 2 && *crv == 1) {  // EC2, P-256
    const auto y = bytes_at(-3);
    if (!y || y->size() != 32) return std::nullopt;
    Bytes spki = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                  0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
    spki.insert(spki.end(), x->begin(), x->end());
    spki.insert(spki.end(), y->begin(), y->end());
    return spki;
  }
  if (*kty == 1 && *crv == 6) {  // OKP, Ed25519
    Bytes spki = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    spki.insert(spki.end(), x->begin(), x->end());
    return spki;
  }
  return std::nullopt;
}

}  // namespace ca::testing

#include "attestation/step.h"
#include "attestation/key_auth_signature.h"
#include "attestation/leaf_extensions.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "cbor/reader.h"
#include "der/oid.h"
#include "der/reader.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::attestation {
namespace {

// The YubiKey extensions read from the slot attestation leaf (arc 1.3.6.1.4.1.41482.3).
enum Ext : size_t {
  kFirmware,    // 3.3 3 raw bytes: major, minor, patch
  kSerial,      // 3.7 DER INTEGER
  kPolicy,      // 3.8 2 raw bytes: PIN policy, touch policy
  kFormFactor,  // 3.9 1 raw byte
  kExtCount,
};

constexpr std::array<ExtInfo, kExtCount> kExts = {{
    {"1.3.6.1.4.1.41482.3.3", "firmware version"},
    {"1.3.6.1.4.1.41482.3.7", "serial number"},
    {"1.3.6.1.4.1.41482.3.8", "PIN/touch policy"},
    {"1.3.6.1.4.1.41482.3.9", "form factor"},
}};

tl::unexpected<Error> Bad(const std::string& detail) { return Fail(Errc::kBadAttestation, "step: " + detail); }


// Yubico's PIN policy codes (yubikey-manager PIN_POLICY; 0 "default" never appears in an attestation).
std::string PinPolicy(uint8_t v) {
  switch (v) {
    case 1: return "never";
    case 2: return "once";
    case 3: return "always";
    default: return std::to_string(v);
  }
}

std::string TouchPolicy(uint8_t v) {
  switch (v) {
    case 1: return "never";
    case 2: return "always";
    case 3: return "cached";  // touch cached for 15 seconds
    default: return std::to_string(v);
  }
}

// FormFactor decodes yubikey-manager FORM_FACTOR (low bits) and its flags 0x80 FIPS, 0x40 CSPN.
std::string FormFactor(uint8_t v) {
  static constexpr std::array<const char*, 8> kNames = {
      "unknown",        "USB-A keychain", "USB-A nano",      "USB-C keychain",
      "USB-C nano",     "USB-C Lightning", "USB-A Bio",      "USB-C Bio",
  };
  const uint8_t code = v & 0x3f;
  std::string out = code < kNames.size() ? kNames[code] : std::to_string(code);
  if (v & 0x80) out += " (FIPS)";
  if (v & 0x40) out += " (CSPN)";
  return out;
}

}  // namespace

Result<AttestedDevice> ParseStepLeaf(ByteView leaf_der) {
  auto leaf = ossl::CertFromDer(leaf_der);
  if (!leaf) return Bad("leaf does not parse");
  CA_TRY(const auto ext, FindExtensions(leaf->get(), kExts, "step"));

  AttestedDevice dev;
  dev.format = "step";
  if (!ext[kSerial]) return Bad("leaf has no serial number extension (1.3.6.1.4.1.41482.3.7)");
  der::Reader r(*ext[kSerial]);
  const auto serial = r.ReadUint64();
  if (!serial || !r.Empty()) return Bad("serial number extension is not a non-negative DER INTEGER");
  dev.identifiers.push_back({"serial", std::to_string(*serial)});

  if (ext[kFirmware]) {
    const ByteView v = *ext[kFirmware];
    if (v.size() != 3) return Bad("firmware version extension is not 3 bytes");
    dev.facts["firmware"] = std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
  }
  if (ext[kPolicy]) {
    const ByteView v = *ext[kPolicy];
    if (v.size() != 2) return Bad("PIN/touch policy extension is not 2 bytes");
    dev.facts["pin_policy"] = PinPolicy(v[0]);
    dev.facts["touch_policy"] = TouchPolicy(v[1]);
  }
  if (ext[kFormFactor]) {
    const ByteView v = *ext[kFormFactor];
    if (v.size() != 1) return Bad("form factor extension is not 1 byte");
    dev.facts["form_factor"] = FormFactor(v[0]);
  }

  CA_RETURN_IF_ERROR(SetAttestedKey(leaf->get(), "step", dev));
  return dev;
}

Result<AttestedDevice> VerifyStep(const AttStmt& st, std::string_view key_authorization, const TrustRoots& roots,
                                  UnixTime at) {
  if (st.x5c.empty()) return Bad("x5c is empty");
  // Trust first, so nothing is read from a leaf nobody vouches for.
  if (auto chain = VerifyChain(st.x5c, roots, at); !chain) return Bad(chain.error().detail);
  CA_TRY(AttestedDevice dev, ParseStepLeaf(st.x5c[0]));

  if (!st.sig) return Bad("sig is missing");
  auto wrapped = cbor::Parse(*st.sig);
  if (!wrapped) return Bad("sig is malformed (not a CBOR byte string)");
  auto sig = wrapped->AsBytes();
  if (!sig) return Bad("sig is malformed (not a CBOR byte string)");
  if (sig->empty()) return Bad("sig is empty");
  // The attested key ParseStepLeaf read, not a third decode of the leaf certificate.
  auto key = ossl::PublicKeyFromDer(dev.spki_der);
  if (!key) return Bad("leaf key does not parse");
  CA_RETURN_IF_ERROR(CheckKeyAuthSignature(key->get(), *sig, key_authorization, "step"));

  dev.chain_der = st.x5c;
  return dev;
}

}  // namespace ca::attestation

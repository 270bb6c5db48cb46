#include "attestation/apple.h"
#include "attestation/leaf_extensions.h"

#include <array>
#include <optional>
#include <string>

#include "der/oid.h"
#include "der/reader.h"
#include "ossl/pem.h"
#include "ossl/types.h"

namespace ca::attestation {
namespace {

// The Apple extensions read from the leaf (arc 1.2.840.113635.100.8).
enum Ext : size_t {
  kSerial,       // 8.9.1  ASCII
  kUdid,         // 8.9.2  ASCII
  kSwUpdateId,   // 8.9.4  ASCII
  kOsVersion,    // 8.10.1 ASCII
  kSepOsVersion, // 8.10.2 ASCII
  kLlbVersion,   // 8.10.3 ASCII
  kNonce,        // 8.11.1 32 raw bytes
  kSip,          // 8.13.1 DER INTEGER (0 = enabled)
  kSecureBoot,   // 8.13.2 ASCII
  kKexts,        // 8.13.3 DER INTEGER (0 = not allowed)
  kExtCount,
};

constexpr std::array<ExtInfo, kExtCount> kExts = {{
    {"1.2.840.113635.100.8.9.1", "serial number"},
    {"1.2.840.113635.100.8.9.2", "UDID"},
    {"1.2.840.113635.100.8.9.4", "software update device ID"},
    {"1.2.840.113635.100.8.10.1", "OS version"},
    {"1.2.840.113635.100.8.10.2", "sepOS version"},
    {"1.2.840.113635.100.8.10.3", "LLB version"},
    {"1.2.840.113635.100.8.11.1", "nonce"},
    {"1.2.840.113635.100.8.13.1", "SIP status"},
    {"1.2.840.113635.100.8.13.2", "secure boot"},
    {"1.2.840.113635.100.8.13.3", "kernel extension policy"},
}};

constexpr size_t kNonceLen = 32;

tl::unexpected<Error> Bad(const std::string& detail) { return Fail(Errc::kBadAttestation, "apple: " + detail); }


bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// Text returns an ASCII extension value; empty (Apple blanks what it cannot vouch for) is allowed.
Result<std::string> Text(ByteView value, Ext which) {
  const std::string_view s = AsChars(value);
  if (!IsPrintableAscii(s)) return Bad(std::string(kExts[which].name) + " extension is not printable ASCII");
  return std::string(s);
}

// Integer reads a 13.x policy value: INTEGER, nothing after it.
Result<int64_t> Integer(ByteView value, Ext which) {
  der::Reader r(value);
  auto v = r.ReadInt64();
  if (!v || !r.Empty()) return Bad(std::string(kExts[which].name) + " extension is not a DER INTEGER");
  return *v;
}

std::string SecureBootLevel(const std::string& text) {
  if (text == "Full Security") return "full";
  if (text == "Reduced Security") return "reduced";
  if (text == "Permissive Security") return "permissive";
  return text;
}

Result<void> CheckNonce(const std::optional<Bytes>& nonce, std::string_view token, bool require_nonce) {
  if (!nonce) {
    if (require_nonce) return Bad("leaf has no nonce (freshness) extension");
    return Ok();
  }
  if (nonce->size() != kNonceLen) return Bad("nonce extension is not 32 bytes");
  const Bytes want = ossl::Sha256(AsBytes(token));
  if (!ConstantTimeEqual(*nonce, want)) return Bad("nonce does not match the challenge");
  return Ok();
}

}  // namespace

Result<AppleLeaf> ParseAppleLeaf(ByteView leaf_der) {
  auto leaf = ossl::CertFromDer(leaf_der);
  if (!leaf) return Bad("leaf does not parse");
  return ParseAppleLeaf(leaf->get());
}

Result<AppleLeaf> ParseAppleLeaf(X509* leaf) {
  CA_TRY(const auto ext, FindExtensions(leaf, kExts, "apple"));

  AppleLeaf out;
  AttestedDevice& dev = out.device;
  dev.format = "apple";
  if (ext[kNonce]) out.nonce = Bytes(ext[kNonce]->begin(), ext[kNonce]->end());
  if (!ext[kSerial]) return Bad("leaf has no serial number extension");
  CA_TRY(std::string serial, Text(*ext[kSerial], kSerial));
  if (serial.empty()) return Bad("leaf has an empty serial number extension");
  dev.identifiers.push_back({"serial", std::move(serial)});
  if (ext[kUdid]) {
    CA_TRY(std::string udid, Text(*ext[kUdid], kUdid));
    if (!udid.empty()) dev.identifiers.push_back({"udid", std::move(udid)});
  }

  const std::array<std::pair<Ext, const char*>, 5> text_facts = {{
      {kOsVersion, "os_version"},
      {kSepOsVersion, "sep_os_version"},
      {kLlbVersion, "llb_version"},
      {kSwUpdateId, "software_update_device_id"},
      {kSecureBoot, "secure_boot"},
  }};
  for (const auto& [which, key] : text_facts) {
    if (!ext[which]) continue;
    CA_TRY(std::string v, Text(*ext[which], which));
    if (v.empty()) continue;
    dev.facts[key] = which == kSecureBoot ? SecureBootLevel(v) : v;
  }
  if (ext[kSip]) {
    CA_TRY(const int64_t v, Integer(*ext[kSip], kSip));
    dev.facts["sip"] = v == 0 ? "true" : "false";
  }
  if (ext[kKexts]) {
    CA_TRY(const int64_t v, Integer(*ext[kKexts], kKexts));
    dev.facts["third_party_kexts"] = v == 0 ? "false" : "true";
  }

  CA_RETURN_IF_ERROR(SetAttestedKey(leaf, "apple", dev));
  return out;
}

Result<AttestedDevice> VerifyApple(const std::vector<Bytes>& x5c, std::string_view token, bool require_nonce,
                                   const TrustRoots& roots, UnixTime at) {
  if (x5c.empty()) return Bad("x5c is empty");
  // Trust first, so nothing is read from a leaf nobody vouches for.
  auto chain = VerifyChainPath(x5c, roots, at, ChainOptions{});
  if (!chain) return Bad(chain.error().detail);
  if (chain->path.empty()) return Bad("chain check returned no path");
  // The leaf as the chain check parsed it (parsing a certificate decodes its key: ~0.3 ms in 3.0).
  CA_TRY(AppleLeaf leaf, ParseAppleLeaf(chain->path.front().get()));
  CA_RETURN_IF_ERROR(CheckNonce(leaf.nonce, token, require_nonce));
  leaf.device.chain_der = x5c;
  return std::move(leaf.device);
}

}  // namespace ca::attestation

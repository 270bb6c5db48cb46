#include "attestation/key_description.h"

#include <string>

#include "der/reader.h"

namespace ca::attestation {
namespace {

// The AuthorizationList tags we read (KeyMint Tag numbers without their type bits).
enum : uint32_t {
  kPurpose = 1,
  kAlgorithm = 2,
  kKeySize = 3,
  kOrigin = 702,
  kRootOfTrust = 704,
  kOsVersion = 705,
  kOsPatchLevel = 706,
  kAttestationIdSerial = 713,
  kVendorPatchLevel = 718,
  kBootPatchLevel = 719,
};

constexpr size_t kMaxPurposes = 16;

// Parser keeps the start of the extension so every error names its offset.
class Parser {
 public:
  explicit Parser(ByteView whole) : whole_(whole) {}

  tl::unexpected<Error> Bad(const der::Reader& at, const std::string& what) const {
    const size_t offset = static_cast<size_t>(at.Rest().data() - whole_.data());
    return Fail(Errc::kMalformed, "KeyDescription: " + what + " at offset " + std::to_string(offset));
  }

  Result<KeyDescription> Parse() {
    der::Reader outer(whole_);
    auto seq = outer.ReadTag(der::kSequence);
    if (!seq) return Bad(outer, "expected SEQUENCE");
    if (!outer.Empty()) return Bad(outer, "trailing bytes after KeyDescription");
    der::Reader& r = *seq;

    KeyDescription kd;
    CA_TRY(kd.attestation_version, Integer(r, der::kInteger, "attestationVersion"));
    CA_TRY(kd.attestation_security_level, Level(r, "attestationSecurityLevel"));
    CA_TRY(kd.keymint_version, Integer(r, der::kInteger, "keyMintVersion"));
    CA_TRY(kd.keymint_security_level, Level(r, "keyMintSecurityLevel"));
    CA_TRY(kd.attestation_challenge, Octets(r, "attestationChallenge"));
    if (kd.attestation_challenge.size() > kMaxChallengeBytes) {
      return Bad(r, "attestationChallenge longer than " + std::to_string(kMaxChallengeBytes) + " bytes");
    }
    CA_TRY(kd.unique_id, Octets(r, "uniqueId"));
    CA_TRY(kd.software_enforced, List(r, "softwareEnforced"));
    CA_TRY(kd.hardware_enforced, List(r, "hardwareEnforced"));
    if (!r.Empty()) return Bad(r, "unexpected element after hardwareEnforced");
    return kd;
  }

 private:
  Result<int64_t> Integer(der::Reader& r, der::Tag tag, const std::string& what) const {
    auto v = r.ReadInt64(tag);
    if (!v) return Bad(r, what + ": expected " + (tag == der::kEnumerated ? "ENUMERATED" : "INTEGER"));
    return *v;
  }

  Result<SecurityLevel> Level(der::Reader& r, const std::string& what) const {
    const der::Reader at = r;
    CA_TRY(const int64_t v, Integer(r, der::kEnumerated, what));
    if (v < 0 || v > 2) return Bad(at, what + ": unknown security level " + std::to_string(v));
    return static_cast<SecurityLevel>(v);
  }

  Result<Bytes> Octets(der::Reader& r, const std::string& what) const {
    auto v = r.ReadOctetString();
    if (!v) return Bad(r, what + ": expected OCTET STRING");
    return Bytes(v->begin(), v->end());
  }

  // Explicit reads the single element inside an EXPLICIT [n] wrapper as an INTEGER.
  Result<int64_t> ExplicitInteger(der::Reader& inner, const std::string& what) const {
    CA_TRY(const int64_t v, Integer(inner, der::kInteger, what));
    if (!inner.Empty()) return Bad(inner, what + ": trailing bytes");
    return v;
  }

  Result<RootOfTrust> ReadRootOfTrust(der::Reader& inner) const {
    auto seq = inner.ReadTag(der::kSequence);
    if (!seq) return Bad(inner, "rootOfTrust: expected SEQUENCE");
    if (!inner.Empty()) return Bad(inner, "rootOfTrust: trailing bytes");
    der::Reader& r = *seq;
    RootOfTrust rot;
    CA_TRY(rot.verified_boot_key, Octets(r, "rootOfTrust.verifiedBootKey"));
    auto locked = r.ReadBoolean();
    if (!locked) return Bad(r, "rootOfTrust.deviceLocked: expected DER BOOLEAN");
    rot.device_locked = *locked;
    const der::Reader at = r;
    CA_TRY(const int64_t state, Integer(r, der::kEnumerated, "rootOfTrust.verifiedBootState"));
    if (state < 0 || state > 3) {
      return Bad(at, "rootOfTrust.verifiedBootState: unknown state " + std::to_string(state));
    }
    rot.verified_boot_state = static_cast<VerifiedBootState>(state);
    if (!r.Empty()) {  // attestation version 3+
      CA_TRY(Bytes hash, Octets(r, "rootOfTrust.verifiedBootHash"));
      rot.verified_boot_hash = std::move(hash);
    }
    if (!r.Empty()) return Bad(r, "rootOfTrust: unexpected element after verifiedBootHash");
    return rot;
  }

  Result<std::set<int64_t>> Purposes(der::Reader& inner) const {
    auto set = inner.ReadTag(der::kSet);
    if (!set) return Bad(inner, "purpose: expected SET OF INTEGER");
    if (!inner.Empty()) return Bad(inner, "purpose: trailing bytes");
    std::set<int64_t> out;
    while (!set->Empty()) {
      if (out.size() >= kMaxPurposes) return Bad(*set, "purpose: more than " + std::to_string(kMaxPurposes) + " values");
      CA_TRY(const int64_t v, Integer(*set, der::kInteger, "purpose"));
      out.insert(v);
    }
    return out;
  }

  Result<AuthorizationList> List(der::Reader& r, const std::string& name) const {
    auto seq = r.ReadTag(der::kSequence);
    if (!seq) return Bad(r, name + ": expected SEQUENCE (AuthorizationList)");
    der::Reader& list = *seq;
    AuthorizationList out;
    std::set<uint32_t> seen;
    while (!list.Empty()) {
      const der::Reader at = list;
      der::NumberedTag tag;
      der::Reader inner;
      if (!list.ReadAnyNumbered(&tag, &inner)) return Bad(at, name + ": malformed element");
      if (tag.class_bits != der::kContextSpecific || !tag.constructed) {
        return Bad(at, name + ": expected an EXPLICIT context tag");
      }
      if (!seen.insert(tag.number).second) {
        return Bad(at, name + ": tag [" + std::to_string(tag.number) + "] appears twice");
      }
      if (seen.size() > kMaxAuthorizations) {
        return Bad(at, name + ": more than " + std::to_string(kMaxAuthorizations) + " authorizations");
      }
      const std::string what = name + "[" + std::to_string(tag.number) + "]";
      switch (tag.number) {
        case kPurpose: {
          CA_TRY(out.purpose, Purposes(inner));
          break;
        }
        case kAlgorithm: {
          CA_TRY(out.algorithm, ExplicitInteger(inner, what));
          break;
        }
        case kKeySize: {
          CA_TRY(out.key_size, ExplicitInteger(inner, what));
          break;
        }
        case kOrigin: {
          CA_TRY(out.origin, ExplicitInteger(inner, what));
          break;
        }
        case kRootOfTrust: {
          CA_TRY(out.root_of_trust, ReadRootOfTrust(inner));
          break;
        }
        case kOsVersion: {
          CA_TRY(out.os_version, ExplicitInteger(inner, what));
          break;
        }
        case kOsPatchLevel: {
          CA_TRY(out.os_patch_level, ExplicitInteger(inner, what));
          break;
        }
        case kAttestationIdSerial: {
          CA_TRY(Bytes serial, Octets(inner, what));
          if (!inner.Empty()) return Bad(inner, what + ": trailing bytes");
          out.attestation_id_serial = std::move(serial);
          break;
        }
        case kVendorPatchLevel: {
          CA_TRY(out.vendor_patch_level, ExplicitInteger(inner, what));
          break;
        }
        case kBootPatchLevel: {
          CA_TRY(out.boot_patch_level, ExplicitInteger(inner, what));
          break;
        }
        default:
          // Unknown or unused: its wrapper was read as well-formed DER; the contents must be too.
          while (!inner.Empty()) {
            der::NumberedTag t;
            der::Reader skipped;
            if (!inner.ReadAnyNumbered(&t, &skipped)) return Bad(inner, what + ": malformed contents");
          }
          break;
      }
    }
    return out;
  }

  ByteView whole_;
};

}  // namespace

Result<KeyDescription> ParseKeyDescription(ByteView der) {
  if (der.size() > kMaxKeyDescriptionBytes) {
    return Fail(Errc::kMalformed, "KeyDescription: larger than " + std::to_string(kMaxKeyDescriptionBytes) + " bytes");
  }
  return Parser(der).Parse();
}

}  // namespace ca::attestation

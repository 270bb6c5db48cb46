// SAN otherNames for device identifiers (draft-ietf-acme-device-attest-09 §3.1, §3.2):
//   PermanentIdentifier ::= SEQUENCE {            -- RFC 4043, id-on-permanentIdentifier 1.3.6.1.5.5.7.8.3
//     identifierValue UTF8String OPTIONAL,
//     assigner        OBJECT IDENTIFIER OPTIONAL }
//   HardwareModuleName ::= SEQUENCE {             -- RFC 4108, id-on-hardwareModuleName 1.3.6.1.5.5.7.8.4
//     hwType          OBJECT IDENTIFIER,
//     hwSerialNum     OCTET STRING }
#include <string>

#include "issuance/internal.h"
#include "ossl/error.h"
#include "ossl/types.h"

namespace ca::issuance {
namespace {

constexpr const char* kIdOnPermanentIdentifier = "1.3.6.1.5.5.7.8.3";
constexpr const char* kIdOnHardwareModuleName = "1.3.6.1.5.5.7.8.4";
constexpr const char* kIdMsUpn = "1.3.6.1.4.1.311.20.2.3";

// Tlv encodes one DER element with a definite, minimal length.
Bytes Tlv(uint8_t tag, ByteView content) {
  Bytes out{tag};
  size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else {
    Bytes len;
    for (size_t v = n; v != 0; v >>= 8) len.insert(len.begin(), static_cast<uint8_t>(v & 0xff));
    out.push_back(static_cast<uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Result<Bytes> OidDer(const std::string& dotted) {
  ossl::UniquePtr<ASN1_OBJECT> obj(OBJ_txt2obj(dotted.c_str(), 1));
  if (!obj) return Fail(Errc::kInternal, "\"" + dotted + "\" is not a dotted OID");
  int n = i2d_ASN1_OBJECT(obj.get(), nullptr);
  if (n <= 0) return ossl::Internal("i2d_ASN1_OBJECT");
  Bytes out(static_cast<size_t>(n));
  unsigned char* p = out.data();
  i2d_ASN1_OBJECT(obj.get(), &p);
  return out;
}

void Append(Bytes& to, const Bytes& more) { to.insert(to.end(), more.begin(), more.end()); }

}  // namespace

Result<ossl::SanEntry> DeviceSanEntry(const core::Identifier& id) {
  ossl::SanEntry e;
  e.kind = ossl::SanEntry::Kind::kOtherName;
  auto slash = id.value.find('/');
  std::string first = id.value.substr(0, slash);
  std::string oid = slash == std::string::npos ? "" : id.value.substr(slash + 1);
  if (first.empty()) return Fail(Errc::kInternal, "device identifier has an empty value");
  Bytes content;
  if (id.type == core::kPermanentIdentifier) {
    e.other_oid = kIdOnPermanentIdentifier;
    Append(content, Tlv(0x0c, AsBytes(first)));  // UTF8String
    if (!oid.empty()) {
      CA_TRY(auto assigner, OidDer(oid));
      Append(content, assigner);
    }
  } else if (id.type == core::kHardwareModule) {
    if (oid.empty()) return Fail(Errc::kInternal, "hardware-module identifier has no hwType OID");
    e.other_oid = kIdOnHardwareModuleName;
    CA_TRY(auto hw_type, OidDer(oid));
    Append(content, hw_type);
    Append(content, Tlv(0x04, AsBytes(first)));  // OCTET STRING
  } else {
    return Fail(Errc::kInternal, "identifier type \"" + id.type + "\" is not a device identifier");
  }
  e.other_value_der = Tlv(0x30, content);
  return e;
}

Result<ossl::SanEntry> ExtraSanEntry(const std::string& kind, const std::string& value) {
  ossl::SanEntry e;
  if (kind == "email" || kind == "uri") {
    e.kind = kind == "email" ? ossl::SanEntry::Kind::kEmail : ossl::SanEntry::Kind::kUri;
    e.text = value;
  } else if (kind == "upn") {
    // Microsoft UPN: otherName 1.3.6.1.4.1.311.20.2.3 with a UTF8String (AD smart-card logon, EAP-TLS).
    e.kind = ossl::SanEntry::Kind::kOtherName;
    e.other_oid = kIdMsUpn;
    e.other_value_der = Tlv(0x0c, AsBytes(value));
  } else {
    return Fail(Errc::kInternal, "extra SAN kind \"" + kind + "\" cannot be issued");
  }
  return e;
}

}  // namespace ca::issuance

// Device identifiers a CSR may carry (draft-ietf-acme-device-attest-09 §3 and its RFC 8555 §7.4
// update): clients MAY omit them; when present each must equal an order identifier octet for octet.
//   PermanentIdentifier ::= SEQUENCE { identifierValue UTF8String OPTIONAL,
//                                      assigner OBJECT IDENTIFIER OPTIONAL }       -- RFC 4043
//   HardwareModuleName  ::= SEQUENCE { hwType OBJECT IDENTIFIER,
//                                      hwSerialNum OCTET STRING }                  -- RFC 4108
#include <algorithm>
#include <memory>
#include <string>

#include <openssl/x509v3.h>

#include "der/oid.h"
#include "der/reader.h"
#include "ossl/types.h"
#include "policy/csr_check.h"
#include "policy/internal.h"

namespace ca::policy {
namespace {

constexpr const char* kPermanentIdentifierOid = "1.3.6.1.5.5.7.8.3";
constexpr const char* kHardwareModuleNameOid = "1.3.6.1.5.5.7.8.4";

Result<std::string> OidText(der::Reader& r) {
  auto oid = r.ReadOid();
  if (!oid) return Fail(Errc::kBadCsr, "CSR device identifier has a malformed OID");
  auto text = der::OidToText(*oid);
  if (!text) return Fail(Errc::kBadCsr, "CSR device identifier has a malformed OID");
  return *text;
}

Result<core::Identifier> DecodePermanentIdentifier(ByteView seq_der) {
  der::Reader outer(seq_der);
  auto seq = outer.ReadTag(der::kSequence);
  if (!seq || !outer.Empty()) return Fail(Errc::kBadCsr, "CSR PermanentIdentifier is not one SEQUENCE");
  std::string value;
  if (seq->Peek(der::kUtf8String)) {
    auto v = seq->ReadUtf8String();
    if (!v) return Fail(Errc::kBadCsr, "CSR PermanentIdentifier value is not UTF-8");
    value = std::string(*v);
  }
  if (!seq->Empty()) {
    CA_TRY(auto assigner, OidText(*seq));
    value += "/" + assigner;
  }
  if (!seq->Empty()) return Fail(Errc::kBadCsr, "CSR PermanentIdentifier has trailing data");
  return core::Identifier{core::kPermanentIdentifier, value};
}

Result<core::Identifier> DecodeHardwareModuleName(ByteView seq_der) {
  der::Reader outer(seq_der);
  auto seq = outer.ReadTag(der::kSequence);
  if (!seq || !outer.Empty()) return Fail(Errc::kBadCsr, "CSR HardwareModuleName is not one SEQUENCE");
  CA_TRY(auto hw_type, OidText(*seq));
  auto serial = seq->ReadOctetString();
  if (!serial || !seq->Empty()) return Fail(Errc::kBadCsr, "CSR HardwareModuleName is malformed");
  return core::Identifier{core::kHardwareModule, ToString(*serial) + "/" + hw_type};
}

}  // namespace

Result<void> CheckCsrDeviceNames(const ParsedCsr& csr, const std::vector<core::Identifier>& order_identifiers) {
  CA_TRY(auto names, CsrSubjectAltNames(csr.req.get()));
  if (!names) return Ok();
  for (int j = 0; j < sk_GENERAL_NAME_num(names.get()); ++j) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), j);
    if (gn->type != GEN_OTHERNAME) continue;
    char oid[64];
    if (OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1) <= 0) continue;
    std::string type_id(oid);
    if (type_id != kPermanentIdentifierOid && type_id != kHardwareModuleNameOid) continue;
    const ASN1_TYPE* v = gn->d.otherName->value;
    if (v == nullptr || v->type != V_ASN1_SEQUENCE) return Fail(Errc::kBadCsr, "CSR device identifier is not a SEQUENCE");
    ByteView der(ASN1_STRING_get0_data(v->value.sequence), static_cast<size_t>(ASN1_STRING_length(v->value.sequence)));
    CA_TRY(auto id, type_id == kPermanentIdentifierOid ? DecodePermanentIdentifier(der) : DecodeHardwareModuleName(der));
    if (std::find(order_identifiers.begin(), order_identifiers.end(), id) == order_identifiers.end()) {
      return Fail(Errc::kBadCsr, "CSR names device identifier \"" + id.value.substr(0, 128) + "\" (" + id.type +
                                     ") that is not in the order");
    }
  }
  return Ok();
}

}  // namespace ca::policy

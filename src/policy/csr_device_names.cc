// Device identifiers a CSR may carry (draft-ietf-acme-device-attest-09 §3 and its RFC 8555 §7.4
// update): clients MAY omit them; when present each must equal an order identifier octet for octet.
//   PermanentIdentifier ::= SEQUENCE { identifierValue UTF8String OPTIONAL,
//                                      assigner OBJECT IDENTIFIER OPTIONAL }       -- RFC 4043
//   HardwareModuleName  ::= SEQUENCE { hwType OBJECT IDENTIFIER,
//                                      hwSerialNum OCTET STRING }                  -- RFC 4108
#include <algorithm>
#include <string>

#include <openssl/x509v3.h>

#include "der/device_names.h"
#include "ossl/types.h"
#include "policy/csr_check.h"
#include "policy/internal.h"

namespace ca::policy {
namespace {

// The shared decoders speak kMalformed without context; a CSR's refusal is badCSR.
Result<core::Identifier> DecodePermanentIdentifier(ByteView seq_der) {
  auto value = der::PermanentIdentifierValue(seq_der);
  if (!value) return Fail(Errc::kBadCsr, "CSR " + value.error().detail);
  return core::Identifier{core::kPermanentIdentifier, std::move(*value)};
}

Result<core::Identifier> DecodeHardwareModuleName(ByteView seq_der) {
  auto hw = der::DecodeHardwareModuleName(seq_der);
  if (!hw) return Fail(Errc::kBadCsr, "CSR " + hw.error().detail);
  return core::Identifier{core::kHardwareModule, ToString(hw->serial) + "/" + hw->hw_type};
}

}  // namespace

Result<void> CheckCsrDeviceNames(const ParsedCsr& csr, const std::vector<core::Identifier>& order_identifiers) {
  CA_TRY(auto names, CsrSubjectAltNames(csr));
  if (!names) return Ok();
  for (int j = 0; j < sk_GENERAL_NAME_num(names.get()); ++j) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), j);
    if (gn->type != GEN_OTHERNAME) continue;
    char oid[64];
    if (OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1) <= 0) continue;
    std::string type_id(oid);
    if (type_id != der::kIdOnPermanentIdentifier && type_id != der::kIdOnHardwareModuleName) continue;
    const ASN1_TYPE* v = gn->d.otherName->value;
    if (v == nullptr || v->type != V_ASN1_SEQUENCE) return Fail(Errc::kBadCsr, "CSR device identifier is not a SEQUENCE");
    ByteView seq(ASN1_STRING_get0_data(v->value.sequence), static_cast<size_t>(ASN1_STRING_length(v->value.sequence)));
    CA_TRY(auto id, type_id == der::kIdOnPermanentIdentifier ? DecodePermanentIdentifier(seq) : DecodeHardwareModuleName(seq));
    if (std::find(order_identifiers.begin(), order_identifiers.end(), id) == order_identifiers.end()) {
      return Fail(Errc::kBadCsr, "CSR names device identifier \"" + id.value.substr(0, 128) + "\" (" + id.type +
                                     ") that is not in the order");
    }
  }
  return Ok();
}

}  // namespace ca::policy

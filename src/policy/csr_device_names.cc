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

#include "der/device_names.h"
#include "ossl/types.h"
#include "policy/csr_check.h"

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

struct ExtensionsFree {
  void operator()(STACK_OF(X509_EXTENSION)* s) const { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }
};

}  // namespace

Result<void> CheckCsrDeviceNames(const ParsedCsr& csr, const std::vector<core::Identifier>& order_identifiers) {
  std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionsFree> exts(X509_REQ_get_extensions(csr.req.get()));
  if (!exts) return Ok();
  for (int i = 0; i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    ossl::UniquePtr<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    if (!names) return Fail(Errc::kBadCsr, "CSR subjectAltName does not parse");
    for (int j = 0; j < sk_GENERAL_NAME_num(names.get()); ++j) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), j);
      if (gn->type != GEN_OTHERNAME) continue;
      char oid[64];
      if (OBJ_obj2txt(oid, sizeof oid, gn->d.otherName->type_id, 1) <= 0) continue;
      std::string type_id(oid);
      if (type_id != der::kIdOnPermanentIdentifier && type_id != der::kIdOnHardwareModuleName) continue;
      const ASN1_TYPE* v = gn->d.otherName->value;
      if (v == nullptr || v->type != V_ASN1_SEQUENCE) return Fail(Errc::kBadCsr, "CSR device identifier is not a SEQUENCE");
      ByteView der(ASN1_STRING_get0_data(v->value.sequence), static_cast<size_t>(ASN1_STRING_length(v->value.sequence)));
      CA_TRY(auto id, type_id == der::kIdOnPermanentIdentifier ? DecodePermanentIdentifier(der) : DecodeHardwareModuleName(der));
      if (std::find(order_identifiers.begin(), order_identifiers.end(), id) == order_identifiers.end()) {
        return Fail(Errc::kBadCsr, "CSR names device identifier \"" + id.value.substr(0, 128) + "\" (" + id.type +
                                       ") that is not in the order");
      }
    }
  }
  return Ok();
}

}  // namespace ca::policy

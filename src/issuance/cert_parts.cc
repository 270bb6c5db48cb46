// TbsOfCert / SpkiOfTbs: the parts of a DER certificate the issuer checks after signing.
#include "der/reader.h"
#include "issuance/internal.h"

namespace ca::issuance {

std::optional<ByteView> TbsOfCert(ByteView cert_der) {
  der::Reader top(cert_der);
  auto cert = top.ReadTag(der::kSequence);
  if (!cert || !top.Empty()) return std::nullopt;
  return cert->ReadRawElement(der::kSequence);
}

std::optional<ByteView> SpkiOfTbs(ByteView tbs_der) {
  der::Reader top(tbs_der);
  auto tbs = top.ReadTag(der::kSequence);
  if (!tbs || !top.Empty()) return std::nullopt;
  // version [0] EXPLICIT (present in v3), serialNumber, signature, issuer, validity, subject.
  if (!tbs->SkipOptional(der::ContextTag(0, true))) return std::nullopt;
  if (!tbs->Skip(der::kInteger) || !tbs->Skip(der::kSequence) || !tbs->Skip(der::kSequence) ||
      !tbs->Skip(der::kSequence) || !tbs->Skip(der::kSequence)) {
    return std::nullopt;
  }
  return tbs->ReadRawElement(der::kSequence);
}

}  // namespace ca::issuance

#include "der/device_names.h"

#include "der/oid.h"
#include "der/reader.h"

namespace ca::der {
namespace {

Result<std::string> OidText(Reader& r, const char* what) {
  auto oid = r.ReadOid();
  auto text = oid ? OidToText(*oid) : std::nullopt;
  if (!text) return Fail(Errc::kMalformed, std::string(what) + " has a malformed OID");
  return *text;
}

}  // namespace

Result<std::string> PermanentIdentifierValue(ByteView seq_der) {
  Reader outer(seq_der);
  auto seq = outer.ReadTag(kSequence);
  if (!seq || !outer.Empty()) return Fail(Errc::kMalformed, "PermanentIdentifier is not one SEQUENCE");
  std::string value;
  if (seq->Peek(kUtf8String)) {
    auto v = seq->ReadUtf8String();
    if (!v) return Fail(Errc::kMalformed, "PermanentIdentifier value is not UTF-8");
    value = std::string(*v);
  }
  if (!seq->Empty()) {
    CA_TRY(auto assigner, OidText(*seq, "PermanentIdentifier"));
    value += "/" + assigner;
  }
  if (!seq->Empty()) return Fail(Errc::kMalformed, "PermanentIdentifier has trailing data");
  return value;
}

Result<HardwareModuleName> DecodeHardwareModuleName(ByteView seq_der) {
  Reader outer(seq_der);
  auto seq = outer.ReadTag(kSequence);
  if (!seq || !outer.Empty()) return Fail(Errc::kMalformed, "HardwareModuleName is not one SEQUENCE");
  HardwareModuleName out;
  CA_TRY(out.hw_type, OidText(*seq, "HardwareModuleName"));
  auto serial = seq->ReadOctetString();
  if (!serial || !seq->Empty()) return Fail(Errc::kMalformed, "HardwareModuleName is malformed");
  out.serial = *serial;
  return out;
}

}  // namespace ca::der

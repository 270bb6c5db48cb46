// Fuzz target: attestation::DecodeAttestationObject (the device-attest-01 attObj, WebAuthn
// §6.5.4) on arbitrary bytes. Accepted objects must respect the documented invariants; refused
// ones must be kMalformed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "attestation/object.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto obj = ca::attestation::DecodeAttestationObject(ca::ByteView(data, size));
  if (!obj) {
    if (obj.error().code != ca::Errc::kMalformed || obj.error().detail.empty()) std::abort();
    return 0;
  }
  if (obj->fmt.empty() || obj->fmt.size() > ca::attestation::kMaxFmtLength) std::abort();
  if (obj->att_stmt.x5c.size() > ca::attestation::kMaxX5c) std::abort();
  for (const auto& der : obj->att_stmt.x5c) {
    if (der.empty() || der.size() >= size) std::abort();
  }
  return 0;
}

#include "attestation/attested_device.h"

namespace ca::attestation {

bool Names(const AttestedDevice& dev, const core::Identifier& id) {
  const std::string bare = id.value.substr(0, id.value.find('/'));
  for (const auto& a : dev.identifiers) {
    const bool match = core::IsDeviceIdentifierType(a.kind) ? a.kind == id.type && a.value == id.value : a.value == bare;
    if (match) return true;
  }
  return false;
}

}  // namespace ca::attestation

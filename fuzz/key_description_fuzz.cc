// Fuzz target: attestation::ParseKeyDescription (Android's KeyDescription extension, high-tag-number
// AuthorizationList members) on arbitrary bytes. Refusals must be kMalformed "KeyDescription: ...";
// accepted descriptions must respect the documented bounds, and render as facts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attestation/android.h"
#include "attestation/key_description.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto kd = ca::attestation::ParseKeyDescription(ca::ByteView(data, size));
  if (!kd) {
    const auto& e = kd.error();
    if (e.code != ca::Errc::kMalformed || std::string_view(e.detail).rfind("KeyDescription: ", 0) != 0) std::abort();
    return 0;
  }
  if (size > ca::attestation::kMaxKeyDescriptionBytes) std::abort();
  if (kd->attestation_challenge.size() > ca::attestation::kMaxChallengeBytes) std::abort();
  if (kd->unique_id.size() >= size) std::abort();
  const auto facts = ca::attestation::AndroidFacts(*kd);
  if (facts.count("security_level") != 1) std::abort();
  return 0;
}

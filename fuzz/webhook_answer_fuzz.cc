// Fuzz target: webhook::ParseAnswer on arbitrary bytes (a webhook's answer is untrusted); whatever
// it accepts carries a reason of printable ASCII within the length cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "webhook/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto d = ca::webhook::ParseAnswer(200, text);
  if (!d) return 0;
  if (d->reason.size() > ca::webhook::kMaxReasonChars + 3) std::abort();
  for (char c : d->reason) {
    if (c < 0x20 || c > 0x7e) std::abort();
  }
  return 0;
}
